/** Small hooks around the station client: event subscriptions and Result-returning calls. */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Event } from '../../../main/common/event.js';
import type { Result } from '../../../main/common/result.js';
import { useErrors } from '../components/Feedback.js';
import { useStation } from '../connection.js';

/** Subscribes `listener` to `event` for the life of the component (and of the connection). */
export function useEvent<T>(event: Event<T> | undefined, listener: (e: T) => void): void {
  const ref = useRef(listener);
  ref.current = listener;
  useEffect(() => {
    if (!event) return;
    const d = event((e) => ref.current(e));
    return () => d.dispose();
  }, [event]);
}

/**
 * Wraps a Result-returning call: reports failures as a banner (with `context`) and returns the value or null.
 * Also tracks whether a call is in flight, for disabling buttons.
 */
export function useCall(): {
  run: <T>(context: string, call: () => Promise<Result<T>>) => Promise<T | null>;
  busy: boolean;
} {
  const { report, clear } = useErrors();
  const [inFlight, setInFlight] = useState(0);
  const run = useCallback(
    async <T,>(context: string, call: () => Promise<Result<T>>): Promise<T | null> => {
      setInFlight((n) => n + 1);
      try {
        const r = await call();
        if (!r.ok) {
          report(context, r.error);
          return null;
        }
        clear(context);
        return r.value;
      } catch (e) {
        report(context, { kind: 'internal', message: e instanceof Error ? e.message : String(e) });
        return null;
      } finally {
        setInFlight((n) => n - 1);
      }
    },
    [report, clear],
  );
  return { run, busy: inFlight > 0 };
}

/** Loads a value once per connection (and whenever `deps` change); `reload()` refetches. */
export function useLoad<T>(
  context: string,
  call: (api: ReturnType<typeof useStation>['api']) => Promise<Result<T>>,
  deps: readonly unknown[] = [],
): { value: T | null; reload: () => void; loading: boolean } {
  const { api, generation } = useStation();
  const { run } = useCall();
  const [value, setValue] = useState<T | null>(null);
  const [loading, setLoading] = useState(false);
  const [tick, setTick] = useState(0);
  const callRef = useRef(call);
  callRef.current = call;
  useEffect(() => {
    let live = true;
    setLoading(true);
    void run(context, () => callRef.current(api)).then((v) => {
      if (!live) return;
      setLoading(false);
      if (v !== null) setValue(v);
    });
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the caller's deps are spread in: the rule cannot see them
  }, [api, generation, tick, ...deps]);
  return { value, reload: useCallback(() => setTick((t) => t + 1), []), loading };
}

/** Formats numbers for display: scores with 4 significant digits, rates as %. */
export function fmtScore(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential(3);
  return Number(v.toPrecision(4)).toString();
}

export function fmtPct(v: number | null | undefined, digits = 1): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  return `${(v * 100).toFixed(digits)}%`;
}

export function fmtTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}
