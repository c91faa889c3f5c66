/**
 * Electron entry: a thin shell. The engine runs in a worker thread; this process only registers the app and
 * media protocols, creates the locked-down window and relays IPC. Built to dist/main/electron-main/main.js.
 */
import { app, BrowserWindow, dialog, ipcMain, net, protocol, session, shell } from 'electron';
import { join, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isSafeMediaRef } from '../common/media.js';
import { startEngineWorker, type EngineLink } from '../node/engine-link.js';
import { repoRoot, userDataDir } from '../node/paths.js';
import { APP_ORIGIN, APP_PROTOCOL, APP_URL, lockDownNavigation, privilegedSchemes, securityHeaders, windowOptions } from './window.js';
import { registerIpc } from './ipc.js';
import { MEDIA_PROTOCOL } from '../common/media.js';

protocol.registerSchemesAsPrivileged(privilegedSchemes());

let link: EngineLink | null = null;
let win: BrowserWindow | null = null;

function inside(root: string, rel: string): string | null {
  const p = resolve(root, '.' + sep + rel);
  return p.startsWith(root + sep) ? p : null;
}

async function serveFile(path: string | null, extra: Record<string, string>): Promise<Response> {
  if (!path) return new Response('bad path', { status: 400 });
  const r = await net.fetch(pathToFileURL(path).toString()).catch(() => null);
  if (!r || !r.ok) return new Response('not found', { status: 404 });
  const headers = new Headers(r.headers);
  for (const [k, v] of Object.entries(extra)) headers.set(k, v);
  return new Response(r.body, { status: 200, headers });
}

async function main() {
  await app.whenReady();
  const dataDir = process.env.STATION_DATA_DIR ?? (app.isPackaged ? app.getPath('userData') : userDataDir());
  const rendererDir = resolve(repoRoot, 'renderer', 'dist');
  const mediaDir = resolve(dataDir, 'media');

  protocol.handle(APP_PROTOCOL, (req) => {
    const url = new URL(req.url);
    const rel = decodeURIComponent(url.pathname).replace(/^\/+/, '') || 'index.html';
    return serveFile(inside(rendererDir, rel), securityHeaders());
  });
  protocol.handle(MEDIA_PROTOCOL, (req) => {
    const url = new URL(req.url);
    const ref = decodeURIComponent(url.pathname).replace(/^\/+/, '');
    return serveFile(isSafeMediaRef(ref) ? inside(mediaDir, ref) : null, { 'Cache-Control': 'private, max-age=86400' });
  });
  // Only the webcam, only for the app itself.
  session.defaultSession.setPermissionRequestHandler((wc, permission, cb) => cb(permission === 'media' && wc.getURL().startsWith(`${APP_ORIGIN}/`)));

  link = await startEngineWorker(
    { dataDir, shell: 'electron', electronVersion: process.versions.electron },
    {
      pickFolder: async (o) => {
        const r = await dialog.showOpenDialog(win ?? BrowserWindow.getFocusedWindow()!, {
          title: o.title ?? 'Choose a folder',
          defaultPath: o.defaultPath,
          properties: ['openDirectory'],
        });
        return r.canceled ? null : (r.filePaths[0] ?? null);
      },
      onExit: (code) => {
        if (code !== 0) dialog.showErrorBox('Inspection station', `The engine stopped unexpectedly (code ${code}). Please restart the app.`);
      },
    },
  );
  const engine = link;
  registerIpc(ipcMain, () => engine.open(), (sender) => win !== null && sender.id === win.webContents.id);

  win = new BrowserWindow(windowOptions(join(import.meta.dirname ?? __dirnameOf(import.meta.url), '..', 'preload', 'preload.cjs')));
  lockDownNavigation(win.webContents, shell);
  win.once('ready-to-show', () => win?.show());
  win.on('closed', () => (win = null));
  await win.loadURL(APP_URL);
}

function __dirnameOf(url: string): string {
  return resolve(new URL('.', url).pathname);
}

app.on('window-all-closed', () => app.quit());
app.on('will-quit', (e) => {
  if (!link) return;
  e.preventDefault();
  const l = link;
  link = null;
  void l.terminate().finally(() => app.quit());
});
app.on('web-contents-created', (_e, wc) => lockDownNavigation(wc, shell));

main().catch((e: Error) => {
  dialog.showErrorBox('Inspection station failed to start', e.message);
  app.exit(1);
});
