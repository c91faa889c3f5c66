/**
 * MediaRef -> URL. A MediaRef is a '/'-separated path relative to the station's media root (frames, heatmaps,
 * thumbnails, exports). Pure.
 *  - browser (loopback host): base = `${location.origin}/media/`; each URL carries a short-lived per-file
 *    signature (`?exp=<unix s>&sig=<HMAC-SHA256(token, ref + exp)>`), never the access token itself, and no
 *    cookie is used (cookies ignore ports: any other loopback server would receive it);
 *  - Electron: base = `station-media://media/` (a privileged protocol served by the main process).
 */
import { hmac } from '@noble/hashes/hmac';
import { sha256 } from '@noble/hashes/sha2';
import type { MediaRef } from './api.js';

export const MEDIA_PROTOCOL = 'station-media';
export const ELECTRON_MEDIA_BASE = `${MEDIA_PROTOCOL}://media/`;
/** Path prefix under which the loopback host serves media. */
export const HOST_MEDIA_PREFIX = '/media/';

/** True when `ref` is a safe relative path (no '..', no absolute, no backslashes, no NUL). */
export function isSafeMediaRef(ref: string): boolean {
  if (!ref || ref.length > 1024 || ref.startsWith('/') || ref.includes('\\') || ref.includes('\0')) return false;
  if (/^[a-zA-Z]:/.test(ref)) return false;
  return ref.split('/').every((seg) => seg !== '' && seg !== '.' && seg !== '..');
}

/** Query parameters of a signed media URL. */
export const MEDIA_EXP_PARAM = 'exp';
export const MEDIA_SIG_PARAM = 'sig';
/** A signed URL is valid for 10 to 20 minutes: expiries are rounded up to 10-minute steps, so the URL of a file
 * stays the same for a while (the browser cache and React see one URL) and still dies soon. */
export const MEDIA_URL_STEP_S = 600;
/** The host refuses expiries further ahead than this (a signature cannot be made to live long). */
export const MEDIA_URL_MAX_AHEAD_S = 2 * MEDIA_URL_STEP_S + 60;

/** Expiry (unix seconds) for a media URL made at `nowMs`. */
export function mediaExpiry(nowMs: number): number {
  return (Math.floor(nowMs / 1000 / MEDIA_URL_STEP_S) + 2) * MEDIA_URL_STEP_S;
}

function base64url(bytes: Uint8Array): string {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The per-file signature: HMAC-SHA256 keyed by the access token over "media", the ref and the expiry. */
export function mediaSignature(ref: string, exp: number, token: string): string {
  const enc = new TextEncoder();
  return base64url(hmac(sha256, enc.encode(token), enc.encode(`media\n${ref}\n${exp}`)));
}

/** URL for a media file; with `token`, a short-lived signature for this one file is appended (not the token). */
export function mediaUrl(ref: MediaRef, base: string, token?: string, nowMs: number = Date.now()): string {
  const enc = ref.split('/').map(encodeURIComponent).join('/');
  const url = base.endsWith('/') ? base + enc : `${base}/${enc}`;
  if (!token) return url;
  const exp = mediaExpiry(nowMs);
  return `${url}?${MEDIA_EXP_PARAM}=${exp}&${MEDIA_SIG_PARAM}=${mediaSignature(ref, exp, token)}`;
}
