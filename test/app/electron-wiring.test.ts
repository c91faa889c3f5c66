import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stationApi, type StationApiImpl } from '../../main/common/api.js';
import { createLoopbackPair, createProxy, serveApi, type ChannelMessage } from '../../main/common/channel.js';
import { bridgeTransport } from '../../main/common/transports.js';
import { ELECTRON_CSP, APP_ORIGIN, isAppFrame, lockDownNavigation, permissionHandlers, privilegedSchemes, windowOptions } from '../../main/electron-main/window.js';
import { IPC_TO_MAIN, registerIpc, type IpcEventLike, type SenderLike } from '../../main/electron-main/ipc.js';
import { createBridge } from '../../main/preload/bridge.js';

test('window options: isolated, sandboxed, no node, preload set', () => {
  const o = windowOptions('/app/preload.cjs');
  assert.equal(o.webPreferences.contextIsolation, true);
  assert.equal(o.webPreferences.sandbox, true);
  assert.equal(o.webPreferences.nodeIntegration, false);
  assert.equal(o.webPreferences.webviewTag, false);
  assert.equal(o.webPreferences.webSecurity, true);
  assert.equal(o.webPreferences.preload, '/app/preload.cjs');
});

test('CSP: no inline or remote scripts, no eval, media only from the media protocol', () => {
  const d = Object.fromEntries(ELECTRON_CSP.split('; ').map((p) => [p.split(' ')[0], p.split(' ').slice(1)]));
  assert.deepEqual(d['script-src'], ["'self'"]);
  assert.deepEqual(d['object-src'], ["'none'"]);
  assert.ok(!ELECTRON_CSP.includes('unsafe-eval'));
  assert.ok(!/https?:/.test(ELECTRON_CSP));
  assert.ok(d['img-src'].includes('station-media:'));
  assert.ok(privilegedSchemes().every((s) => s.privileges.secure && s.privileges.standard));
});

test('navigation: leaving the app and new windows are blocked; https links go to the OS browser', async () => {
  const handlers = new Map<string, (e: { preventDefault(): void }, url: string) => void>();
  let openHandler: ((d: { url: string }) => { action: string }) | null = null;
  const wc = {
    on: (ev: string, l: (e: { preventDefault(): void }, url: string) => void) => handlers.set(ev, l),
    setWindowOpenHandler: (h: (d: { url: string }) => { action: 'deny' | 'allow' }) => (openHandler = h),
  };
  const opened: string[] = [];
  lockDownNavigation(wc as never, { openExternal: async (u) => void opened.push(u) });
  const nav = (ev: string, url: string) => {
    let prevented = false;
    handlers.get(ev)!({ preventDefault: () => (prevented = true) }, url);
    return prevented;
  };
  assert.equal(nav('will-navigate', 'https://evil.example/'), true);
  assert.equal(nav('will-navigate', 'file:///etc/passwd'), true);
  assert.equal(nav('will-redirect', 'http://127.0.0.1:9/'), true);
  assert.equal(nav('will-navigate', `${APP_ORIGIN}/index.html#/log`), false);
  assert.equal(nav('will-attach-webview', ''), true);
  assert.deepEqual(openHandler!({ url: 'https://docs.example/' }), { action: 'deny' });
  assert.deepEqual(openHandler!({ url: 'file:///x' }), { action: 'deny' });
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(opened, ['https://docs.example/']);
});

test('IPC: one engine connection per window, results routed back, foreign senders and non-calls ignored', async () => {
  const listeners = new Map<string, (e: { sender: SenderLike }, msg: unknown) => void>();
  const ipcMain = { on: (ch: string, l: (e: { sender: SenderLike }, msg: unknown) => void) => listeners.set(ch, l), removeAllListeners: (ch: string) => listeners.delete(ch) };
  const impl = { live: { state: () => ({ running: false }) } } as unknown as StationApiImpl;
  let opened = 0;
  const reg = registerIpc(
    ipcMain,
    () => {
      opened++;
      const pair = createLoopbackPair();
      serveApi(stationApi, impl, pair[1]);
      return Object.assign(pair[0], { close: () => pair.close() });
    },
    (s) => s.id !== 99,
  );
  // renderer side: the preload bridge over a fake ipcRenderer wired to ipcMain
  const rendererListeners = new Set<(e: unknown, m: unknown) => void>();
  let destroyed: (() => void) | null = null;
  const sender: SenderLike = {
    id: 1,
    send: (_ch, m) => rendererListeners.forEach((l) => l({ sender: 'secret' }, m)),
    isDestroyed: () => false,
    once: (_ev, l) => (destroyed = l),
  };
  const ipcRenderer = {
    send: (ch: string, m: unknown) => listeners.get(ch)!({ sender }, m),
    on: (_ch: string, l: (e: unknown, m: unknown) => void) => rendererListeners.add(l),
    removeListener: (_ch: string, l: (e: unknown, m: unknown) => void) => rendererListeners.delete(l),
  };
  const bridge = createBridge(ipcRenderer);
  assert.ok(Object.isFrozen(bridge));
  assert.deepEqual(Object.keys(bridge).sort(), ['mediaBase', 'onMessage', 'send', 'shell']);
  const api = createProxy(stationApi, bridgeTransport(bridge));
  const r = await api.live.state();
  assert.ok(r.ok);
  await api.live.state();
  assert.equal(opened, 1);
  assert.equal(reg.connections(), 1);

  // a foreign sender and a forged 'result' message are ignored
  const foreign: SenderLike = { ...sender, id: 99 };
  listeners.get(IPC_TO_MAIN)!({ sender: foreign }, { t: 'call', id: 1, s: 'live', m: 'state' } satisfies ChannelMessage);
  listeners.get(IPC_TO_MAIN)!({ sender }, { t: 'result', id: 1, r: { ok: true, value: 1 } });
  assert.equal(opened, 1);

  destroyed!();
  assert.equal(reg.connections(), 0);
  reg.dispose();
  assert.equal(listeners.size, 0);
});

