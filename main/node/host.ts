/**
 * The loopback host: HTTP + WebSocket on 127.0.0.1 (random port by default) serving the built renderer,
 * the media files (frames, heatmaps, thumbnails, exports) and the API channel at `/api`.
 * Every request needs the per-start random token: `?token=`, header `x-station-token`, `Authorization: Bearer`,
 * or the HttpOnly SameSite=Strict cookie set when the page is first opened with `?token=`. Tokens are compared
 * in constant time. Host and Origin headers must name the loopback address (blocks DNS-rebinding and
 * cross-site WebSocket hijacking). The host only relays: engine work happens in the engine worker.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createReadStream, existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { extname, join, resolve, sep } from 'node:path';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { isChannelMessage, type Transport } from '../common/channel.js';
import { API_PATH, TOKEN_HEADER, TOKEN_PARAM } from '../common/connect.js';
import { HOST_MEDIA_PREFIX, isSafeMediaRef } from '../common/media.js';
import { contentSecurityPolicy } from '../common/csp.js';

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
  /** The URL to open, with the token. */
  readonly openUrl: string;
  readonly port: number;
  readonly token: string;
  readonly server: Server;
  close(): Promise<void>;
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.csv': 'text/csv; charset=utf-8',
  '.wasm': 'application/wasm',
};

export const HOST_CSP = contentSecurityPolicy({ connect: ['ws://127.0.0.1:*', 'ws://localhost:*'] });

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/** Constant-time token comparison (hashing first makes the lengths equal). */
export function tokenMatches(given: string | null | undefined, expected: string): boolean {
  if (typeof given !== 'string' || given.length === 0 || given.length > 1024) return false;
  return timingSafeEqual(digest(given), digest(expected));
}

function parseCookies(h: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!h) return out;
  for (const part of h.split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i).trim()] = decodeURIComponent(part.slice(i + 1).trim());
  }
  return out;
}

