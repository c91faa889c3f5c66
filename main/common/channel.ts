/**
 * Generic RPC + event channel over any message transport (WebSocket, Electron IPC via the preload bridge,
 * worker MessagePort). Feature code never sees channel strings: the client is `createProxy(def, transport)`,
 * the server is `serveApi(def, impl, transport)`. Requests are validated with the contract's zod schemas on
 * the serving side; bad requests come back as `{ok:false, error:{kind:'invalid-input'}}`.
 *
 * Wire messages (plain JSON-safe objects, so they survive JSON and structured clone alike):
 *   call     {t:'call', id, s, m, a}      client -> server: service s, method m, request a
 *   result   {t:'result', id, r}          server -> client: Result of call id
 *   listen   {t:'listen', id, s, e}       client -> server: subscribe to event e of service s
 *   unlisten {t:'unlisten', id}           client -> server
 *   event    {t:'event', id, d}           server -> client: payload for subscription id
 * Pure: no node/DOM imports.
 */
import type { ZodType } from 'zod';
import type { ApiClient, ApiDef, ApiImpl } from './contract.js';
import { Emitter, toDisposable, type Disposable, type Event } from './event.js';
import { fail, toStationError, type Result } from './result.js';

export type ChannelMessage =
  | { readonly t: 'call'; readonly id: number; readonly s: string; readonly m: string; readonly a?: unknown }
  | { readonly t: 'result'; readonly id: number; readonly r: Result<unknown> }
  | { readonly t: 'listen'; readonly id: number; readonly s: string; readonly e: string }
  | { readonly t: 'unlisten'; readonly id: number }
  | { readonly t: 'event'; readonly id: number; readonly d: unknown };

/** The whole transport surface the channel needs. */
export interface Transport {
  send(msg: ChannelMessage): void;
  onMessage(listener: (msg: ChannelMessage) => void): Disposable;
  /** Fires once when the other end goes away; optional for transports that never close. */
  onClose?(listener: () => void): Disposable;
}

/** Validates the envelope of something received from outside (never trust the wire). */
export function isChannelMessage(x: unknown): x is ChannelMessage {
  if (typeof x !== 'object' || x === null) return false;
  const m = x as Record<string, unknown>;
  if (typeof m.id !== 'number' || !Number.isSafeInteger(m.id)) return false;
  switch (m.t) {
    case 'call':
      return typeof m.s === 'string' && typeof m.m === 'string';
    case 'listen':
      return typeof m.s === 'string' && typeof m.e === 'string';
    case 'unlisten':
      return true;
    case 'result':
      return typeof m.r === 'object' && m.r !== null;
    case 'event':
      return true;
    default:
      return false;
  }
}

function isOwn(o: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, key);
}

/**
 * Serves `impl` on `transport`: validates every call against `def`, wraps replies in Result, and relays
 * event subscriptions. Returns a Disposable that drops all subscriptions (also done when the transport closes).
 */
export function serveApi<A extends ApiDef>(def: A, impl: ApiImpl<A>, transport: Transport): Disposable {
  const subs = new Map<number, Disposable>();
  let closed = false;

  const reply = (id: number, r: Result<unknown>) => {
    if (!closed) transport.send({ t: 'result', id, r });
  };

  const handle = async (msg: ChannelMessage) => {
    switch (msg.t) {
      case 'call': {
        const sdef = isOwn(def, msg.s) ? def[msg.s] : undefined;
        const mdef = sdef && isOwn(sdef, msg.m) ? sdef[msg.m] : undefined;
        if (!mdef || mdef.kind !== 'method') {
          reply(msg.id, fail('invalid-input', `unknown method ${msg.s}.${msg.m}`));
          return;
        }
        const parsed = (mdef.input as ZodType).safeParse(msg.a);
        if (!parsed.success) {
          const detail = parsed.error.issues
            .slice(0, 5)
            .map((i) => `${i.path.length ? i.path.join('.') : '(request)'}: ${i.message}`)
            .join('; ');
          reply(msg.id, fail('invalid-input', `${msg.s}.${msg.m}: ${detail}`));
          return;
        }
        const svc = (impl as Record<string, Record<string, unknown>>)[msg.s];
        const fn = svc?.[msg.m];
        if (typeof fn !== 'function') {
          reply(msg.id, fail('internal', `${msg.s}.${msg.m} is not implemented`));
          return;
        }
        try {
          const value = await (fn as (a: unknown) => unknown).call(svc, parsed.data);
          reply(msg.id, { ok: true, value: value === undefined ? null : value });
        } catch (e) {
          reply(msg.id, { ok: false, error: toStationError(e) });
        }
        return;
      }
      case 'listen': {
        const sdef = isOwn(def, msg.s) ? def[msg.s] : undefined;
        const edef = sdef && isOwn(sdef, msg.e) ? sdef[msg.e] : undefined;
        const ev = (impl as Record<string, Record<string, unknown>>)[msg.s]?.[msg.e];
        if (!edef || edef.kind !== 'event' || typeof ev !== 'function' || subs.has(msg.id)) return;
        const id = msg.id;
        subs.set(
          id,
          (ev as Event<unknown>)((d) => {
            if (!closed) transport.send({ t: 'event', id, d });
          }),
        );
        return;
      }
      case 'unlisten': {
        subs.get(msg.id)?.dispose();
        subs.delete(msg.id);
        return;
      }
      default:
        return; // results/events are for clients; ignore
    }
  };

  const stop = () => {
    closed = true;
    for (const d of subs.values()) d.dispose();
    subs.clear();
  };
  const onMsg = transport.onMessage((m) => {
    if (!isChannelMessage(m)) return;
    void handle(m);
  });
  const onClose = transport.onClose?.(stop);
  return toDisposable(() => {
    stop();
    onMsg.dispose();
    onClose?.dispose();
  });
}

