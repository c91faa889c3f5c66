import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, writeFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { WebSocket } from 'ws';
import { stationApi, type LiveState, type StationApiImpl } from '../../main/common/api.js';
import { createLoopbackPair, createProxy, serveApi } from '../../main/common/channel.js';
import { connectStation, WS_PROTOCOL, WS_TOKEN_PROTOCOL_PREFIX, type WindowLike } from '../../main/common/connect.js';
import { mediaUrl } from '../../main/common/media.js';
import { webSocketTransport } from '../../main/common/transports.js';
import { HOST_MAX_MESSAGE_BYTES, startHost, tokenMatches } from '../../main/node/host.js';
import { MAX_BAD_MESSAGES } from '../../main/node/host-relay.js';

const state = { running: false, paused: false, source: { state: 'idle', spec: null, name: '', at: 'x' }, modelId: null, threshold: null, stats: { fps: 0, latencyMs: 0, inspected: 0, dropped: 0, ok: 0, ng: 0 } } as LiveState;
const impl = { live: { state: () => state } } as unknown as StationApiImpl;

async function setup() {
  const dir = await mkdtemp(join(tmpdir(), 'station-host-'));
  await mkdir(join(dir, 'static', 'assets'), { recursive: true });
  await writeFile(join(dir, 'static', 'index.html'), '<!doctype html><title>ui</title>');
  await mkdir(join(dir, 'media', 'frames'), { recursive: true });
  await writeFile(join(dir, 'media', 'frames', 'a.jpg'), 'JPEGDATA');
  await writeFile(join(dir, 'secret.txt'), 'nope');
  const host = await startHost({
    connect: () => {
      const pair = createLoopbackPair();
      serveApi(stationApi, impl, pair[1]);
      return Object.assign(pair[0], { close: () => pair.close() });
    },
    staticDir: join(dir, 'static'),
    mediaDir: join(dir, 'media'),
  });
  return { dir, host, done: async () => (await host.close(), await rm(dir, { recursive: true, force: true })) };
}

function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('host binds 127.0.0.1; the UI is public, media needs a per-file signature or the token header; no cookie', async () => {
  const { dir, host, done } = await setup();
  try {
    const addr = host.server.address() as { address: string; port: number };
    assert.equal(addr.address, '127.0.0.1');
    assert.ok(addr.port > 0);
    assert.ok(host.token.length >= 32);

    // The renderer build is the app's code: served without a token, and never with a cookie.
    const page = await get(host.openUrl);
    assert.equal(page.status, 200);
    assert.match(page.body, /<title>ui<\/title>/);
    assert.match(String(page.headers['content-security-policy']), /default-src 'self'/);
    assert.equal(page.headers['set-cookie'], undefined, 'no cookie: cookies ignore ports, another loopback server would get it');
    assert.equal((await get(host.url)).status, 200);

    const base = `${host.url}media/`;
    assert.equal((await get(`${base}frames/a.jpg`)).status, 401);
    assert.equal((await get(`${base}frames/a.jpg?token=${host.token}`)).status, 401, 'the access token is not taken from a URL');
    const signed = await get(mediaUrl('frames/a.jpg', base, host.token));
    assert.equal(signed.status, 200);
    assert.equal(signed.body, 'JPEGDATA');
    assert.doesNotMatch(mediaUrl('frames/a.jpg', base, host.token), new RegExp(host.token));
    // a signature is for one file, and for a short time
    const other = mediaUrl('frames/a.jpg', base, host.token).replace('frames/a.jpg', 'frames/b.jpg');
    assert.equal((await get(other)).status, 401);
    assert.equal((await get(mediaUrl('frames/a.jpg', base, host.token, Date.now() - 3600_000))).status, 401, 'expired');
    assert.equal((await get(mediaUrl('frames/a.jpg', base, 'another-token'))).status, 401);
    const farFuture = mediaUrl('frames/a.jpg', base, host.token, Date.now() + 24 * 3600_000);
    assert.equal((await get(farFuture)).status, 401, 'a signature cannot be made to live long');

    assert.equal((await get(`${base}frames/a.jpg`, { 'x-station-token': host.token })).status, 200);
    assert.equal((await get(`${base}frames/a.jpg`, { authorization: `Bearer ${host.token}` })).status, 200);
    const auth = { 'x-station-token': host.token };
    assert.equal((await get(`${base}..%2Fsecret.txt`, auth)).status, 400);
    assert.equal((await get(`${base}frames/missing.jpg`, auth)).status, 404);
    // DNS rebinding: a foreign Host header is refused
    assert.equal((await get(host.openUrl, { host: 'evil.example:80' })).status, 403);

    // /media serves only regular files whose real path is inside the media folder
    await symlink(join(dir, 'secret.txt'), join(dir, 'media', 'frames', 'link.jpg'));
    await symlink(dir, join(dir, 'media', 'up'));
    assert.equal((await get(`${base}frames/link.jpg`, auth)).status, 404);
    assert.equal((await get(`${base}up/secret.txt`, auth)).status, 404);
    assert.equal((await get(mediaUrl('frames/link.jpg', base, host.token))).status, 404);
    assert.equal((await get(`${base}frames`, auth)).status, 404, 'a folder is not served');
  } finally {
    await done();
  }
});

