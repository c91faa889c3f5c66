/**
 * Client-side transports for the channel, usable in the browser and in node tests. Pure: they take the
 * socket / bridge object as a parameter instead of importing DOM or Electron types.
 */
import { isChannelMessage, type ChannelMessage, type Transport } from './channel.js';
import { Emitter, toDisposable, type Disposable } from './event.js';

/** The part of the WebSocket API (browser `WebSocket` or the `ws` package) the transport uses. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'message', l: (ev: { data: unknown }) => void): void;
  addEventListener(type: 'open' | 'close' | 'error', l: (ev: unknown) => void): void;
  removeEventListener(type: string, l: (ev: never) => void): void;
}

const WS_OPEN = 1;

/**
 * Wraps a WebSocket: JSON text frames, one ChannelMessage each. Messages sent before the socket opens are queued
 * (bounded: the channel only sends calls/subscriptions, never frames of video).
 */
export function webSocketTransport(ws: WebSocketLike): Transport & Disposable {
  const msgs = new Emitter<ChannelMessage>();
  const closed = new Emitter<void>();
  const queue: string[] = [];
  let isClosed = false;
  const onMessage = (ev: { data: unknown }) => {
    if (typeof ev.data !== 'string') return;
    let m: unknown;
    try {
      m = JSON.parse(ev.data);
    } catch {
      return;
    }
    if (isChannelMessage(m)) msgs.fire(m);
  };
  const onOpen = () => {
    for (const s of queue.splice(0)) ws.send(s);
  };
  const onClose = () => {
    if (isClosed) return;
    isClosed = true;
    closed.fire();
  };
  ws.addEventListener('message', onMessage);
  ws.addEventListener('open', onOpen);
  ws.addEventListener('close', onClose);
  return {
    send(m) {
      if (isClosed) throw new Error('connection to the station closed');
      const s = JSON.stringify(m);
      if (ws.readyState === WS_OPEN) ws.send(s);
      else if (queue.length < 1000) queue.push(s);
      else throw new Error('connection to the station is not open');
    },
    onMessage: (l) => msgs.event(l),
    onClose: (l) => {
      if (isClosed) {
        queueMicrotask(l);
        return toDisposable(() => {});
      }
      return closed.event(l);
    },
    dispose() {
      ws.removeEventListener('message', onMessage as never);
      ws.removeEventListener('open', onOpen as never);
      ws.removeEventListener('close', onClose as never);
      ws.close();
      onClose();
    },
  };
}

/** What the Electron preload exposes as `window.stationBridge` (see main/preload/preload.ts). */
export interface StationBridge {
  send(msg: unknown): void;
  /** Returns an unsubscribe function. */
  onMessage(listener: (msg: unknown) => void): () => void;
  /** Base URL for MediaRefs (`station-media://media/`). */
  readonly mediaBase: string;
  readonly shell: 'electron';
}

export const BRIDGE_GLOBAL = 'stationBridge';

export function bridgeTransport(bridge: StationBridge): Transport {
  return {
    send: (m) => bridge.send(m),
    onMessage: (l) => {
      const off = bridge.onMessage((m) => {
        if (isChannelMessage(m)) l(m);
      });
      return toDisposable(off);
    },
  };
}
