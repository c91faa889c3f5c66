import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { StationFault } from '../../main/common/result.js';
import { openStore } from '../../main/store/store.js';
import { toStoreFault } from '../../main/store/faults.js';
import { LATEST_VERSION } from '../../main/store/migrations/index.js';
import { inspection, seed, tempDir } from './helpers.js';
import { inCi } from '../helpers.js';

function faultOf(fn: () => unknown): StationFault {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof StationFault, `expected a StationFault, got ${String(e)}`);
    return e;
  }
  assert.fail('expected a StationFault, nothing was thrown');
}

test('open creates the folder, migrates to the latest version and sets the pragmas', (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'nested', 'deeper', 'station.db');
  const store = openStore(path);
  t.after(() => store.close());
  assert.equal(store.schemaVersion, LATEST_VERSION);
  assert.ok(existsSync(path));
  // Look at the file from a second connection: WAL is persistent in the file header.
  const raw = new Database(path, { readonly: true });
  assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(raw.pragma('user_version', { simple: true }), LATEST_VERSION);
  raw.close();
  store.close();
  // Reopening is a no-op migration and keeps data.
  const again = openStore(path, { durability: 'normal' });
  assert.equal(again.schemaVersion, LATEST_VERSION);
  again.close();
});

test('products and models: CRUD, active model must belong to the product, references block deletes', (t) => {
  const store = openStore(join(tempDir(t), 's.db'));
  t.after(() => store.close());
  const p = store.createProduct({ id: 'screw', name: 'M6 screw', description: 'stainless' });
  assert.equal(p.activeModelId, null);
  assert.equal(p.threshold, null);
  assert.match(p.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  const generated = store.createProduct({ name: 'Nut' });
  assert.match(generated.id, /^[0-9a-f-]{36}$/);
  assert.equal(faultOf(() => store.createProduct({ id: 'screw', name: 'again' })).kind, 'invalid-input');
  assert.equal(faultOf(() => store.createProduct({ name: '  ' })).kind, 'invalid-input');

  const m = store.createModel({
    id: 'pc-1',
    kind: 'patchcore',
    productId: 'screw',
    artifactPath: '/m/pc-1',
    backbone: 'mobilenet_v2_imagenet',
    trainInfo: { images: 100, layers: ['a', 'b'] },
    metrics: { auroc: 0.97 },
  });
  assert.deepEqual(m.trainInfo, { images: 100, layers: ['a', 'b'] });
  assert.deepEqual(m.metrics, { auroc: 0.97 });
  const unknown = faultOf(() =>
    store.createModel({ kind: 'patchcore', productId: 'bolt', artifactPath: '/x', backbone: 'b' }),
  );
  assert.equal(unknown.kind, 'invalid-input');
  assert.match(unknown.message, /unknown product "bolt"/);
  assert.equal(
    faultOf(() => store.createModel({ kind: 'yolo' as 'detector', productId: 'screw', artifactPath: '/x', backbone: 'b' })).kind,
    'invalid-input',
  );
  const other = store.createModel({ id: 'nut-model', kind: 'detector', productId: generated.id, artifactPath: '/n', backbone: 'b' });

  assert.equal(store.updateProduct('screw', { activeModelId: 'pc-1' }).activeModelId, 'pc-1');
  assert.match(faultOf(() => store.updateProduct('screw', { activeModelId: other.id })).message, /belongs to product/);
  assert.equal(faultOf(() => store.updateProduct('nope', { name: 'x' })).kind, 'not-found');
  assert.equal(store.updateProduct('screw', { name: 'M6 screw v2' }).activeModelId, 'pc-1', 'a patch keeps other fields');

  const updated = store.updateModel('pc-1', { metrics: { auroc: 0.99 }, name: 'first' });
  assert.deepEqual(updated.metrics, { auroc: 0.99 });
  assert.equal(updated.name, 'first');
  assert.deepEqual(updated.trainInfo, m.trainInfo);
  assert.deepEqual(
    store.listModels({ productId: 'screw' }).map((x) => x.id),
    ['pc-1'],
  );
  assert.deepEqual(
    store.listModels({ kind: 'detector' }).map((x) => x.id),
    ['nut-model'],
  );

  store.recordInspection(inspection(1));
  const refd = faultOf(() => store.deleteModel('pc-1'));
  assert.equal(refd.kind, 'invalid-input');
  assert.match(refd.message, /still referenced/);
  assert.match(faultOf(() => store.deleteProduct('screw')).message, /still referenced/);
  // Deleting an active model clears it on the product.
  store.updateProduct(generated.id, { activeModelId: 'nut-model' });
  store.deleteModel('nut-model');
  assert.equal(store.getProduct(generated.id)!.activeModelId, null);
  store.deleteProduct(generated.id);
  assert.equal(store.getProduct(generated.id), null);
  assert.equal(faultOf(() => store.deleteProduct(generated.id)).kind, 'not-found');
  assert.deepEqual(
    store.listProducts().map((x) => x.id),
    ['screw'],
  );
});

test('recordInspection validates, and queryInspections filters and pages by keyset without gaps or repeats', (t) => {
  const store = openStore(join(tempDir(t), 's.db'));
  t.after(() => store.close());
  seed(store);
  store.createModel({ id: 'pc-2', kind: 'patchcore', productId: 'screw', artifactPath: '/m/2', backbone: 'b' });
  const rows = store.recordInspections(
    Array.from({ length: 250 }, (_, i) => inspection(i, i % 5 === 0 ? { modelId: 'pc-2' } : {})),
  );
  assert.equal(rows.length, 250);
  assert.deepEqual(rows[7].boxes, [{ x: 7, y: 10, w: 20, h: 30, score: 0.7, label: 'scratch' }]);
  const one = store.recordInspection(inspection(1000, { time: '2026-01-02T10:00:00+02:00' }));
  assert.equal(one.time, '2026-01-02T08:00:00.000Z', 'times are normalised to UTC with milliseconds');
  assert.deepEqual(store.getInspection(one.id), one);

  for (const bad of [
    { score: Number.NaN },
    { verdict: 'MAYBE' },
    { time: 'yesterday' },
    { latencyMs: -1 },
    { sourceId: '' },
    { boxes: [{ x: 1 }] },
  ]) {
    assert.equal(faultOf(() => store.recordInspection({ ...inspection(1), ...bad } as never)).kind, 'invalid-input', JSON.stringify(bad));
  }
  const missingModel = faultOf(() => store.recordInspection(inspection(1, { modelId: 'ghost' })));
  assert.match(missingModel.message, /unknown model "ghost"/);
  // A failing batch is all-or-nothing.
  assert.throws(() => store.recordInspections([inspection(1), inspection(2, { modelId: 'ghost' })]));
  assert.equal(store.countInspections(), 251);

  const ng = store.countInspections({ verdict: 'NG' });
  assert.equal(ng, 125 + 0 /* 1000 % 10 = 0 -> OK */);
  assert.equal(store.countInspections({ modelId: 'pc-2' }), 50);
  assert.equal(store.countInspections({ modelId: 'pc-2', verdict: 'NG' }), 25);
  const from = inspection(100).time!;
  const to = inspection(150).time!;
  assert.equal(store.countInspections({ from, to }), 50, 'from inclusive, to exclusive');
  assert.equal(store.countInspections({ sourceId: 'cam-1' }), 125);

  // Keyset pagination over NG rows, newest first.
  const seen: number[] = [];
  let beforeId: number | undefined;
  let pages = 0;
  for (;;) {
    const page = store.queryInspections({ verdict: 'NG', limit: 40, beforeId });
    pages += 1;
    for (const r of page.items) assert.equal(r.verdict, 'NG');
    seen.push(...page.items.map((r) => r.id));
    if (page.nextBeforeId === null) break;
    beforeId = page.nextBeforeId;
  }
  assert.equal(pages, Math.ceil(ng / 40));
  assert.equal(seen.length, ng);
  assert.equal(new Set(seen).size, ng);
  assert.deepEqual(seen, [...seen].sort((a, b) => b - a));
  // Exactly-full last page says there is no next page.
  assert.equal(store.queryInspections({ modelId: 'pc-2', limit: 50 }).nextBeforeId, null);
  assert.equal(faultOf(() => store.queryInspections({ limit: 0 })).kind, 'invalid-input');

  // The query plan for the log's filters uses the indices.
  const raw = new Database(store.path, { readonly: true });
  const plan = (sql: string) =>
    (raw.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((r) => r.detail).join(' | ');
  assert.match(plan("SELECT * FROM inspections WHERE verdict = 'NG' AND id < 100 ORDER BY id DESC LIMIT 50"), /inspections_verdict/);
  assert.match(plan("SELECT * FROM inspections WHERE model_id = 'pc-2' ORDER BY id DESC LIMIT 50"), /inspections_model/);
  assert.match(plan("SELECT count(*) FROM inspections WHERE time >= '2026' AND time < '2027'"), /inspections_time/);
  raw.close();
});

test('iterateInspections streams in order and leaves the store writable meanwhile', (t) => {
  const store = openStore(join(tempDir(t), 's.db'));
  t.after(() => store.close());
  seed(store);
  store.recordInspections(Array.from({ length: 300 }, (_, i) => inspection(i)));
  let n = 0;
  let last = 0;
  for (const r of store.iterateInspections({ verdict: 'OK' })) {
    assert.ok(r.id > last);
    last = r.id;
    if (n === 0) store.recordInspection(inspection(3)); // main connection is not blocked by the cursor
    n += 1;
  }
  assert.equal(n, 150, 'the cursor sees the snapshot taken when it started');
  assert.equal(store.countInspections({ verdict: 'OK' }), 151);
  const desc = [...store.iterateInspections({ afterId: 295 }, 'desc')].map((r) => r.id);
  assert.deepEqual(desc, [301, 300, 299, 298, 297, 296]);
  // Breaking out early releases the cursor's connection.
  for (const _ of store.iterateInspections()) break;
  assert.equal(store.recordInspection(inspection(6)).id, 302);
});

test('setThreshold writes the current value and its history row together; resolveThreshold prefers the product', (t) => {
  const store = openStore(join(tempDir(t), 's.db'));
  t.after(() => store.close());
  seed(store);
  store.updateProduct('screw', { activeModelId: 'pc-1' });
  assert.equal(store.resolveThreshold('screw'), null);
  const h1 = store.setThreshold({ modelId: 'pc-1', value: 0.42, who: 'system', why: 'calibrated on 20 good images' });
  assert.equal(h1.oldValue, null);
  assert.equal(h1.newValue, 0.42);
  assert.equal(h1.modelId, 'pc-1');
  assert.equal(h1.productId, null);
  assert.deepEqual(store.resolveThreshold('screw'), { value: 0.42, source: 'model', modelId: 'pc-1' });
  store.setThreshold({ productId: 'screw', value: 0.5, who: 'anna', why: 'too many false NG' });
  const h3 = store.setThreshold({ productId: 'screw', value: 0.55, who: 'ben', why: 'night shift lighting' });
  assert.equal(h3.oldValue, 0.5);
  assert.equal(store.getThreshold({ productId: 'screw' }), 0.55);
  assert.equal(store.getProduct('screw')!.threshold, 0.55);
  assert.equal(store.getThreshold({ modelId: 'pc-1' }), 0.42);
  assert.deepEqual(store.resolveThreshold('screw'), { value: 0.55, source: 'product', modelId: 'pc-1' });
  const hist = store.thresholdHistory({ productId: 'screw' });
  assert.deepEqual(
    hist.map((h) => [h.oldValue, h.newValue, h.who, h.why]),
    [
      [0.5, 0.55, 'ben', 'night shift lighting'],
      [null, 0.5, 'anna', 'too many false NG'],
    ],
  );
  assert.equal(store.thresholdHistory({ modelId: 'pc-1' }).length, 1);

  // Invalid changes leave both the value and the history untouched.
  for (const bad of [
    { productId: 'screw', value: Number.POSITIVE_INFINITY, who: 'x', why: 'y' },
    { productId: 'screw', value: 0.6, who: '', why: 'y' },
    { productId: 'screw', value: 0.6, who: 'x', why: '' },
    { productId: 'screw', modelId: 'pc-1', value: 0.6, who: 'x', why: 'y' },
  ]) {
    assert.equal(faultOf(() => store.setThreshold(bad as never)).kind, 'invalid-input', JSON.stringify(bad));
  }
  assert.equal(faultOf(() => store.setThreshold({ productId: 'bolt', value: 1, who: 'x', why: 'y' })).kind, 'not-found');
  assert.equal(store.thresholdHistory({ productId: 'screw' }).length, 2);
  assert.equal(store.getThreshold({ productId: 'screw' }), 0.55);
});

test('setThreshold rolls back the value when the history row cannot be written', (t) => {
  const path = join(tempDir(t), 's.db');
  const store = openStore(path);
  t.after(() => store.close());
  seed(store);
  store.setThreshold({ productId: 'screw', value: 0.5, who: 'anna', why: 'start' });
  // Make the history insert fail from another connection: the UPDATE in the same transaction must not stick.
  const raw = new Database(path);
  raw.exec(`CREATE TRIGGER no_history BEFORE INSERT ON threshold_history BEGIN SELECT RAISE(ABORT, 'history is frozen'); END`);
  raw.close();
  assert.throws(() => store.setThreshold({ productId: 'screw', value: 0.9, who: 'anna', why: 'test' }), /history is frozen/);
  assert.equal(store.getThreshold({ productId: 'screw' }), 0.5);
  assert.equal(store.thresholdHistory({ productId: 'screw' }).length, 1);
});

test('evaluations, datasets and annotations', (t) => {
  const store = openStore(join(tempDir(t), 's.db'));
  t.after(() => store.close());
  seed(store);
  const ds = store.createDataset({ id: 'mvtec-screw', productId: 'screw', path: '../shared/datasets/mvtec-screw', manifest: { layout: 'mvtec', train: 100 } });
  assert.deepEqual(ds.manifest, { layout: 'mvtec', train: 100 });
  assert.equal(store.updateDataset('mvtec-screw', { name: 'MVTec screw' }).name, 'MVTec screw');
  assert.deepEqual(
    store.listDatasets({ productId: 'screw' }).map((d) => d.id),
    ['mvtec-screw'],
  );
  const perImage = [
    { path: 'test/good/000.png', score: 0.1, label: 'good' },
    { path: 'test/scratch_head/001.png', score: 0.9, label: 'scratch_head', mapAuroc: 0.8 },
  ];
  const ev = store.recordEvaluation({ modelId: 'pc-1', datasetId: 'mvtec-screw', metrics: { imageAuroc: 0.95 }, perImage });
  assert.equal(ev.imageCount, 2);
  assert.deepEqual(ev.perImage, perImage, 'extra per-image keys are kept');
  store.recordEvaluation({ modelId: 'pc-1', metrics: { imageAuroc: 0.96 }, perImage: [] });
  const list = store.listEvaluations({ modelId: 'pc-1' });
  assert.deepEqual(
    list.map((e) => e.metrics.imageAuroc),
    [0.96, 0.95],
  );
  assert.equal('perImage' in list[0], false, 'listing leaves the per-image scores out');
  assert.deepEqual(store.getEvaluation(ev.id)!.perImage, perImage);
  assert.equal(store.listEvaluations({ datasetId: 'mvtec-screw' }).length, 1);
  assert.match(faultOf(() => store.recordEvaluation({ modelId: 'ghost', metrics: {}, perImage: [] })).message, /unknown model/);
  assert.equal(faultOf(() => store.recordEvaluation({ modelId: 'pc-1', metrics: { n: 1n } as never, perImage: [] })).kind, 'invalid-input');

  const a1 = store.saveAnnotation({ imagePath: '/img/1.png', datasetId: 'mvtec-screw', boxes: [{ x: 1, y: 2, w: 3, h: 4, label: 'scratch' }] });
  const a2 = store.saveAnnotation({ imagePath: '/img/1.png', datasetId: 'mvtec-screw', boxes: [{ x: 5, y: 6, w: 7, h: 8, label: 'thread' }] });
  assert.equal(a2.id, a1.id, 'saving again replaces the annotation of that image');
  assert.equal(a2.createdAt, a1.createdAt);
  assert.deepEqual(store.getAnnotation('/img/1.png')!.boxes, [{ x: 5, y: 6, w: 7, h: 8, label: 'thread' }]);
  store.saveAnnotation({ imagePath: '/img/2.png', boxes: [] });
  assert.equal(store.listAnnotations({ datasetId: 'mvtec-screw' }).length, 1);
  assert.equal(store.listAnnotations().length, 2);
  assert.equal(faultOf(() => store.saveAnnotation({ imagePath: '/img/3.png', boxes: [{ x: 0, y: 0, w: 1, h: 1, label: '' }] })).kind, 'invalid-input');
  assert.equal(store.deleteAnnotation('/img/2.png'), true);
  assert.equal(store.deleteAnnotation('/img/2.png'), false);
  // Deleting the dataset drops its annotations and unlinks its evaluations.
  store.deleteDataset('mvtec-screw');
  assert.equal(store.listAnnotations().length, 0);
  assert.equal(store.getEvaluation(ev.id)!.datasetId, null);
});

test('a garbage file gives a clear io fault naming the file, and is left untouched', (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'station.db');
  const junk = randomBytes(64 * 1024);
  writeFileSync(path, junk);
  const f = faultOf(() => openStore(path));
  assert.equal(f.kind, 'io');
  assert.ok(f.message.includes(path), f.message);
  assert.match(f.message, /not a station database/);
  assert.deepEqual(readFileSync(path), junk);

  // A real SQLite header over garbage pages: SQLite itself reports it, still mapped to a clear fault.
  const fake = Buffer.concat([Buffer.from('SQLite format 3\0', 'latin1'), randomBytes(8192)]);
  const path2 = join(dir, 'half.db');
  writeFileSync(path2, fake);
  const f2 = faultOf(() => openStore(path2));
  assert.equal(f2.kind, 'io');
  assert.ok(f2.message.includes(path2), f2.message);

  // Some other program's SQLite database is not adopted.
  const foreign = join(dir, 'other.db');
  const raw = new Database(foreign);
  raw.exec('CREATE TABLE contacts (name TEXT)');
  raw.close();
  const f3 = faultOf(() => openStore(foreign));
  assert.equal(f3.kind, 'io');
  assert.match(f3.message, /not a station database/);
  const check = new Database(foreign, { readonly: true });
  assert.deepEqual(check.prepare(`SELECT name FROM sqlite_schema`).pluck().all(), ['contacts']);
  assert.equal(check.pragma('journal_mode', { simple: true }), 'delete', 'its journal mode is left alone');
  check.close();

  // A folder where the file should be.
  mkdirSync(join(dir, 'folder.db'));
  assert.equal(faultOf(() => openStore(join(dir, 'folder.db'))).kind, 'io');
});

test('a read-only location gives an io fault', (t) => {
  const isRoot = process.getuid?.() === 0;
  if (!isRoot) {
    // Permission bits only stop non-root users.
    const dir = tempDir(t);
    const ro = join(dir, 'ro');
    mkdirSync(ro);
    const existing = openStore(join(ro, 'old.db'));
    existing.close();
    chmodSync(join(ro, 'old.db'), 0o444);
    chmodSync(ro, 0o555);
    try {
      const f1 = faultOf(() => openStore(join(ro, 'new.db')));
      assert.equal(f1.kind, 'io', f1.message);
      const f2 = faultOf(() => openStore(join(ro, 'old.db')));
      assert.equal(f2.kind, 'io', f2.message);
      assert.match(f2.message, /read-only/);
      const f3 = faultOf(() => openStore(join(ro, 'sub', 'new.db')));
      assert.equal(f3.kind, 'io', f3.message);
    } finally {
      chmodSync(ro, 0o755); // so the temp folder can be removed
    }
  } else if (existsSync('/sys/kernel')) {
    // Root ignores permission bits; sysfs refuses file creation even to root.
    const f1 = faultOf(() => openStore('/sys/kernel/station-test.db'));
    assert.equal(f1.kind, 'io', f1.message);
    const f2 = faultOf(() => openStore(`/sys/station-test-${process.pid}/store.db`));
    assert.equal(f2.kind, 'io', f2.message);
  } else if (inCi()) {
    assert.fail('CI runs as root without /sys: no read-only place to check the store against');
  } else {
    t.skip('running as root without a read-only filesystem to try');
  }
});

test('disk full (SQLITE_FULL) maps to io, and the failed write loses nothing committed', (t) => {
  const path = join(tempDir(t), 's.db');
  const store = openStore(path);
  t.after(() => store.close());
  seed(store);
  store.recordInspections(Array.from({ length: 20 }, (_, i) => inspection(i)));
  // Cap the file from a raw connection to provoke a real SQLITE_FULL, then check the store's mapping.
  const raw = new Database(path);
  const pages = raw.pragma('page_count', { simple: true }) as number;
  raw.pragma(`max_page_count = ${pages}`);
  let err: unknown;
  try {
    raw.transaction(() => {
      for (let i = 0; i < 100; i++) {
        raw.prepare(`INSERT INTO products (id, name, created_at, updated_at) VALUES (?, ?, 'x', 'x')`).run(`p${i}`, 'x'.repeat(3000));
      }
    })();
  } catch (e) {
    err = e;
  }
  raw.close();
  assert.equal((err as { code?: string }).code, 'SQLITE_FULL');
  const f = toStoreFault(err, path, 'record inspection');
  assert.equal(f.kind, 'io');
  assert.match(f.message, /disk full/);
  assert.ok(f.message.includes(path));
  assert.equal(store.countInspections(), 20);
  assert.equal(store.listProducts().length, 1);
});

test('a database from a newer station is refused, and a closed store says so', (t) => {
  const path = join(tempDir(t), 's.db');
  openStore(path).close();
  const raw = new Database(path);
  raw.pragma(`user_version = ${LATEST_VERSION + 1}`);
  raw.close();
  const f = faultOf(() => openStore(path));
  assert.equal(f.kind, 'invalid-input');
  assert.match(f.message, /newer than this station supports/);

  const store = openStore(join(tempDir(t), 'b.db'));
  store.close();
  store.close(); // idempotent
  assert.match(faultOf(() => store.listProducts()).message, /closed/);
  assert.equal(faultOf(() => openStore(':memory:')).kind, 'invalid-input');
});
