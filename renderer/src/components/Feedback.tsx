/**
 * Error and progress feedback shared by every screen. API failures arrive as `{kind, message}` and are shown as
 * a banner naming the kind, never swallowed, never a blank screen.
 */
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { StationError } from '../../../main/common/result.js';

interface Shown extends StationError {
  readonly id: number;
  readonly context: string;
}

interface ErrorsApi {
  /** Shows an error; `context` says what the user was doing ("Start live view"). */
  report(context: string, error: StationError): void;
  /** Takes down the banners of `context`: the action succeeded since (a retry, or the state it wanted came about). */
  clear(context: string): void;
}

const ErrorsContext = createContext<ErrorsApi>({ report: () => {}, clear: () => {} });

export function useErrors(): ErrorsApi {
  return useContext(ErrorsContext);
}

let nextId = 1;

export function ErrorsProvider({ children }: { children: ReactNode }) {
  const [errors, setErrors] = useState<Shown[]>([]);
  const report = useCallback((context: string, error: StationError) => {
    setErrors((prev) => {
      // The same failure repeating (e.g. a source dropping every frame) stays one banner.
      const rest = prev.filter((e) => !(e.context === context && e.message === error.message));
      return [...rest, { ...error, context, id: nextId++ }].slice(-4);
    });
  }, []);
  const clear = useCallback((context: string) => {
    setErrors((prev) => (prev.some((e) => e.context === context) ? prev.filter((e) => e.context !== context) : prev));
  }, []);
  const api = useMemo(() => ({ report, clear }), [report, clear]);
  const { t } = useTranslation();
  return (
    <ErrorsContext.Provider value={api}>
      <div className="errors" role="alert" aria-live="assertive">
        {errors.map((e) => (
          <div key={e.id} className="banner error" data-error-kind={e.kind}>
            <span className="kind">{t(`errorKind.${e.kind}`, { defaultValue: e.kind })}</span>
            <span className="grow">
              <b>{e.context}:</b> {e.message}
            </span>
            <button className="btn small" onClick={() => setErrors((p) => p.filter((x) => x.id !== e.id))}>
              {t('common.dismiss')}
            </button>
          </div>
        ))}
      </div>
      {children}
    </ErrorsContext.Provider>
  );
}

export function ProgressBar({ done, total, label }: { done: number; total: number; label?: string }) {
  const pct = total > 0 ? Math.max(0, Math.min(100, (done / total) * 100)) : 0;
  return (
    <div className="stack" role="progressbar" aria-valuemin={0} aria-valuemax={total} aria-valuenow={done} aria-label={label}>
      <div className="row small muted">
        <span>{label}</span>
        <span style={{ marginLeft: 'auto' }} className="num">
          {total > 0 ? `${done} / ${total}` : ''}
        </span>
      </div>
      <div className="progress">
        <div style={{ width: `${pct}%` }} />
      </div>
    </div>
  );
}

/** Renders a component subtree, and if it throws while rendering shows the error instead of a blank screen. */
export { ErrorBoundary } from './ErrorBoundary.js';
