/**
 * The loopback host's checks: the access token (constant time), the per-file media signatures, and the
 * Host / Origin headers (DNS rebinding, cross-site WebSocket hijacking). No cookies: browsers send a cookie to
 * every port of 127.0.0.1, so another local server would receive it.
 */
import type { IncomingMessage } from 'node:http';
import { createHash, timingSafeEqual } from 'node:crypto';
import { TOKEN_HEADER, WS_PROTOCOL, WS_TOKEN_PROTOCOL_PREFIX } from '../common/connect.js';
import { MEDIA_URL_MAX_AHEAD_S, mediaSignature } from '../common/media.js';

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/** Constant-time token comparison (hashing first makes the lengths equal). */
export function tokenMatches(given: string | null | undefined, expected: string): boolean {
  if (typeof given !== 'string' || given.length === 0 || given.length > 1024) return false;
  return timingSafeEqual(digest(given), digest(expected));
}

/** The token a request carries in a header: `x-station-token`, `Authorization: Bearer`, or (WebSocket from a
 * browser, which cannot set headers) the `station-token.<token>` subprotocol. Never from the URL. */
export function requestToken(req: IncomingMessage): string | null {
  const h = req.headers[TOKEN_HEADER];
  const header = Array.isArray(h) ? h[0] : h;
  if (header) return header;
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7);
  const protocols = String(req.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((p) => p.trim());
  const p = protocols.find((x) => x.startsWith(WS_TOKEN_PROTOCOL_PREFIX));
  return p ? p.slice(WS_TOKEN_PROTOCOL_PREFIX.length) : null;
}

/** Picks the subprotocol the server answers with: never the token one (it would be echoed back). */
export function selectProtocol(offered: Set<string>): string | false {
  return offered.has(WS_PROTOCOL) ? WS_PROTOCOL : false;
}

/** True when `sig` signs `ref` until `exp` (unix seconds), `exp` has not passed and is not too far ahead. */
export function mediaSignatureValid(ref: string, exp: string | null, sig: string | null, token: string, nowMs = Date.now()): boolean {
  if (!exp || !sig || !/^\d{1,12}$/.test(exp)) return false;
  const e = Number(exp);
  const now = nowMs / 1000;
  if (e < now || e > now + MEDIA_URL_MAX_AHEAD_S) return false;
  return tokenMatches(sig, mediaSignature(ref, e, token));
}

/** Host and Origin must name this loopback server. */
export function loopbackChecks(port: () => number) {
  const hosts = () => new Set([`127.0.0.1:${port()}`, `localhost:${port()}`]);
  return {
    hostOk: (req: IncomingMessage) => hosts().has(String(req.headers.host ?? '')),
    originOk: (req: IncomingMessage) => {
      const o = req.headers.origin;
      return o === undefined || o === `http://127.0.0.1:${port()}` || o === `http://localhost:${port()}`;
    },
  };
}
