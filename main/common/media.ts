/**
 * MediaRef -> URL. A MediaRef is a '/'-separated path relative to the station's media root (frames, heatmaps,
 * thumbnails, exports). Pure.
 *  - browser (loopback host): base = `${location.origin}/media/`, auth by the cookie the host set (or `?token=`);
 *  - Electron: base = `station-media://media/` (a privileged protocol served by the main process).
 */
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

/** URL for a media file; `token` is appended as a query parameter when given (e.g. for <img> in another origin). */
export function mediaUrl(ref: MediaRef, base: string, token?: string): string {
  const enc = ref.split('/').map(encodeURIComponent).join('/');
  const url = base.endsWith('/') ? base + enc : `${base}/${enc}`;
  return token ? `${url}?token=${encodeURIComponent(token)}` : url;
}