export interface ProxyOptions {
  /** Milliseconds before an unanswered call resolves as an error; 0 = never. Default 0. */
  readonly timeoutMs?: number;
}

/** A client for `def` over `transport`. Method calls never reject: failures come back as Result. */
export function createProxy<A extends ApiDef>(
  def: A,
  transport: Transport,
  opts: ProxyOptions = {},
): ApiClient<A> & Disposable {
  let nextId = 1;
  let closed = false;
  const pending = new Map<number, { resolve: (r: Result<unknown>) => void; timer?: ReturnType<typeof setTimeout> }>();
  const listeners = new Map<number, (d: unknown) => void>();

  const onMsg = transport.onMessage((msg) => {
    if (!isChannelMessage(msg)) return;
    if (msg.t === 'result') {
      const p = pending.get(msg.id);
      if (!p) return;
      pending.delete(msg.id);
      if (p.timer) clearTimeout(p.timer);
      p.resolve(msg.r);
    } else if (msg.t === 'event') {
      listeners.get(msg.id)?.(msg.d);
    }
  });

  const closeAll = () => {
    closed = true;
    for (const [, p] of pending) {
      if (p.timer) clearTimeout(p.timer);
      p.resolve(fail('io', 'connection to the station closed'));
    }
    pending.clear();
  };
  const onClose = transport.onClose?.(closeAll);

  const call = (s: string, m: string, a: unknown): Promise<Result<unknown>> => {
    if (closed) return Promise.resolve(fail('io', 'connection to the station closed'));
    const id = nextId++;
    return new Promise((resolve) => {
      const entry: { resolve: (r: Result<unknown>) => void; timer?: ReturnType<typeof setTimeout> } = { resolve };
      if (opts.timeoutMs && opts.timeoutMs > 0) {
        entry.timer = setTimeout(() => {
          pending.delete(id);
          resolve(fail('io', `${s}.${m}: no reply within ${opts.timeoutMs} ms`));
        }, opts.timeoutMs);
      }
      pending.set(id, entry);
      try {
        transport.send({ t: 'call', id, s, m, a });
      } catch (e) {
        pending.delete(id);
        if (entry.timer) clearTimeout(entry.timer);
        resolve({ ok: false, error: toStationError(e) });
      }
    });
  };

  // Each client event multiplexes its local listeners onto one remote subscription.
  const makeEvent = (s: string, e: string): Event<unknown> => {
    const emitter = new Emitter<unknown>();
    let remoteId = 0;
    return (listener) => {
      const sub = emitter.event(listener);
      if (emitter.listenerCount === 1 && !closed) {
        remoteId = nextId++;
        listeners.set(remoteId, (d) => emitter.fire(d));
        transport.send({ t: 'listen', id: remoteId, s, e });
      }
      return toDisposable(() => {
        sub.dispose();
        if (emitter.listenerCount === 0 && remoteId) {
          listeners.delete(remoteId);
          if (!closed) transport.send({ t: 'unlisten', id: remoteId });
          remoteId = 0;
        }
      });
    };
  };

  const client: Record<string, unknown> = {};
  for (const s of Object.keys(def)) {
    const svc: Record<string, unknown> = {};
    for (const [name, d] of Object.entries(def[s])) {
      svc[name] = d.kind === 'method' ? (a?: unknown) => call(s, name, a) : makeEvent(s, name);
    }
    client[s] = Object.freeze(svc);
  }
  client.dispose = () => {
    onMsg.dispose();
    onClose?.dispose();
    closeAll();
    listeners.clear();
  };
  return client as ApiClient<A> & Disposable;
}

/** Two in-memory transports wired to each other (tests, and same-process use). Delivery is async like a real wire. */
export function createLoopbackPair(): [Transport, Transport] & { close(): void } {
  const mk = () => ({ msg: new Emitter<ChannelMessage>(), close: new Emitter<void>() });
  const a = mk();
  const b = mk();
  let open = true;
  const tr = (self: typeof a, other: typeof a): Transport => ({
    send: (m) => {
      if (!open) throw new Error('transport closed');
      // structuredClone: catch non-serialisable payloads in tests the way a real transport would.
      const copy = structuredClone(m);
      queueMicrotask(() => open && other.msg.fire(copy));
    },
    onMessage: (l) => self.msg.event(l),
    onClose: (l) => self.close.event(l),
  });
  const pair = [tr(a, b), tr(b, a)] as [Transport, Transport] & { close(): void };
  pair.close = () => {
    if (!open) return;
    open = false;
    a.close.fire();
    b.close.fire();
  };
  return pair;
}
