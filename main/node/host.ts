/**
 * The loopback host: HTTP + WebSocket on 127.0.0.1 (random port by default) serving the built renderer,
 * the media files (frames, heatmaps, thumbnails, exports) and the API channel at `/api`.
 * - The renderer build is public (the app's own code, no data); the API needs the per-start random token, sent
 *   in a header or, from a browser's WebSocket, in the `station-token.<token>` subprotocol (host-auth.ts);
 *   media URLs carry a short-lived signature for one file, never the token. No cookies (they ignore ports).
 * - Host and Origin headers must name the loopback address (blocks DNS rebinding and cross-site WebSocket hijacking).
 * - WebSocket messages are at most HOST_MAX_MESSAGE_BYTES (a webcam frame is at most 30 MB of base64); larger
 *   ones close the socket with 1009. Malformed messages get an error reply (host-relay.ts).
 * The host only relays: engine work happens in the engine worker.
 */
import { createServer, type Server } from 'node:http';
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import type { Transport } from '../common/channel.js';
import { API_PATH, TOKEN_PARAM } from '../common/connect.js';
import { HOST_MEDIA_PREFIX, isSafeMediaRef, MEDIA_EXP_PARAM, MEDIA_SIG_PARAM } from '../common/media.js';
import { contentSecurityPolicy } from '../common/csp.js';
import { loopbackChecks, mediaSignatureValid, requestToken, selectProtocol, tokenMatches } from './host-auth.js';
import { mediaFile, sendFile, sendPlaceholder, sendStatic, sendText } from './host-files.js';
import { relay } from './host-relay.js';

export { tokenMatches };

export interface HostOptions {
  /** Opens one engine connection per WebSocket client. */
  connect(): Transport & { close(): void };
  /** The built renderer (renderer/dist); null or missing serves a placeholder page. */
  readonly staticDir: string | null;
  /** Root of MediaRefs. */
  readonly mediaDir: string;
  /** 0 (default) = a random free port. */
  readonly port?: number;
  /** Default: 32 random bytes, base64url. */
  readonly token?: string;
  /** Max bytes a client may have buffered before event messages to it are skipped. Default 8 MiB. */
  readonly maxBufferedBytes?: number;
}

export interface RunningHost {
  readonly url: string;
  /** The URL to open, with the token (read by the renderer's script, then removed from the address bar). */
  readonly openUrl: string;
  readonly port: number;
  readonly token: string;
  readonly server: Server;
  close(): Promise<void>;
}

/** Largest WebSocket message the host accepts. */
export const HOST_MAX_MESSAGE_BYTES = 40 * 1024 * 1024;

export const HOST_CSP = contentSecurityPolicy({ connect: ['ws://127.0.0.1:*', 'ws://localhost:*'] });

export async function startHost(opts: HostOptions): Promise<RunningHost> {
  const token = opts.token ?? randomBytes(32).toString('base64url');
  const staticDir = opts.staticDir && existsSync(join(opts.staticDir, 'index.html')) ? resolve(opts.staticDir) : null;
  const mediaDir = resolve(opts.mediaDir);
  const maxBuffered = opts.maxBufferedBytes ?? 8 * 1024 * 1024;
  let port = 0;
  const { hostOk, originOk } = loopbackChecks(() => port);

  const server = createServer((req, res) => {
    void (async () => {
      if (!hostOk(req)) return sendText(res, 403, 'forbidden host');
      if (req.method !== 'GET' && req.method !== 'HEAD') return sendText(res, 405, 'method not allowed');
      const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
      let pathname: string;
      try {
        pathname = decodeURIComponent(url.pathname);
      } catch {
        return sendText(res, 400, 'bad path');
      }
      if (pathname.startsWith(HOST_MEDIA_PREFIX)) {
        const ref = pathname.slice(HOST_MEDIA_PREFIX.length);
        if (!isSafeMediaRef(ref)) return sendText(res, 400, 'bad media reference');
        const signed = mediaSignatureValid(ref, url.searchParams.get(MEDIA_EXP_PARAM), url.searchParams.get(MEDIA_SIG_PARAM), token);
        if (!signed && !tokenMatches(requestToken(req), token))
          return sendText(res, 401, 'unauthorised: media URLs are signed by the station page; this one is wrong or expired');
        const p = await mediaFile(mediaDir, ref);
        if (!p) return sendText(res, 404, 'not found');
        const download: Record<string, string> = ref.startsWith('exports/') ? { 'Content-Disposition': 'attachment' } : {};
        return sendFile(res, p, { 'Cache-Control': 'private, max-age=600', ...download }, req.method!);
      }
      if (pathname === '/healthz') return sendText(res, 200, 'ok');
      if (!staticDir) return sendPlaceholder(res, HOST_CSP);
      return sendStatic(res, staticDir, pathname, HOST_CSP, req.method!);
    })().catch(() => {
      if (!res.headersSent) sendText(res, 500, 'internal error');
      else res.destroy();
    });
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: HOST_MAX_MESSAGE_BYTES, handleProtocols: selectProtocol });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    const reject = (code: number, text: string) => {
      socket.write(`HTTP/1.1 ${code} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      socket.destroy();
    };
    if (!hostOk(req) || !originOk(req)) return reject(403, 'Forbidden');
    if (url.pathname !== API_PATH) return reject(404, 'Not Found');
    if (!tokenMatches(requestToken(req), token)) return reject(401, 'Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws) => relay(ws, opts.connect(), maxBuffered));
  });

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolveListen();
    });
  });
  port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}/`;
  return {
    url,
    openUrl: `${url}?${TOKEN_PARAM}=${encodeURIComponent(token)}`,
    port,
    token,
    server,
    close: () =>
      new Promise<void>((r) => {
        for (const c of wss.clients) c.terminate();
        wss.close();
        server.closeAllConnections?.();
        server.close(() => r());
      }),
  };
}