test('permissions: the app page may capture video only; microphone and other origins refused (request and check)', () => {
  const p = permissionHandlers();
  const app = { getURL: () => `${APP_ORIGIN}/index.html` };
  const other = { getURL: () => 'https://evil.example/' };
  const req = (wc: { getURL(): string }, permission: string, mediaTypes?: string[]) => {
    let granted: boolean | null = null;
    p.request(wc, permission, (g) => (granted = g), { mediaTypes, requestingUrl: wc.getURL() });
    return granted;
  };
  assert.equal(req(app, 'media', ['video']), true);
  assert.equal(req(app, 'media', ['audio']), false, 'no microphone');
  assert.equal(req(app, 'media', ['video', 'audio']), false);
  assert.equal(req(app, 'media', []), false);
  assert.equal(req(other, 'media', ['video']), false);
  for (const perm of ['geolocation', 'notifications', 'clipboard-read', 'openExternal']) assert.equal(req(app, perm, ['video']), false, perm);
  assert.equal(p.check(app, 'media', APP_ORIGIN, { mediaType: 'video' }), true);
  assert.equal(p.check(app, 'media', APP_ORIGIN, { mediaType: 'audio' }), false);
  assert.equal(p.check(app, 'media', 'https://evil.example', { mediaType: 'video' }), false);
  assert.equal(p.check(other, 'media', APP_ORIGIN, { mediaType: 'video' }), false);
  assert.equal(p.check(app, 'notifications', APP_ORIGIN, {}), false);
});

test('IPC: messages from a frame that is not the app top-level page are ignored', async () => {
  assert.equal(isAppFrame({ url: `${APP_ORIGIN}/index.html` }), true);
  assert.equal(isAppFrame({ url: `${APP_ORIGIN}/index.html`, parent: {} }), false, 'an iframe');
  assert.equal(isAppFrame({ url: 'https://evil.example/' }), false);
  assert.equal(isAppFrame({ url: `${APP_ORIGIN}.evil.example/` }), false);
  assert.equal(isAppFrame(null), false);

  const listeners = new Map<string, (e: IpcEventLike, msg: unknown) => void>();
  const ipcMain = { on: (ch: string, l: (e: IpcEventLike, msg: unknown) => void) => listeners.set(ch, l), removeAllListeners: (ch: string) => listeners.delete(ch) };
  let opened = 0;
  const reg = registerIpc(
    ipcMain,
    () => {
      opened++;
      const pair = createLoopbackPair();
      return Object.assign(pair[0], { close: () => pair.close() });
    },
    (s, frame) => s.id === 1 && isAppFrame(frame),
  );
  const sender: SenderLike = { id: 1, send: () => {}, isDestroyed: () => false, once: () => {} };
  const call = { t: 'call', id: 1, s: 'live', m: 'state' } satisfies ChannelMessage;
  listeners.get(IPC_TO_MAIN)!({ sender, senderFrame: { url: 'https://evil.example/' } }, call);
  listeners.get(IPC_TO_MAIN)!({ sender, senderFrame: { url: `${APP_ORIGIN}/index.html`, parent: {} } }, call);
  listeners.get(IPC_TO_MAIN)!({ sender, senderFrame: null }, call);
  assert.equal(opened, 0);
  listeners.get(IPC_TO_MAIN)!({ sender, senderFrame: { url: `${APP_ORIGIN}/index.html#/log` } }, call);
  assert.equal(opened, 1);
  reg.dispose();
});
