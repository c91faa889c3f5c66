import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { WebSocket } from 'ws';
import { stationApi, type LiveState, type StationApiImpl } from '../../main/common/api.js';
import { createLoopbackPair, createProxy, serveApi } from '../../main/common/channel.js';
import { webSocketTransport } from '../../main/common/transports.js';
import { startHost, tokenMatches } from '../../main/node/host.js';

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

test('host binds 127.0.0.1 on a random port and requires the token on every request', async () => {
  const { host, done } = await setup();
  try {
    const addr = host.server.address() as { address: string; port: number };
    assert.equal(addr.address, '127.0.0.1');
    assert.ok(addr.port > 0);
    assert.ok(host.token.length >= 32);
    assert.equal((await get(host.url)).status, 401);
    assert.equal((await get(`${host.url}media/frames/a.jpg`)).status, 401);
    assert.equal((await get(`${host.url}?token=wrong`)).status, 401);

    const page = await get(host.openUrl);
    assert.equal(page.status, 200);
    assert.match(page.body, /<title>ui<\/title>/);
    assert.match(String(page.headers['content-security-policy']), /default-src 'self'/);
    const cookie = String((page.headers['set-cookie'] as string[])[0]).split(';')[0];
    assert.match(String((page.headers['set-cookie'] as string[])[0]), /HttpOnly; SameSite=Strict/);

    // cookie, header and bearer all work; media is served; traversal is refused
    const viaCookie = await get(`${host.url}media/frames/a.jpg`, { cookie });
    assert.equal(viaCookie.status, 200);
    assert.equal(viaCookie.body, 'JPEGDATA');
    assert.equal((await get(`${host.url}media/frames/a.jpg`, { 'x-station-token': host.token })).status, 200);
    assert.equal((await get(`${host.url}media/frames/a.jpg`, { authorization: `Bearer ${host.token}` })).status, 200);
    assert.equal((await get(`${host.url}media/..%2Fsecret.txt`, { cookie })).status, 400);
    assert.equal((await get(`${host.url}media/frames/missing.jpg`, { cookie })).status, 404);
    // DNS rebinding: a foreign Host header is refused even with the token
    assert.equal((await get(host.openUrl, { host: 'evil.example:80' })).status, 403);
  } finally {
    await done();
  }
});

test('WebSocket /api: refused without token or from a foreign origin; with the token the API works', async () => {
  const { host, done } = await setup();
  try {
    const wsUrl = `ws://127.0.0.1:${host.port}/api`;
    const refused = (url: string, opts?: object) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(url, opts);
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('open', () => resolve(101));
        ws.on('error', () => {});
      });
    assert.equal(await refused(wsUrl), 401);
    assert.equal(await refused(`${wsUrl}?token=bad`), 401);
    assert.equal(await refused(`${wsUrl}?token=${host.token}`, { origin: 'http://evil.example' }), 403);

    const ws = new WebSocket(`${wsUrl}?token=${encodeURIComponent(host.token)}`);
    const api = createProxy(stationApi, webSocketTransport(ws as never));
    const r = await api.live.state();
    assert.ok(r.ok);
    assert.equal(r.value.running, false);
    const bad = await api.live.start({ source: { kind: 'hotfolder', path: '' } } as never);
    assert.equal(bad.ok, false);
    if (!bad.ok) assert.equal(bad.error.kind, 'invalid-input');
    ws.close();
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
