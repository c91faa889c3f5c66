/**
 * The renderer's Content-Security-Policy, one definition for both shells: only the app's own scripts, no remote
 * anything, no framing, no forms. The shells differ only in where images and API connections may come from.
 */
export function contentSecurityPolicy(extra: { readonly img?: readonly string[]; readonly connect?: readonly string[] } = {}): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    ["img-src 'self' data: blob:", ...(extra.img ?? [])].join(' '),
    "media-src 'self' blob: mediastream:",
    ["connect-src 'self'", ...(extra.connect ?? [])].join(' '),
    "font-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'none'",
  ].join('; ');
}