const wsStatus = (url: string, opts?: object, protocols?: string[]) =>
  new Promise<number>((resolve) => {
    const ws = new WebSocket(url, protocols ?? [], opts);
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('open', () => (resolve(101), ws.close()));
    ws.on('error', () => {});
  });

test('WebSocket /api: the token comes in a header or subprotocol, never the URL; foreign origins refused', async () => {
  const { host, done } = await setup();
  try {
    const wsUrl = `ws://127.0.0.1:${host.port}/api`;
    assert.equal(await wsStatus(wsUrl), 401);
    assert.equal(await wsStatus(`${wsUrl}?token=${host.token}`), 401);
    assert.equal(await wsStatus(wsUrl, {}, [WS_PROTOCOL, `${WS_TOKEN_PROTOCOL_PREFIX}bad`]), 401);
    assert.equal(await wsStatus(wsUrl, { origin: 'http://evil.example' }, [WS_PROTOCOL, `${WS_TOKEN_PROTOCOL_PREFIX}${host.token}`]), 403);
    assert.equal(await wsStatus(wsUrl, { headers: { 'x-station-token': host.token } }), 101);

    // What the renderer does: connectStation with a window whose URL carries the token.
    const stored = new Map<string, string>();
    let replaced = '';
    const win: WindowLike = {
      location: { href: host.openUrl, origin: `http://127.0.0.1:${host.port}`, protocol: 'http:', host: `127.0.0.1:${host.port}` },
      sessionStorage: { getItem: (k) => stored.get(k) ?? null, setItem: (k, v) => void stored.set(k, v) },
      history: { replaceState: (_d, _u, url) => void (replaced = url ?? '') },
      WebSocket: WebSocket as never,
    };
    const conn = connectStation(win);
    const r = await conn.api.live.state();
    assert.ok(r.ok);
    assert.equal(r.value.running, false);
    assert.doesNotMatch(replaced, /token/, 'the token is removed from the address bar');
    const bad = await conn.api.live.start({ source: { kind: 'hotfolder', path: '' } } as never);
    assert.equal(bad.ok, false);
    if (!bad.ok) assert.equal(bad.error.kind, 'invalid-input');
    const media = conn.mediaUrl('frames/a.jpg');
    assert.doesNotMatch(media, new RegExp(host.token));
    assert.equal((await get(media)).status, 200);
    conn.dispose();
  } finally {
    await done();
  }
});

function open(host: { port: number; token: string }): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${host.port}/api`, { headers: { 'x-station-token': host.token } });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

test('malformed messages get an error reply; repeated garbage closes the socket; the size limit closes with 1009', async () => {
  const { host, done } = await setup();
  try {
    const ws = await open(host);
    const replies: { t: string; id: number; r: { ok: boolean; error?: { kind: string; message: string } } }[] = [];
    ws.on('message', (d) => replies.push(JSON.parse(String(d))));
    const next = async (n: number) => {
      for (let i = 0; i < 200 && replies.length < n; i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal(replies.length, n);
      return replies[n - 1]!;
    };
    ws.send('{not json');
    const a = await next(1);
    assert.deepEqual([a.t, a.id, a.r.ok, a.r.error?.kind], ['result', 0, false, 'invalid-input']);
    assert.match(a.r.error!.message, /malformed JSON/);
    ws.send(JSON.stringify({ t: 'result', id: 7, r: {} }));
    const b = await next(2);
    assert.equal(b.id, 7);
    assert.match(b.r.error!.message, /not accepted from a client/);
    ws.send(JSON.stringify({ t: 'call', id: 8 }));
    assert.match((await next(3)).r.error!.message, /not a channel message/);
    // a good call still works and resets the count
    const proxy = createProxy(stationApi, webSocketTransport(ws as never));
    assert.ok((await proxy.live.state()).ok);

    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    for (let i = 0; i < MAX_BAD_MESSAGES; i++) ws.send('garbage');
    assert.equal(await closed, 1008);

    const big = await open(host);
    const bigClosed = new Promise<number>((r) => big.once('close', (code) => r(code)));
    big.on('error', () => {});
    big.send('x'.repeat(HOST_MAX_MESSAGE_BYTES + 1));
    assert.equal(await bigClosed, 1009);
    // just under the limit is accepted (and answered as malformed, not dropped)
    const ok = await open(host);
    const reply = new Promise<string>((r) => ok.once('message', (d) => r(String(d))));
    ok.send('y'.repeat(HOST_MAX_MESSAGE_BYTES - 1));
    assert.match(await reply, /malformed JSON/);
    ok.close();
  } finally {
    await done();
  }
});

test('tokenMatches is exact', () => {
  assert.equal(tokenMatches('abc', 'abc'), true);
  assert.equal(tokenMatches('abd', 'abc'), false);
  assert.equal(tokenMatches('', 'abc'), false);
  assert.equal(tokenMatches(undefined, 'abc'), false);
  assert.equal(tokenMatches('abcd', 'abc'), false);
});
