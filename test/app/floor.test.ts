/**
 * The floor and retention services on a real store and real media files: the latched NG survives a reopen and
 * clears on acknowledgement (recorded with who), the NG-rate alarm (N of the last M) reaches the line signals,
 * shift and lot counters come from the log, the shift report writes CSV and HTML with an SVG chart; retention
 * keeps a tiny budget by deleting the oldest images (NG kept longer), never the rows, and the disk watchdog stops
 * image saving below the floor.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../main/store/store.js';
import type { NewInspection, StationStore } from '../../main/store/interface.js';
import { MediaStore } from '../../main/pipeline/media-store.js';
import { FloorService } from '../../main/services/floor.js';
import { RetentionService } from '../../main/services/retention.js';
import { startRetentionWorker } from '../../main/services/retention-runner.js';
import { shiftAt } from '../../main/common/floor.js';

function setup(t: { after(fn: () => void): void }) {
  const dir = mkdtempSync(join(tmpdir(), 'station-floor-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const store = openStore(join(dir, 'station.db'), { durability: 'normal' });
  if (!store.getProduct('default')) store.createProduct({ id: 'default', name: 'Default product' });
  store.createModel({ id: 'm', kind: 'patchcore', productId: 'default', artifactPath: '/m', backbone: 'b' });
  const media = new MediaStore(join(dir, 'media'));
  return { dir, store, media };
}

function row(i: number, verdict: 'OK' | 'NG', over: Partial<NewInspection> = {}): NewInspection {
  return {
    time: new Date(Date.now() - (100 - i) * 10).toISOString(),
    sourceId: 'cam',
    productId: 'default',
    modelId: 'm',
    score: verdict === 'NG' ? 2 + i / 100 : 0.5,
    threshold: 1,
    verdict,
    latencyMs: 5,
    executionProvider: 'cpu',
    partId: `p${i}`,
    ...over,
  };
}

function floorOf(store: StationStore, media: MediaStore, signals: { ngRateAlarm: boolean; ngLatched: boolean }[] = [], audit: unknown[] = []) {
  return new FloorService({
    store,
    media,
    lotName: () => 'LOT-7',
    signals: (s) => signals.push(s),
    notice: () => {},
    audit: (e) => audit.push(e),
    actor: () => 'anna',
  });
}

test('shift windows: the shift containing a time, across midnight, and the one before', () => {
  const at = new Date(2026, 10, 29, 23, 30);
  const s = shiftAt(at, ['06:00', '14:00', '22:00']);
  assert.equal(s.name, '22:00–06:00');
  assert.equal(s.from, new Date(2026, 10, 29, 22, 0).toISOString());
  assert.equal(s.to, new Date(2026, 10, 30, 6, 0).toISOString());
  assert.equal(shiftAt(new Date(2026, 10, 30, 5, 59), ['14:00', '06:00', '22:00']).from, new Date(2026, 10, 29, 22, 0).toISOString());
  const prev = shiftAt(at, ['06:00', '14:00', '22:00'], -1);
  assert.equal(prev.name, '14:00–22:00');
  assert.equal(shiftAt(new Date(2026, 0, 1, 12), ['00:00']).name, '00:00–00:00');
});

test('NG latch survives a reopen, acknowledge clears it (who, when, audited); NG-rate alarm on the line signals', (t) => {
  const { dir, store, media } = setup(t);
  store.updateProduct('default', { settings: { floor: { ngLatch: true, ngRate: { n: 2, m: 3 } } } });
  const signals: { ngRateAlarm: boolean; ngLatched: boolean }[] = [];
  const audit: unknown[] = [];
  let floor = floorOf(store, media, signals, audit);
  assert.equal(floor.state().latched, null);
  const ng1 = store.recordInspection(row(1, 'NG', { lotName: 'LOT-7' }));
  floor.recorded(ng1);
  assert.equal(floor.state().latched?.inspectionId, ng1.id);
  assert.deepEqual(signals.at(-1), { ngRateAlarm: false, ngLatched: true });
  const ok = store.recordInspection(row(2, 'OK', { lotName: 'LOT-7' }));
  floor.recorded(ok);
  assert.equal(floor.state().latched?.inspectionId, ng1.id, 'an OK part does not clear the latch');
  const ng2 = store.recordInspection(row(3, 'NG', { lotName: 'LOT-7' }));
  floor.recorded(ng2);
  assert.deepEqual(signals.at(-1), { ngRateAlarm: true, ngLatched: true }, '2 NG in the last 3 parts');
  assert.deepEqual(floor.state().ngRate, { alarm: true, ng: 2, parts: 3, n: 2, m: 3 });

  // Counters from the log: the current shift and the lot.
  const st = floor.state();
  assert.deepEqual(st.shift.counts, { total: 3, ok: 1, ng: 2, error: 0 });
  assert.deepEqual(st.lot, { name: 'LOT-7', counts: { total: 3, ok: 1, ng: 2, error: 0 } });
  floor.dispose();
  store.close();

  // A restart: the latch, the alarm window and the counters are derived from the log again.
  const again = openStore(join(dir, 'station.db'));
  t.after(() => again.close());
  floor = floorOf(again, media, signals, audit);
  assert.equal(floor.state().latched?.inspectionId, ng2.id);
  assert.equal(floor.state().ngRate.alarm, true);
  assert.deepEqual(floor.state().shift.counts, { total: 3, ok: 1, ng: 2, error: 0 });
  const after = floor.acknowledge('checked the part');
  assert.equal(after.latched, null);
  assert.deepEqual(signals.at(-1), { ngRateAlarm: true, ngLatched: false });
  const ack = again.lastNgAcknowledgement()!;
  assert.equal(ack.upToInspectionId, ng2.id);
  assert.equal(ack.actor, 'anna');
  assert.equal((audit.at(-1) as { action: string }).action, 'ng.acknowledge');
  floor.dispose();
  // Acknowledged stays acknowledged after another restart; the next NG latches again.
  floor = floorOf(again, media);
  assert.equal(floor.state().latched, null);
  const oks = [4, 5, 6].map((i) => again.recordInspection(row(i, 'OK')));
  for (const r of oks) floor.recorded(r);
  assert.equal(floor.state().ngRate.alarm, false, 'the window moved past the NGs');
  // A product without latch: an NG is counted, not latched.
  floor.configure({ product: { ngLatch: false }, reason: 'test' });
  floor.recorded(again.recordInspection(row(7, 'NG')));
  assert.equal(floor.state().latched, null);
  assert.equal(floor.settings().product.ngLatch, false);
  floor.dispose();
});

test('shift report: CSV and printable HTML with an SVG chart and the top NG thumbnails', async (t) => {
  const { store, media } = setup(t);
  const floor = floorOf(store, media);
  t.after(() => floor.dispose());
  const { frame } = await media.saveFrame({ width: 8, height: 8, channels: 3, data: new Uint8Array(8 * 8 * 3).fill(200) }, MediaStore.stem(new Date(), 1));
  for (let i = 0; i < 10; i++) store.recordInspection(row(i, i % 3 === 0 ? 'NG' : 'OK', i === 9 ? {} : { framePath: frame }));
  const r = await floor.report({ from: new Date(Date.now() - 3600_000).toISOString(), to: new Date(Date.now() + 60_000).toISOString() });
  assert.deepEqual(r.counts, { total: 10, ok: 6, ng: 4, error: 0 });
  assert.equal(r.series.reduce((a, p) => a + p.total, 0), 10);
  assert.equal(r.series.reduce((a, p) => a + p.ng, 0), 4);
  assert.deepEqual(r.topNg.map((p) => p.partId), ['p9', 'p6', 'p3', 'p0'], 'highest score first');
  const html = readFileSync(media.pathOf(r.html), 'utf8');
  assert.match(html, /<svg[^>]*data-testid="rate-chart"/);
  assert.match(html, /<polyline points="[\d., ]+"/);
  assert.equal((html.match(/src="data:image\/jpeg;base64,/g) ?? []).length, 3, 'three NG parts still have a thumbnail');
  assert.match(html, /images pruned/);
  assert.doesNotMatch(html, /<script/i);
  const csv = readFileSync(media.pathOf(r.csv), 'utf8');
  assert.match(csv, /counts,total,10/);
  assert.match(csv, /counts,NG,4/);
  assert.equal(csv.split('\n').filter((l) => l.startsWith('top NG')).length, 4);
});

test('retention: a tiny budget deletes the oldest images, NG kept longer; rows stay; the disk watchdog blocks images below the floor', async (t) => {
  const { store, media } = setup(t);
  const floor = floorOf(store, media);
  t.after(() => floor.dispose());
  const data = new Uint8Array(16 * 16 * 3).map((_, i) => (i * 37) % 251);
  const rows: number[] = [];
  const t0 = Date.now() - 10 * 3600_000;
  for (let i = 0; i < 12; i++) {
    const stem = MediaStore.stem(new Date(t0 + i * 600_000), i);
    const saved = await media.saveFrame({ width: 16, height: 16, channels: 3, data }, stem);
    const heatmap = await media.saveHeatmap(new Uint8Array(300).fill(i), stem);
    // Rows 0 and 1 are the oldest, and NG.
    const v = i < 2 ? 'NG' : 'OK';
    rows.push(store.recordInspection(row(i, v, { time: new Date(t0 + i * 600_000).toISOString(), framePath: saved.frame, heatmapPath: heatmap })).id);
  }
  const blocked: (string | null)[] = [];
  let free = 10e9;
  const retention = new RetentionService(
    { store, media, floor, setMediaBlocked: (r) => blocked.push(r), notice: () => {}, diskSpace: async () => ({ freeBytes: free, totalBytes: 100e9 }) },
    { kickDelayMs: 10_000, measureBatch: 5 },
  );
  t.after(() => retention.dispose());
  // Measured in bounded batches (5 per pass).
  const first = await retention.pass();
  assert.equal(first.measured, 5);
  await retention.pass();
  await retention.pass();
  assert.deepEqual(store.unmeasuredMedia(100), []);
  const usage = store.mediaUsage().reduce((a, u) => a + u.bytes, 0);
  const perRow = usage / 12;
  assert.ok(perRow > 300, `a row's images measured (${perRow} bytes)`);

  // Budget for about 4 rows: 8 are pruned; OK rows 2..9 go before the older NG rows 0 and 1 (kept 4x longer).
  floor.configure({ retention: { budgetBytes: Math.floor(perRow * 4.5) }, reason: 'test' });
  const pass = await retention.pass();
  assert.equal(pass.pruned, 8);
  assert.equal(store.countInspections(), 12, 'every row stays');
  const kept = rows.filter((id) => store.getInspection(id)!.framePath !== null);
  assert.deepEqual(kept, [rows[0], rows[1], rows[10], rows[11]]);
  for (const id of rows) {
    const r = store.getInspection(id)!;
    assert.ok(r.verdict === 'OK' || r.verdict === 'NG');
    if (kept.includes(id)) continue;
    assert.ok(r.mediaPrunedAt, 'the row says its images were pruned');
    assert.equal(r.heatmapPath, null);
  }
  assert.equal(store.mediaUsage().reduce((a, u) => a + u.files, 0), 4);
  // The files are gone from disk; the kept ones are there.
  const frames = (id: number) => store.getInspection(id)!.framePath;
  assert.ok(existsSync(media.pathOf(frames(rows[0]!)!)));
  assert.equal(floor.state().retention.prunedRows, 8);

  // Disk watchdog: below the alarm level an alarm; below the floor images stop; back up, they resume.
  free = 1e9;
  await retention.pass();
  assert.equal(floor.state().disk.alarm, true);
  assert.equal(floor.state().disk.savingImages, true);
  free = 0.1e9;
  await retention.pass();
  assert.equal(floor.state().disk.savingImages, false);
  assert.match(blocked.at(-1)!, /below the floor/);
  free = 50e9;
  await retention.pass();
  assert.equal(blocked.at(-1), null);
  assert.equal(floor.state().disk.alarm, false);
});

test('retention worker: the same pass in a thread of its own, on its own store connection', { timeout: 120_000 }, async (t) => {
  const { store, media } = setup(t);
  const data = new Uint8Array(16 * 16 * 3).fill(90);
  const ids: number[] = [];
  for (let i = 0; i < 3; i++) {
    const saved = await media.saveFrame({ width: 16, height: 16, channels: 3, data }, MediaStore.stem(new Date(), i));
    ids.push(store.recordInspection(row(i, 'OK', { framePath: saved.frame })).id);
  }
  store.updateProduct('default', { settings: { retention: { budgetBytes: 1 } } });
  const worker = startRetentionWorker({ dbPath: store.path, mediaRoot: media.root });
  t.after(() => worker.close());
  const r = await worker.pass();
  assert.equal(r.measured, 3);
  assert.equal(r.pruned, 3, 'a 1-byte budget prunes every row');
  assert.deepEqual(r.usage.filter((u) => u.files > 0), []);
  // Written by the worker's connection, read here.
  for (const id of ids) assert.ok(store.getInspection(id)!.mediaPrunedAt);
  assert.equal(store.countInspections(), 3);
});
