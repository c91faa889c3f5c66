/**
 * The GenICam source on a real GigE Vision protocol: Aravis's camera simulator (`arv-fake-gv-camera-0.8`) on
 * 127.0.0.1, our addon, the source, the live service with its durable every-part queue and the SQLite log.
 * In CI (CI=true) a missing Aravis, addon or simulator FAILS; elsewhere the suite says why and skips.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SourceStatus } from '../../main/common/api.js';
import { CameraPool } from '../../main/camera/genicam/camera-pool.js';
import { GenicamSource, resolveFeature, type GenicamFrame } from '../../main/camera/genicam/genicam-source.js';
import { genicamAddon, genicamAvailability, type NativeCamera } from '../../main/camera/genicam/native.js';
import { SIMULATOR_BIN, simulatorInstalled, startSimulator, type Simulator } from '../../main/camera/genicam/simulator.js';
import type { SourceFrame } from '../../main/camera/source.js';
import { MediaStore } from '../../main/pipeline/media-store.js';
import { LiveService } from '../../main/services/live.js';
import { registryWith } from './mean-model.js';
import { openStore } from '../../main/store/store.js';
import type { StationStore } from '../../main/store/interface.js';
import { inCi } from '../helpers.js';

const availability = genicamAvailability();
const missing = !availability.available
  ? `${availability.reason} (install: ${availability.install})`
  : !simulatorInstalled()
    ? `${SIMULATOR_BIN} is not installed (apt-get install aravis-tools)`
    : null;

if (missing && inCi()) {
  test('GenICam: Aravis, the addon and the camera simulator are installed (required in CI)', () => {
    assert.fail(missing);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(what: string, fn: () => T | undefined | null | false, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'genicam-test-'));
  dirs.push(d);
  return d;
}
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('GenICam camera through Aravis', { skip: missing && !inCi() ? `skipped: ${missing}` : false }, () => {
  let sim: Simulator;
  const pool = new CameraPool();

  before(async () => {
    sim = await startSimulator();
  });
  after(async () => {
    await pool.closeAll();
    await sim?.stop();
  });

  test('lists the simulator with id, vendor, model, serial and address', async () => {
    const list = await genicamAddon().listCameras();
    const cam = list.find((c) => c.id === sim.id);
    assert.ok(cam, `${sim.id} not in ${JSON.stringify(list)}`);
    assert.equal(cam.vendor, 'Aravis');
    assert.equal(cam.model, 'Fake');
    assert.equal(cam.serial, 'GV01');
    assert.equal(cam.address, '127.0.0.1');
    assert.equal(cam.protocol, 'GigEVision');
  });

  test('opens it; reads and writes ExposureTime, Gain, Width, PixelFormat; bad values get the camera’s limits in the error', async () => {
    await pool.with(sim.id, async (cam: NativeCamera) => {
      assert.equal(cam.info().vendor, 'Aravis');
      // This camera has the older SFNC names: the browser's names resolve to them.
      const exposure = await resolveFeature(cam, 'ExposureTime');
      const gain = await resolveFeature(cam, 'Gain');
      assert.equal(exposure, 'ExposureTimeAbs');
      assert.equal(gain, 'GainRaw');
      assert.equal((await cam.setFeature(exposure, 2500)).value, 2500);
      assert.equal((await cam.getExposure()).value, 2500, 'ArvCamera sees the same exposure');
      assert.equal((await cam.setFeature(gain, 3)).value, 3);
      assert.equal((await cam.setFeature('Width', 640)).value, 640);
      const pf = await cam.setFeature('PixelFormat', 'BayerRG8');
      assert.equal(pf.value, 'BayerRG8');
      assert.equal(pf.type, 'Enumeration');
      assert.ok(pf.entries?.includes('Mono8') && pf.entries.includes('RGB8'), 'enumerations come as their list');
      await cam.setFeature('PixelFormat', 'Mono8');

      const width = await cam.getFeature('Width');
      await assert.rejects(cam.setFeature('Width', (width.max ?? 0) + 1), (e: Error) => /\[Width\] \d+ is above the maximum \d+/.test(e.message));
      await assert.rejects(cam.setFeature('Width', 10.5), /expects an integer/);
      await assert.rejects(cam.setFeature('PixelFormat', 'Mono99'), (e: Error) => /'Mono99' is not one of: .*Mono8/.test(e.message));
      await assert.rejects(cam.setFeature(gain, 100), /above the maximum 10/);
      await assert.rejects(cam.setFeature('SensorWidth', 100), /read-only/);
      await assert.rejects(cam.setFeature('NoSuchFeature', 1), (e: Error & { code?: string }) => e.code === 'unknown-feature');
      await assert.rejects(cam.setExposure(1), /\[exposure\] 1 is outside 10 \.\. /);
      // The refused values left the camera as it was.
      assert.equal((await cam.getFeature('Width')).value, 640);
      assert.equal((await cam.getFeature('PixelFormat')).value, 'Mono8');
      const listed = await cam.features();
      assert.ok(listed.some((f) => f.name === 'PixelFormat' && f.type === 'Enumeration'));
      assert.ok(listed.some((f) => f.name === 'TriggerSoftware' && f.type === 'Command'));
    });
  });

  test('pixel conversion: Mono10/12/16 keep their top 8 bits, Mono12Packed unpacks, BayerRG8 demosaics to RGB, BGR8 swaps', () => {
    const { convert } = genicamAddon();
    const le16 = (...v: number[]) => new Uint8Array(new Uint16Array(v).buffer);
    assert.deepEqual([...convert('Mono10', 2, 1, le16(1023, 4)).data], [255, 1]);
    assert.deepEqual([...convert('Mono12', 2, 1, le16(4095, 0x0100)).data], [255, 16]);
    assert.deepEqual([...convert('Mono16', 2, 1, le16(0xabcd, 0x00ff)).data], [0xab, 0]);
    // GigE Mono12Packed: pixel 0 = 0xAB3, pixel 1 = 0xCD4 -> bytes AB, 43, CD.
    assert.deepEqual([...convert('Mono12Packed', 2, 1, new Uint8Array([0xab, 0x43, 0xcd])).data], [0xab, 0xcd]);
    assert.deepEqual([...convert('BGR8', 1, 1, new Uint8Array([1, 2, 3])).data], [3, 2, 1]);
    // RG/GB 2x2: R=200 at (0,0), G=100 at (1,0) and (0,1), B=50 at (1,1): every pixel gets R 200, G 100, B 50.
    const rgb = convert('BayerRG8', 2, 2, new Uint8Array([200, 100, 100, 50]));
    assert.equal(rgb.channels, 3);
    assert.deepEqual([...rgb.data], [200, 100, 50, 200, 100, 50, 200, 100, 50, 200, 100, 50]);
    assert.throws(() => convert('YUV422', 2, 2, new Uint8Array(8)), /not supported/);
  });

  test('continuous at 1024 x 1024 Mono8: frames arrive at the set rate, each the right size, zero-copy, buffers recycled', async () => {
    const frames: { id: number; ts: bigint; len: number; w: number; h: number; c: number }[] = [];
    const src = new GenicamSource({ camera: sim.id, mode: 'continuous', width: 1024, height: 1024, pixelFormat: 'Mono8', frameRate: 20, buffers: 4, spoolDir: tempDir(), pool });
    const states: string[] = [];
    src.onStatus((u) => states.push(u.state));
    src.start((f: SourceFrame) => {
      void f.read().then((img) => {
        const g = f as GenicamFrame;
        frames.push({ id: g.camera.frameId, ts: BigInt(g.camera.timestampNs), len: img.data.length, w: img.width, h: img.height, c: img.channels });
        f.release?.();
      });
    });
    await waitFor('40 frames', () => frames.length >= 40, 60_000);
    const stats = src.streamStats();
    await src.stop();
    assert.ok(states.includes('running'), states.join(','));
    for (const f of frames) assert.deepEqual([f.w, f.h, f.c, f.len], [1024, 1024, 1, 1024 * 1024]);
    // With 4 buffers, 40 frames only arrive if released buffers go back to the stream.
    assert.equal(stats.underruns, 0);
    assert.equal(stats.failed, 0);
    // The camera's own timestamps: 20 frames/s set, 50 ms apart (median; the simulator runs on a busy host).
    const gaps = frames.slice(1).map((f, i) => Number(f.ts - frames[i]!.ts) / 1e6).sort((a, b) => a - b);
    const median = gaps[Math.floor(gaps.length / 2)]!;
    assert.ok(median > 25 && median < 100, `median frame interval ${median} ms for 20 frames/s`);
    const ids = frames.map((f) => f.id);
    assert.equal(new Set(ids).size, ids.length, 'frame ids are distinct');
  });

  test('other pixel formats: BayerRG8 and RGB8 arrive as RGB, Mono16 as 8-bit gray', async () => {
    for (const [pixelFormat, channels] of [['BayerRG8', 3], ['RGB8', 3], ['Mono16', 1]] as const) {
      let got: { c: number; len: number; fmt: string } | null = null;
      const src = new GenicamSource({ camera: sim.id, mode: 'continuous', width: 64, height: 48, pixelFormat, spoolDir: tempDir(), pool });
      src.start((f) => {
        if (got) return void f.release?.();
        void f.read().then((img) => {
          got = { c: img.channels, len: img.data.length, fmt: pixelFormat };
          f.release?.();
        });
      });
      await waitFor(`a ${pixelFormat} frame`, () => got, 20_000);
      await src.stop();
      assert.deepEqual(got, { c: channels, len: 64 * 48 * channels, fmt: pixelFormat });
    }
  });

  describe('in the station (live service, durable queue, log)', () => {
    let store: StationStore;
    let live: LiveService;
    const statuses: SourceStatus[] = [];

    before(() => {
      const dir = tempDir();
      store = openStore(join(dir, 'station.db'));
      live = new LiveService(registryWith(store, join(dir, 'models')), store, new MediaStore(join(dir, 'media')), () => {}, { spoolDir: join(dir, 'spool') });
      live.onStatus((s) => statuses.push(s));
    });
    after(async () => {
      await live?.dispose();
      store?.close();
    });

    test('software trigger: exactly one frame per trigger for 100 triggers, none lost, each inspected and logged with frame id and camera timestamp', async () => {
      await live.start({ source: { kind: 'genicam', camera: sim.id, mode: 'triggered', width: 1024, height: 1024, pixelFormat: 'Mono8' }, store: true });
      assert.equal(live.state().line?.delivery, 'every-part');
      await waitFor('the camera running', () => live.sourceStatus().state === 'running', 30_000);
      const before = store.lastInspectionId();
      for (let i = 0; i < 100; i++) {
        const r = await live.line.trigger('test', `part-${i}`);
        assert.deepEqual(r, { accepted: true, partId: `part-${i}` });
        // Pace like a line would: the next part comes once the station has taken this one.
        await waitFor(`part-${i} logged`, () => store.lastInspectionId() >= before + i + 1, 30_000);
        live.line.acknowledge('test');
      }
      await sleep(1000); // nothing more may arrive: one frame per trigger
      const rows = [...store.iterateInspections({ afterId: before }, 'asc')];
      assert.equal(rows.length, 100);
      assert.deepEqual(rows.map((r) => r.partId), Array.from({ length: 100 }, (_, i) => `part-${i}`));
      for (const r of rows) {
        assert.ok(r.verdict === 'OK' || r.verdict === 'NG', r.verdict);
        assert.ok(r.framePath, 'frame saved');
        assert.equal(typeof r.cameraFrameId, 'number');
        assert.match(r.cameraTimestampNs ?? '', /^\d+$/);
      }
      const ids = rows.map((r) => r.cameraFrameId!);
      assert.equal(new Set(ids).size, 100, 'a distinct camera frame per part');
      const ts = rows.map((r) => BigInt(r.cameraTimestampNs!));
      assert.ok(ts.every((t, i) => i === 0 || t > ts[i - 1]!), 'camera timestamps increase');
      const cam = live.state().stats.camera!;
      assert.equal(cam.triggers, 100);
      assert.equal(cam.completed, 100);
      assert.equal(cam.failed + cam.underruns + cam.badFrames, 0);
      assert.equal(live.state().line?.queueDepth, 0);
    });

    test('simulator killed: the source reports the loss; restarted: frames flow again without restarting the station', async () => {
      await live.start({ source: { kind: 'genicam', camera: sim.id, mode: 'continuous', width: 256, height: 256, frameRate: 10 }, store: false });
      const seen = () => live.state().stats.inspected;
      await waitFor('frames inspected', () => seen() >= 3, 30_000);
      statuses.length = 0;
      await sim.kill();
      const lost = await waitFor('a lost report', () => statuses.find((s) => s.state === 'lost'), 60_000);
      assert.match(lost.message ?? '', /GV01|heartbeat|not found|answer/i);
      assert.ok(lost.retry && lost.retry.inMs > 0, 'retried with backoff');
      await sim.restart();
      const at = seen();
      await waitFor('running again', () => statuses.findLast((s) => s.state !== 'starting')?.state === 'running', 90_000);
      await waitFor('frames after the restart', () => seen() >= at + 3, 60_000);
      assert.equal(live.state().running, true, 'the same live session went on');
      await live.stop();
    });
  });
});
