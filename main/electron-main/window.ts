/**
 * The BrowserWindow's security settings and CSP, and navigation lock-down, as plain functions of the electron
 * module (dependency injection), so they are unit-tested without the Electron binary.
 */
import { ELECTRON_MEDIA_BASE, MEDIA_PROTOCOL } from '../common/media.js';
import { contentSecurityPolicy } from '../common/csp.js';

export const APP_PROTOCOL = 'station-app';
export const APP_ORIGIN = `${APP_PROTOCOL}://app`;
export const APP_URL = `${APP_ORIGIN}/index.html`;

/** Strict CSP for the renderer: only the app's own scripts, media from the media protocol, no remote anything. */
export const ELECTRON_CSP = contentSecurityPolicy({ img: [`${MEDIA_PROTOCOL}:`] });

export interface WindowOptionsLike {
  width: number;
  height: number;
  minWidth: number;
  minHeight: number;
  show: boolean;
  backgroundColor: string;
  title: string;
  webPreferences: {
    preload: string;
    contextIsolation: true;
    sandbox: true;
    nodeIntegration: false;
    nodeIntegrationInWorker: false;
    webSecurity: true;
    allowRunningInsecureContent: false;
    webviewTag: false;
    spellcheck: false;
  };
}

export function windowOptions(preloadPath: string): WindowOptionsLike {
  return {
    width: 1440,
    height: 900,
    minWidth: 1024,
    minHeight: 680,
    show: false,
    backgroundColor: '#101418',
    title: 'Inspection station',
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    },
  };
}

/** The part of webContents the lock-down uses. */
export interface WebContentsLike {
  on(event: 'will-navigate' | 'will-redirect', l: (e: { preventDefault(): void; url?: string }, url: string) => void): unknown;
  on(event: 'will-attach-webview', l: (e: { preventDefault(): void }) => void): unknown;
  setWindowOpenHandler(h: (d: { url: string }) => { action: 'deny' | 'allow' }): void;
}

export interface ShellLike {
  openExternal(url: string): Promise<void>;
}

/** Blocks every navigation away from the app, every new window and every webview; https links open in the OS browser. */
export function lockDownNavigation(wc: WebContentsLike, shell?: ShellLike): void {
  const block = (e: { preventDefault(): void }, url: string) => {
    if (!url.startsWith(`${APP_ORIGIN}/`)) e.preventDefault();
  };
  wc.on('will-navigate', block);
  wc.on('will-redirect', block);
  wc.on('will-attach-webview', (e) => e.preventDefault());
  wc.setWindowOpenHandler(({ url }) => {
    if (shell && /^https:\/\//.test(url)) void shell.openExternal(url).catch(() => {});
    return { action: 'deny' };
  });
}

/** The frame an IPC message came from: only the app's own top-level page may talk to the engine. */
export interface FrameLike {
  readonly url: string;
  readonly parent?: unknown;
}

export function isAppFrame(frame: FrameLike | null | undefined): boolean {
  return !!frame && !frame.parent && frame.url.startsWith(`${APP_ORIGIN}/`);
}

/**
 * Permission handlers for the session: the app's own page may capture video (the webcam source) and nothing
 * else; the microphone, notifications, geolocation... are refused, for requests and for checks alike.
 */
export function permissionHandlers() {
  const fromApp = (url: string | undefined) => typeof url === 'string' && (url === APP_ORIGIN || url.startsWith(`${APP_ORIGIN}/`));
  return {
    request(
      wc: { getURL(): string },
      permission: string,
      callback: (granted: boolean) => void,
      details: { mediaTypes?: readonly string[]; requestingUrl?: string },
    ): void {
      const types = details.mediaTypes ?? [];
      const videoOnly = types.length > 0 && types.every((t) => t === 'video');
      callback(permission === 'media' && videoOnly && fromApp(wc.getURL()) && fromApp(details.requestingUrl ?? wc.getURL()));
    },
    check(wc: { getURL(): string } | null, permission: string, requestingOrigin: string, details: { mediaType?: string }): boolean {
      return permission === 'media' && details.mediaType === 'video' && fromApp(requestingOrigin) && (!wc || fromApp(wc.getURL()));
    },
  };
}

/** Response headers added to every app response (CSP and friends). */
export function securityHeaders(): Record<string, string> {
  return {
    'Content-Security-Policy': ELECTRON_CSP,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
  };
}

/** Privileged schemes, registered before app ready: the app (standard+secure, so getUserMedia works) and media. */
export function privilegedSchemes() {
  return [
    { scheme: APP_PROTOCOL, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } },
    { scheme: MEDIA_PROTOCOL, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } },
  ];
}

export { ELECTRON_MEDIA_BASE };
