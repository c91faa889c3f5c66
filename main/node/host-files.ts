/**
 * What the loopback host serves over HTTP: the built renderer (public: it is the app's own code and holds no
 * data) and media files (frames, heatmaps, thumbnails, exports; each URL signed for one file, see host-auth).
 * Media must be a regular file whose real path is inside the media folder: a symlink planted in the media
 * folder that points elsewhere is refused.
 */
import type { ServerResponse } from 'node:http';
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';

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

export const BASE_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

export function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { ...BASE_HEADERS, 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(text);
}

/** `root/rel` when it stays inside root (no `..` escape), else null. */
export function inside(root: string, rel: string): string | null {
  const p = resolve(root, '.' + sep + rel);
  return p === root || p.startsWith(root + sep) ? p : null;
}

export async function sendFile(res: ServerResponse, path: string, extra: Record<string, string>, method: string): Promise<void> {
  const st = await stat(path).catch(() => null);
  if (!st?.isFile()) return sendText(res, 404, 'not found');
  res.writeHead(200, {
    ...BASE_HEADERS,
    'Content-Type': MIME[extname(path).toLowerCase()] ?? 'application/octet-stream',
    'Content-Length': String(st.size),
    ...extra,
  });
  if (method === 'HEAD') return void res.end();
  createReadStream(path)
    .on('error', () => res.destroy())
    .pipe(res);
}

/** The real path of `root/rel` when it is a regular file inside root's real path; null otherwise. */
export async function mediaFile(root: string, rel: string): Promise<string | null> {
  const p = inside(root, rel);
  if (!p) return null;
  const [realRoot, real] = await Promise.all([realpath(root).catch(() => null), realpath(p).catch(() => null)]);
  if (!realRoot || !real || !real.startsWith(realRoot + sep)) return null;
  const st = await stat(real).catch(() => null);
  return st?.isFile() ? real : null;
}

/** Serves the renderer build: client-side routes fall back to index.html; missing assets stay 404. */
export async function sendStatic(res: ServerResponse, staticDir: string, pathname: string, csp: string, method: string): Promise<void> {
  const rel = pathname === '/' ? 'index.html' : pathname.slice(1);
  let p = inside(staticDir, rel);
  if (!p) return sendText(res, 400, 'bad path');
  const st = await stat(p).catch(() => null);
  if (!st?.isFile()) {
    if (extname(rel)) return sendText(res, 404, 'not found');
    p = join(staticDir, 'index.html');
  }
  const isHtml = p.endsWith('.html');
  return sendFile(res, p, { 'Cache-Control': isHtml ? 'no-store' : 'private, max-age=31536000, immutable', 'Content-Security-Policy': csp }, method);
}

export function sendPlaceholder(res: ServerResponse, csp: string): void {
  res.writeHead(200, { ...BASE_HEADERS, 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': csp });
  res.end(
    '<!doctype html><meta charset="utf-8"><title>Inspection station</title><p>The renderer is not built. Run <code>npm run build</code> and restart.</p>',
  );
}
