/**
 * Runs the packaged main process (RESOURCES/app.asar/dist/main/electron-main/main.js, the archive extracted to a
 * folder of the same name) with the `electron` test double and drives it as Electron and a renderer would. Prints
 * one line `RESULT {json}` with what it observed; test/packaging/packaged-app.test.ts asserts on it.
 *
 *   node --import ./register.mjs drive.mjs RESOURCES   (env: DOUBLE_USER_DATA, DRIVE_DEADLINE_MS)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { double } from 'electron';

const resources = process.argv[2];
const appRoot = join(resources, 'app.asar');
const deadline = Date.now() + Number(process.env.DRIVE_DEADLINE_MS || 300000);
const out = { steps: [] };
const step = (name, data = {}) => out.steps.push({ name, ms: Date.now() - started, ...data });
const started = Date.now();

async function until(what, fn, intervalMs = 200) {
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

const mod = (rel) => import(pathToFileURL(join(appRoot, rel)).href);

async function main() {
  await import(pathToFileURL(join(appRoot, 'dist/main/electron-main/main.js')).href);
  out.privileged = double.privileged;
  double.emitReady();
  // The window is created once the engine worker is ready (main.ts awaits startEngineWorker first).
  const win = await until('the window', () => (double.errorBoxes.length ? Promise.reject(new Error(JSON.stringify(double.errorBoxes))) : double.windows[0]?.loaded.length ? double.windows[0] : null));
  step('window', { loaded: win.loaded, preload: win.options.webPreferences.preload, webPreferences: win.options.webPreferences });
  out.handlers = [...double.handlers].map(([scheme, h]) => ({ scheme, beforeReady: h.beforeReady }));

  const fetchVia = async (url) => {
    const scheme = new URL(url).protocol.replace(/:$/, '');
    const res = await double.handlers.get(scheme).handler(new Request(url));
    const body = Buffer.from(await res.arrayBuffer());
    return { url, status: res.status, headers: Object.fromEntries(res.headers), bytes: body.length, head: body.subarray(0, 200).toString('latin1') };
  };
  const { ELECTRON_CSP, APP_URL } = await mod('dist/main/electron-main/window.js');
  out.expectedCsp = ELECTRON_CSP;
  const index = await fetchVia(APP_URL);
  const asset = /src="\.\/(assets\/[^"]+\.js)"/.exec(readFileSync(join(appRoot, 'renderer/dist/index.html'), 'utf8'))?.[1];
  out.app = {
    index,
    asset: asset ? await fetchVia(`station-app://app/${asset}`) : null,
    traversal: [
      await fetchVia('station-app://app/..%2f..%2fpackage.json'),
      await fetchVia('station-app://app/..%2f..%2f..%2fapp.asar.unpacked%2fnode_modules%2fbetter-sqlite3%2fpackage.json'),
      await fetchVia('station-media://media/..%2fstation.db'),
      await fetchVia('station-media://media/%2e%2e%2fstation.db'),
    ],
    missing: await fetchVia('station-app://app/no-such-file.js'),
  };
  step('protocols');

  // A renderer: the preload's bridge over the IPC the main process registered, the app's own proxy on top.
  const { createBridge } = await mod('dist/main/preload/bridge.js');
  const { bridgeTransport } = await mod('dist/main/common/transports.js');
  const { createProxy } = await mod('dist/main/common/channel.js');
  const { stationApi } = await mod('dist/main/common/api.js');
  const wc = win.webContents;
  const frame = { url: win.loaded[0], parent: null };
  const rendererListeners = new Set();
  wc.on('ipc-to-renderer', (channel, msg) => rendererListeners.forEach((l) => l.channel === channel && l.fn({}, msg)));
  const ipcRenderer = {
    send: (channel, msg) => (double.ipcListeners.get(channel) ?? []).forEach((l) => l({ sender: wc, senderFrame: frame }, structuredClone(msg))),
    on: (channel, fn) => rendererListeners.add({ channel, fn, key: fn }),
    removeListener: (channel, fn) => rendererListeners.forEach((l) => l.key === fn && rendererListeners.delete(l)),
  };
  const api = createProxy(stationApi, bridgeTransport(createBridge(ipcRenderer)), { timeoutMs: 60000 });
  const info = await api.system.info();
  out.info = info.ok ? { ok: true, shell: info.value.shell, dataDir: info.value.dataDir, backbones: info.value.backbones.map((b) => ({ id: b.id, available: b.available })), defaultBackbone: info.value.defaultBackbone } : info;
  step('ipc');

  // A frame from an unexpected sender is ignored (no answer comes back to it).
  const stranger = { id: 9999, sent: [], send(c, m) { this.sent.push(m); }, isDestroyed: () => false, once() {} };
  (double.ipcListeners.get('station:msg') ?? []).forEach((l) => l({ sender: stranger, senderFrame: frame }, { t: 'call', id: 1, s: 'system', m: 'info' }));
  await new Promise((r) => setTimeout(r, 500));
  out.strangerAnswers = stranger.sent.length;

  // First run: the built-in demo model trains, then the demo source goes live.
  const model = await until('the first-run model', async () => {
    const r = await api.models.list();
    return r.ok && r.value.length > 0 ? r.value[0] : null;
  }, 1000);
  out.model = { id: model.id, kind: model.kind, backbone: model.backbone ?? model.config?.backbone ?? null };
  step('trained');
  const frameEvent = await new Promise((resolve, reject) => {
    const t = setInterval(() => Date.now() > deadline && reject(new Error('timed out waiting for a live frame')), 500);
    const sub = api.live.onFrame((f) => {
      clearInterval(t);
      sub.dispose?.();
      resolve(f);
    });
  });
  out.frame = { verdict: frameEvent.verdict, score: frameEvent.score, frame: frameEvent.frame };
  out.media = await fetchVia(`station-media://media/${frameEvent.frame.split('/').map(encodeURIComponent).join('/')}`);
  step('live');

  // Which native libraries this process loaded (the engine worker is a thread of it): all must come from the package.
  out.loadedNative = [...new Set(readFileSync('/proc/self/maps', 'utf8').split('\n').map((l) => l.split(/\s+/)[5]).filter((p) => p && /\.node$|libonnxruntime|libvips/.test(p)))];

  // Quit as Electron does: will-quit, which the app defers until the engine worker has stopped.
  const quitting = new Promise((r) => (double.quitCalls ? r() : (/** @type {any} */ (globalThis).__q = r)));
  const { app } = await import('electron');
  app.once('quit-called', () => globalThis.__q?.());
  let prevented = false;
  app.emit('will-quit', { preventDefault: () => (prevented = true) });
  await Promise.race([quitting, new Promise((_, rej) => setTimeout(() => rej(new Error('the app did not quit within 15 s of will-quit')), 15000))]);
  out.quit = { prevented, quitCalls: double.quitCalls };
  out.errorBoxes = double.errorBoxes;
  step('quit');
}

main().then(
  () => {
    console.log(`RESULT ${JSON.stringify(out)}`);
    process.exit(0);
  },
  (e) => {
    out.error = e.stack ?? String(e);
    out.errorBoxes = double.errorBoxes;
    console.log(`RESULT ${JSON.stringify(out)}`);
    process.exit(1);
  },
);
