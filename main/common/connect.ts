/**
 * How a renderer connects to the station, in one call:
 *   const conn = connectStation(window);   // in Electron or in a browser opened on the printed URL
 *   const info = await conn.api.system.info();
 *   <img src={conn.mediaUrl(frame.frame)} />
 * Electron: uses the preload bridge (`window.stationBridge`) over IPC.
 * Browser: reads `?token=` from the page URL (remembered in sessionStorage, then removed from the address bar),
 * opens `ws(s)://<host>/api` with the token in the `station-token.<token>` subprotocol (browsers cannot set
 * headers on a WebSocket; the URL stays clean). Media URLs carry a short-lived per-file signature (media.ts).
 * Pure: the window is passed in and typed structurally.
 */
import { stationApi, type StationApi } from './api.js';
import { createProxy } from './channel.js';
import type { Disposable } from './event.js';
import { HOST_MEDIA_PREFIX, mediaUrl } from './media.js';
import { BRIDGE_GLOBAL, bridgeTransport, webSocketTransport, type StationBridge, type WebSocketLike } from './transports.js';

export const TOKEN_PARAM = 'token';
export const API_PATH = '/api';
export const TOKEN_HEADER = 'x-station-token';
/** The WebSocket subprotocol the host answers with, and the prefix of the one that carries the token. */
export const WS_PROTOCOL = 'station.v1';
export const WS_TOKEN_PROTOCOL_PREFIX = 'station-token.';

export interface WindowLike {
  readonly location: { readonly href: string; readonly origin: string; readonly protocol: string; readonly host: string };
  readonly sessionStorage?: { getItem(k: string): string | null; setItem(k: string, v: string): void };
  readonly history?: { replaceState(data: unknown, unused: string, url?: string): void };
  readonly WebSocket?: new (url: string, protocols?: string[]) => WebSocketLike;
  readonly [BRIDGE_GLOBAL]?: StationBridge;
}

export interface StationConnection extends Disposable {
  readonly api: StationApi;
  readonly shell: 'electron' | 'browser';
  mediaUrl(ref: string): string;
  /** Fires when the connection drops (browser: host stopped). Reload the page to reconnect. */
  onClose(listener: () => void): Disposable;
}

export function connectStation(win: WindowLike): StationConnection {
  const bridge = win[BRIDGE_GLOBAL];
  if (bridge) {
    const api = createProxy(stationApi, bridgeTransport(bridge));
    return {
      api,
      shell: 'electron',
      mediaUrl: (ref) => mediaUrl(ref, bridge.mediaBase),
      onClose: () => ({ dispose() {} }),
      dispose: () => api.dispose(),
    };
  }
  const url = new URL(win.location.href);
  let token = url.searchParams.get(TOKEN_PARAM);
  if (token) {
    win.sessionStorage?.setItem('station.token', token);
    url.searchParams.delete(TOKEN_PARAM);
    win.history?.replaceState(null, '', url.toString());
  } else {
    token = win.sessionStorage?.getItem('station.token') ?? null;
  }
  if (!win.WebSocket) throw new Error('this browser has no WebSocket');
  const wsProto = win.location.protocol === 'https:' ? 'wss:' : 'ws:';
  const ws = new win.WebSocket(`${wsProto}//${win.location.host}${API_PATH}`, token ? [WS_PROTOCOL, `${WS_TOKEN_PROTOCOL_PREFIX}${token}`] : [WS_PROTOCOL]);
  const transport = webSocketTransport(ws);
  const api = createProxy(stationApi, transport);
  const base = `${win.location.origin}${HOST_MEDIA_PREFIX}`;
  return {
    api,
    shell: 'browser',
    mediaUrl: (ref) => mediaUrl(ref, base, token ?? undefined),
    onClose: (l) => transport.onClose!(l),
    dispose: () => {
      api.dispose();
      transport.dispose();
    },
  };
}