export async function startHost(opts: HostOptions): Promise<RunningHost> {
  const token = opts.token ?? randomBytes(32).toString('base64url');
  const staticDir = opts.staticDir && existsSync(join(opts.staticDir, 'index.html')) ? resolve(opts.staticDir) : null;
  const mediaDir = resolve(opts.mediaDir);
  const maxBuffered = opts.maxBufferedBytes ?? 8 * 1024 * 1024;
  let port = 0;
  const cookieName = () => `station_token_${port}`;

  const allowedHosts = () => new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  const hostOk = (req: IncomingMessage) => allowedHosts().has(String(req.headers.host ?? ''));
  const originOk = (req: IncomingMessage) => {
    const o = req.headers.origin;
    return o === undefined || o === `http://127.0.0.1:${port}` || o === `http://localhost:${port}`;
  };
  const authorised = (req: IncomingMessage, url: URL): { ok: boolean; viaQuery: boolean } => {
    const q = url.searchParams.get(TOKEN_PARAM);
    if (tokenMatches(q, token)) return { ok: true, viaQuery: true };
    const h = req.headers[TOKEN_HEADER];
    if (tokenMatches(Array.isArray(h) ? h[0] : h, token)) return { ok: true, viaQuery: false };
    const auth = req.headers.authorization;
    if (auth?.startsWith('Bearer ') && tokenMatches(auth.slice(7), token)) return { ok: true, viaQuery: false };
    if (tokenMatches(parseCookies(req.headers.cookie)[cookieName()], token)) return { ok: true, viaQuery: false };
    return { ok: false, viaQuery: false };
  };

  const baseHeaders = {
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
  };

  const sendText = (res: ServerResponse, status: number, text: string) => {
    res.writeHead(status, { ...baseHeaders, 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(text);
  };

  const sendFile = async (res: ServerResponse, path: string, extra: Record<string, string>, method: string) => {
    const st = await stat(path).catch(() => null);
    if (!st?.isFile()) return sendText(res, 404, 'not found');
    res.writeHead(200, {
      ...baseHeaders,
      'Content-Type': MIME[extname(path).toLowerCase()] ?? 'application/octet-stream',
      'Content-Length': String(st.size),
      ...extra,
    });
    if (method === 'HEAD') return void res.end();
    createReadStream(path)
      .on('error', () => res.destroy())
      .pipe(res);
  };

  const inside = (root: string, rel: string): string | null => {
    const p = resolve(root, '.' + sep + rel);
    return p === root || p.startsWith(root + sep) ? p : null;
  };

  const server = createServer((req, res) => {
    void (async () => {
      if (!hostOk(req)) return sendText(res, 403, 'forbidden host');
      if (req.method !== 'GET' && req.method !== 'HEAD') return sendText(res, 405, 'method not allowed');
      const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
      const auth = authorised(req, url);
      if (!auth.ok) return sendText(res, 401, 'unauthorised: open the URL with ?token=... printed when the station started');
      const cookie: Record<string, string> = auth.viaQuery
        ? { 'Set-Cookie': `${cookieName()}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Strict` }
        : {};
      let pathname: string;
      try {
        pathname = decodeURIComponent(url.pathname);
      } catch {
        return sendText(res, 400, 'bad path');
      }
      if (pathname.startsWith(HOST_MEDIA_PREFIX)) {
        const ref = pathname.slice(HOST_MEDIA_PREFIX.length);
        const p = isSafeMediaRef(ref) ? inside(mediaDir, ref) : null;
        if (!p) return sendText(res, 400, 'bad media reference');
        const download: Record<string, string> = ref.startsWith('exports/') ? { 'Content-Disposition': 'attachment' } : {};
        return sendFile(res, p, { 'Cache-Control': 'private, max-age=86400', ...download, ...cookie }, req.method!);
      }
      if (pathname === '/healthz') return sendText(res, 200, 'ok');
      if (!staticDir) {
        res.writeHead(200, { ...baseHeaders, ...cookie, 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': HOST_CSP });
        return void res.end(
          '<!doctype html><meta charset="utf-8"><title>Inspection station</title><p>The renderer is not built. Run <code>npm run build</code> and restart.</p>',
        );
      }
      const rel = pathname === '/' ? 'index.html' : pathname.slice(1);
      let p = inside(staticDir, rel);
      if (!p) return sendText(res, 400, 'bad path');
      const st = await stat(p).catch(() => null);
      // Client-side routes fall back to index.html; missing assets stay 404.
      if (!st?.isFile()) {
        if (extname(rel)) return sendText(res, 404, 'not found');
        p = join(staticDir, 'index.html');
      }
      const isHtml = p.endsWith('.html');
      return sendFile(
        res,
        p,
        { 'Cache-Control': isHtml ? 'no-store' : 'private, max-age=31536000, immutable', 'Content-Security-Policy': HOST_CSP, ...cookie },
        req.method!,
      );
    })().catch(() => {
      if (!res.headersSent) sendText(res, 500, 'internal error');
      else res.destroy();
    });
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 40 * 1024 * 1024 });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    const reject = (code: number, text: string) => {
      socket.write(`HTTP/1.1 ${code} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      socket.destroy();
    };
    if (!hostOk(req) || !originOk(req)) return reject(403, 'Forbidden');
    if (url.pathname !== API_PATH) return reject(404, 'Not Found');
    if (!authorised(req, url).ok) return reject(401, 'Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws) => relay(ws));
  });

  const relay = (ws: WebSocket) => {
    const engine = opts.connect();
    const sub = engine.onMessage((m) => {
      if (ws.readyState !== ws.OPEN) return;
      // A slow client must not make the host buffer without bound: skip events (frames), never replies.
      if (m.t === 'event' && ws.bufferedAmount > maxBuffered) return;
      ws.send(JSON.stringify(m));
    });
    const closeSub = engine.onClose?.(() => ws.close(1011, 'engine stopped'));
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      let m: unknown;
      try {
        m = JSON.parse(data.toString());
      } catch {
        return;
      }
      if (!isChannelMessage(m) || (m.t !== 'call' && m.t !== 'listen' && m.t !== 'unlisten')) return;
      try {
        engine.send(m);
      } catch {
        ws.close(1011, 'engine stopped');
      }
    });
    ws.on('close', () => {
      sub.dispose();
      closeSub?.dispose();
      engine.close();
    });
    ws.on('error', () => ws.terminate());
  };

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
