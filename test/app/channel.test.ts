import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stationApi, type StationApiImpl, type FrameEvent, type LiveState } from '../../main/common/api.js';
import { createLoopbackPair, createProxy, serveApi } from '../../main/common/channel.js';
import { Emitter } from '../../main/common/event.js';
import { muxClient, muxServer, type MuxEnvelope, type Wire } from '../../main/common/mux.js';
import { StationFault } from '../../main/common/result.js';

const state: LiveState = {
  running: false,
  paused: false,
  source: { state: 'idle', spec: null, name: '', at: new Date(0).toISOString() },
  modelId: null,
  threshold: null,
  stats: { fps: 0, latencyMs: 0, inspected: 0, dropped: 0, ok: 0, ng: 0 },
};

/** A partial impl: only what the tests call; everything else is missing on purpose. */
function fakeImpl(frames: Emitter<FrameEvent>, seen: unknown[]): StationApiImpl {
  const impl = {
    live: {
      state: () => state,
      start: (req: unknown) => {
        seen.push(req);
        return { ...state, running: true };
      },
      stop: async () => {
        throw new StationFault('busy', 'a job is running');
      },
      onFrame: frames.event,
    },
    thresholds: {
      set: (req: { value: number; who: string }) => ({ modelId: 'm', value: req.value, previous: null, reason: 'r', who: req.who, at: 'now' }),
    },
  };
  return impl as unknown as StationApiImpl;
}

test('proxy/serve round trip: replies, defaults applied server-side, thrown faults become Results', async () => {
  const [a, b] = createLoopbackPair();
  const frames = new Emitter<FrameEvent>();
  const seen: unknown[] = [];
  serveApi(stationApi, fakeImpl(frames, seen), b);
  const api = createProxy(stationApi, a);

  const r = await api.live.start({ source: { kind: 'demo' } });
  assert.ok(r.ok);
  assert.equal(r.value.running, true);
  // zod defaults were applied before the implementation saw the request
  assert.deepEqual(seen[0], { source: { kind: 'demo', fps: 4, defectRate: 0.25 }, store: true });

  const s = await api.live.stop();
  assert.deepEqual(s, { ok: false, error: { kind: 'busy', message: 'a job is running' } });

  const missing = await api.models.list();
  assert.equal(missing.ok, false);
  if (!missing.ok) assert.equal(missing.error.kind, 'internal');
});

test('invalid requests come back as invalid-input naming the field, and never reach the implementation', async () => {
  const [a, b] = createLoopbackPair();
  const seen: unknown[] = [];
  serveApi(stationApi, fakeImpl(new Emitter(), seen), b);
  const api = createProxy(stationApi, a);

  const bad = await api.live.start({ source: { kind: 'folder', path: '' } } as never);
  assert.equal(bad.ok, false);
  if (!bad.ok) {
    assert.equal(bad.error.kind, 'invalid-input');
    assert.match(bad.error.message, /source\.path/);
  }
  const noReason = await api.thresholds.set({ value: 0.5, reason: '  ', who: 'ann' });
  assert.equal(noReason.ok, false);
  if (!noReason.ok) assert.match(noReason.error.message, /reason/);
  const notFinite = await api.thresholds.set({ value: Number.POSITIVE_INFINITY, reason: 'x', who: 'ann' });
  assert.equal(notFinite.ok, false);
  assert.equal(seen.length, 0);

  // a raw message for a method that does not exist
  const replies: unknown[] = [];
  a.onMessage((m) => replies.push(m));
  a.send({ t: 'call', id: 999, s: 'live', m: 'constructor', a: undefined });
  a.send({ t: 'call', id: 1000, s: '__proto__', m: 'x', a: undefined });
  await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(
    replies.map((m) => (m as { r: { ok: boolean; error: { kind: string } } }).r.error.kind),
    ['invalid-input', 'invalid-input'],
  );
});

test('events reach subscribers, stop after dispose, and server subscriptions end when the transport closes', async () => {
  const pair = createLoopbackPair();
  const [a, b] = pair;
  const frames = new Emitter<FrameEvent>();
  serveApi(stationApi, fakeImpl(frames, []), b);
  const api = createProxy(stationApi, a);
  const got1: number[] = [];
  const got2: number[] = [];
  const d1 = api.live.onFrame((f) => got1.push(f.seq));
  const d2 = api.live.onFrame((f) => got2.push(f.seq));
  await new Promise((r) => setTimeout(r, 5));
  assert.equal(frames.listenerCount, 1, 'two local listeners share one remote subscription');
  frames.fire({ seq: 1 } as FrameEvent);
  await new Promise((r) => setTimeout(r, 5));
  d1.dispose();
  frames.fire({ seq: 2 } as FrameEvent);
  await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(got1, [1]);
  assert.deepEqual(got2, [1, 2]);
  d2.dispose();
  await new Promise((r) => setTimeout(r, 5));
  assert.equal(frames.listenerCount, 0);

  api.live.onFrame(() => {});
  await new Promise((r) => setTimeout(r, 5));
  assert.equal(frames.listenerCount, 1);
  const pending = api.live.state();
  pair.close();
  assert.equal(frames.listenerCount, 0);
  const r = await pending;
  assert.equal(r.ok, false);
});

test('mux: two connections over one wire keep separate subscriptions; closing one leaves the other', async () => {
  const up = new Emitter<unknown>();
  const down = new Emitter<unknown>();
  const clientWire: Wire<unknown> = { send: (x) => queueMicrotask(() => up.fire(structuredClone(x as MuxEnvelope))), onMessage: (l) => down.event(l) };
  const serverWire: Wire<unknown> = { send: (x) => queueMicrotask(() => down.fire(structuredClone(x as MuxEnvelope))), onMessage: (l) => up.event(l) };
  const frames = new Emitter<FrameEvent>();
  const server = muxServer(serverWire, (t) => serveApi(stationApi, fakeImpl(frames, []), t));
  const mux = muxClient(clientWire);
  const t1 = mux.open();
  const t2 = mux.open();
  const api1 = createProxy(stationApi, t1);
  const api2 = createProxy(stationApi, t2);
  const got1: number[] = [];
  const got2: number[] = [];
  api1.live.onFrame((f) => got1.push(f.seq));
  api2.live.onFrame((f) => got2.push(f.seq));
  assert.ok((await api1.live.state()).ok);
  assert.ok((await api2.live.state()).ok);
  assert.equal(server.size, 2);
  assert.equal(frames.listenerCount, 2);
  t1.close();
  await new Promise((r) => setTimeout(r, 5));
  assert.equal(server.size, 1);
  assert.equal(frames.listenerCount, 1);
  frames.fire({ seq: 7 } as FrameEvent);
  await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(got1, []);
  assert.deepEqual(got2, [7]);
  assert.equal((await api1.live.state()).ok, false);
});
