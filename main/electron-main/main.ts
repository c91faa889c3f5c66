/**
 * Electron entry: a thin shell. The engine runs in a worker thread; this process only registers the app and
 * media protocols, creates the locked-down window and relays IPC. Built to dist/main/electron-main/main.js.
 */
import { app, BrowserWindow, dialog, ipcMain, net, protocol, session, shell } from 'electron';
import { existsSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isSafeMediaRef } from '../common/media.js';
import { startEngineWorker, type EngineLink } from '../node/engine-link.js';
import { repoRoot, userDataDir } from '../node/paths.js';
import { mediaFile } from '../node/host-files.js';
import { APP_PROTOCOL, APP_URL, isAppFrame, lockDownNavigation, permissionHandlers, privilegedSchemes, securityHeaders, windowOptions } from './window.js';
import { registerIpc } from './ipc.js';
import { devElectronSqliteBinding, SQLITE_BINDING_ENV } from '../node/native-binding.js';
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
  // From a checkout (`npm start`), better-sqlite3 must load the Electron build scripts/start.mjs made beside
  // node_modules (which keeps the Node build for the tests); the engine worker inherits the variable.
  if (!app.isPackaged && !process.env[SQLITE_BINDING_ENV]) {
    const dev = devElectronSqliteBinding(repoRoot, process.versions.electron!);
    if (existsSync(dev)) process.env[SQLITE_BINDING_ENV] = dev;
  }

  protocol.handle(APP_PROTOCOL, (req) => {
    const url = new URL(req.url);
    const rel = decodeURIComponent(url.pathname).replace(/^\/+/, '') || 'index.html';
    return serveFile(inside(rendererDir, rel), securityHeaders());
  });
  protocol.handle(MEDIA_PROTOCOL, async (req) => {
    const url = new URL(req.url);
    const ref = decodeURIComponent(url.pathname).replace(/^\/+/, '');
    // Only regular files whose real path is inside the media folder (no planted symlinks).
    return serveFile(isSafeMediaRef(ref) ? await mediaFile(mediaDir, ref) : null, { 'Cache-Control': 'private, max-age=86400' });
  });
  // Only video capture (the webcam), only for the app itself; requests and checks alike.
  const permissions = permissionHandlers();
  session.defaultSession.setPermissionRequestHandler((wc, permission, cb, details) => permissions.request(wc, permission, cb, details as { mediaTypes?: string[]; requestingUrl?: string }));
  session.defaultSession.setPermissionCheckHandler((wc, permission, origin, details) => permissions.check(wc, permission, origin, details as { mediaType?: string }));

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
  registerIpc(ipcMain, () => engine.open(), (sender, frame) => win !== null && sender.id === win.webContents.id && isAppFrame(frame));

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
