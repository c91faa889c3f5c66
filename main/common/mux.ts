/**
 * Carries many channel connections over one wire (the engine worker's MessagePort): every browser tab / window
 * gets its own virtual Transport, so subscriptions and calls are per connection and die with it.
 * Envelope: {c: connectionId, m?: ChannelMessage, close?: true}. Pure.
 */
import { isChannelMessage, type ChannelMessage, type Transport } from './channel.js';
import { Emitter, toDisposable, type Disposable } from './event.js';

export interface MuxEnvelope {
  readonly c: number;
  readonly m?: ChannelMessage;
  readonly close?: true;
}

/** A bidirectional message pipe (worker port, IPC, ...). */
export interface Wire<T> {
  send(x: T): void;
  onMessage(listener: (x: T) => void): Disposable;
}

function isEnvelope(x: unknown): x is MuxEnvelope {
  return typeof x === 'object' && x !== null && typeof (x as MuxEnvelope).c === 'number';
}

interface Conn {
  readonly msg: Emitter<ChannelMessage>;
  readonly close: Emitter<void>;
  closed: boolean;
}

function virtualTransport(conn: Conn, send: (m: ChannelMessage) => void, close: () => void): Transport & { close(): void } {
  return {
    send: (m) => {
      if (conn.closed) throw new Error('connection closed');
      send(m);
    },
    onMessage: (l) => conn.msg.event(l),
    onClose: (l) => (conn.closed ? (queueMicrotask(l), toDisposable(() => {})) : conn.close.event(l)),
    close,
  };
}

function newConn(): Conn {
  return { msg: new Emitter(), close: new Emitter(), closed: false };
}

function closeConn(conn: Conn) {
  if (conn.closed) return;
  conn.closed = true;
  conn.close.fire();
  conn.msg.dispose();
  conn.close.dispose();
}

/** The side that opens connections (host / Electron main). */
export function muxClient(wire: Wire<unknown>): { open(): Transport & { close(): void }; closeAll(): void; readonly size: number } {
  const conns = new Map<number, Conn>();
  let next = 1;
  wire.onMessage((x) => {
    if (!isEnvelope(x)) return;
    const conn = conns.get(x.c);
    if (!conn) return;
    if (x.close) {
      conns.delete(x.c);
      closeConn(conn);
    } else if (x.m && isChannelMessage(x.m)) conn.msg.fire(x.m);
  });
  return {
    open() {
      const c = next++;
      const conn = newConn();
      conns.set(c, conn);
      return virtualTransport(
        conn,
        (m) => wire.send({ c, m } satisfies MuxEnvelope),
        () => {
          if (conn.closed) return;
          conns.delete(c);
          closeConn(conn);
          try {
            wire.send({ c, close: true } satisfies MuxEnvelope);
          } catch {
            /* wire already gone */
          }
        },
      );
    },
    closeAll() {
      for (const [c, conn] of conns) {
        conns.delete(c);
        closeConn(conn);
      }
    },
    get size() {
      return conns.size;
    },
  };
}

/** The serving side (engine worker): calls `onConnection` once per new connection id. */
export function muxServer(wire: Wire<unknown>, onConnection: (t: Transport) => void): Disposable & { readonly size: number } {
  const conns = new Map<number, Conn>();
  const sub = wire.onMessage((x) => {
    if (!isEnvelope(x)) return;
    let conn = conns.get(x.c);
    if (x.close) {
      if (conn) {
        conns.delete(x.c);
        closeConn(conn);
      }
      return;
    }
    if (!conn) {
      conn = newConn();
      conns.set(x.c, conn);
      const c = x.c;
      const cc = conn;
      onConnection(
        virtualTransport(
          cc,
          (m) => wire.send({ c, m } satisfies MuxEnvelope),
          () => {
            conns.delete(c);
            closeConn(cc);
            wire.send({ c, close: true } satisfies MuxEnvelope);
          },
        ),
      );
    }
    if (x.m && isChannelMessage(x.m)) conn.msg.fire(x.m);
  });
  return {
    dispose() {
      sub.dispose();
      for (const conn of conns.values()) closeConn(conn);
      conns.clear();
    },
    get size() {
      return conns.size;
    },
  };
}
