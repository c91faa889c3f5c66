/**
 * One test per migration, Signal-style: migrate to N-1, insert data the old way, migrate to N,
 * check the data survived (and was transformed where N does so) and the new schema is there.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { LATEST_VERSION, MIGRATIONS, migrate, schemaVersion } from '../../main/store/migrations/index.js';
import { openStore } from '../../main/store/store.js';
import { tempDir } from './helpers.js';

type DB = Database.Database;

function freshDb(t: { after(fn: () => void): void }): DB {
  const db = new Database(join(tempDir(t), 'm.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  t.after(() => db.close());
  return db;
}

const tables = (db: DB) =>
  (db.prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`).pluck().all() as string[]);
const indices = (db: DB, table: string) =>
  (db.prepare(`SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = ? AND name NOT LIKE 'sqlite_%' ORDER BY name`).pluck().all(table) as string[]);
const columns = (db: DB, table: string) => (db.prepare(`SELECT name FROM pragma_table_info(?)`).pluck().all(table) as string[]);

test('migrations are numbered 1..N without gaps, and the runner is idempotent', (t) => {
  assert.deepEqual(
    MIGRATIONS.map((m) => m.version),
    Array.from({ length: MIGRATIONS.length }, (_, i) => i + 1),
  );
  assert.equal(LATEST_VERSION, MIGRATIONS.length);
  const db = freshDb(t);
  assert.equal(schemaVersion(db), 0);
  assert.equal(migrate(db), LATEST_VERSION);
  const before = db.prepare('SELECT sql FROM sqlite_schema ORDER BY name').pluck().all();
  assert.equal(migrate(db), LATEST_VERSION);
  assert.deepEqual(db.prepare('SELECT sql FROM sqlite_schema ORDER BY name').pluck().all(), before);
  assert.equal(db.pragma('foreign_keys', { simple: true }), 1, 'foreign keys are back on after migrating');
});

test('a failing migration rolls back completely and leaves user_version where it was', (t) => {
  const db = freshDb(t);
  migrate(db, 1);
  db.exec(`CREATE TABLE threshold_history (x INTEGER)`); // collides with what 0002 creates
  assert.throws(() => migrate(db, 2), /already exists/);
  assert.equal(schemaVersion(db), 1);
  assert.deepEqual(columns(db, 'threshold_history'), ['x']);
});

test('0001-initial: creates products, models, datasets, inspections with their indices and constraints', (t) => {
  const db = freshDb(t);
  assert.equal(migrate(db, 1), 1);
  assert.deepEqual(
    tables(db).filter((n) => n !== 'sqlite_sequence'),
    ['datasets', 'inspections', 'models', 'products'],
  );
  assert.deepEqual(indices(db, 'inspections'), ['inspections_model', 'inspections_product', 'inspections_time', 'inspections_verdict']);
  assert.deepEqual(columns(db, 'inspections'), [
    'id',
    'time',
    'source_id',
    'source_name',
    'product_id',
    'model_id',
    'score',
    'threshold',
    'verdict',
    'boxes',
    'frame_path',
    'heatmap_path',
    'latency_ms',
    'execution_provider',
  ]);
  db.prepare(`INSERT INTO products (id, name, created_at, updated_at) VALUES ('p', 'P', 't', 't')`).run();
  db.prepare(`INSERT INTO models (id, kind, product_id, artifact_path, backbone, created_at) VALUES ('m', 'patchcore', 'p', '/a', 'b', 't')`).run();
  const ins = db.prepare(
    `INSERT INTO inspections (time, source_id, product_id, model_id, score, threshold, verdict, latency_ms, execution_provider)
     VALUES ('t', 's', 'p', ?, 0.5, 0.4, ?, 1, 'cpu')`,
  );
  ins.run('m', 'NG');
  assert.throws(() => ins.run('m', 'MAYBE'), /CHECK constraint/);
  assert.throws(() => ins.run('ghost', 'OK'), /FOREIGN KEY/);
  assert.throws(() => db.prepare(`INSERT INTO models (id, kind, product_id, artifact_path, backbone, created_at) VALUES ('x', 'svm', 'p', '/a', 'b', 't')`).run(), /CHECK/);
  // STRICT tables refuse a string where a number belongs.
  assert.throws(() => db.prepare(`UPDATE inspections SET score = 'high'`).run(), /cannot store TEXT value in REAL column/);
});

test('0002-threshold-history: existing thresholds become the first history entries', (t) => {
  const db = freshDb(t);
  migrate(db, 1);
  db.exec(`
    INSERT INTO products (id, name, threshold, created_at, updated_at) VALUES
      ('screw', 'Screw', 0.7, '2026-01-01T00:00:00.000Z', '2026-01-05T00:00:00.000Z'),
      ('nut', 'Nut', NULL, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z');
    INSERT INTO models (id, kind, product_id, artifact_path, backbone, created_at, threshold) VALUES
      ('pc-1', 'patchcore', 'screw', '/a', 'b', '2026-01-02T00:00:00.000Z', 0.42),
      ('pc-2', 'patchcore', 'screw', '/a', 'b', '2026-01-03T00:00:00.000Z', NULL);
    UPDATE products SET active_model_id = 'pc-1' WHERE id = 'screw';
  `);
  assert.equal(migrate(db, 2), 2);
  assert.ok(tables(db).includes('threshold_history'));
  assert.deepEqual(indices(db, 'threshold_history'), ['threshold_history_model', 'threshold_history_product']);
  const hist = db.prepare(`SELECT product_id, model_id, old_value, new_value, changed_at, who FROM threshold_history ORDER BY id`).all();
  assert.deepEqual(hist, [
    { product_id: 'screw', model_id: null, old_value: null, new_value: 0.7, changed_at: '2026-01-05T00:00:00.000Z', who: 'migration' },
    { product_id: null, model_id: 'pc-1', old_value: null, new_value: 0.42, changed_at: '2026-01-02T00:00:00.000Z', who: 'migration' },
  ]);
  // Old data untouched.
  assert.deepEqual(db.prepare(`SELECT id, threshold, active_model_id FROM products ORDER BY id`).all(), [
    { id: 'nut', threshold: null, active_model_id: null },
    { id: 'screw', threshold: 0.7, active_model_id: 'pc-1' },
  ]);
  // A history row belongs to exactly one of product / model.
  assert.throws(
    () => db.prepare(`INSERT INTO threshold_history (product_id, model_id, new_value, changed_at, who, why) VALUES ('screw', 'pc-1', 1, 't', 'w', 'y')`).run(),
    /CHECK/,
  );
  assert.throws(
    () => db.prepare(`INSERT INTO threshold_history (product_id, model_id, new_value, changed_at, who, why) VALUES (NULL, NULL, 1, 't', 'w', 'y')`).run(),
    /CHECK/,
  );
});

test('0003-evaluations-annotations: adds the tables, keeps the log, and the store API works on a migrated file', (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'old.db');
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  migrate(db, 2);
  db.exec(`
    INSERT INTO products (id, name, created_at, updated_at) VALUES ('screw', 'Screw', 't', 't');
    INSERT INTO models (id, kind, product_id, artifact_path, backbone, created_at) VALUES ('pc-1', 'patchcore', 'screw', '/a', 'b', 't');
    INSERT INTO datasets (id, path, created_at) VALUES ('ds', '/data', 't');
    INSERT INTO inspections (time, source_id, product_id, model_id, score, threshold, verdict, latency_ms, execution_provider)
      VALUES ('2026-01-01T00:00:00.000Z', 'cam', 'screw', 'pc-1', 0.9, 0.5, 'NG', 3, 'cpu');
    INSERT INTO threshold_history (product_id, new_value, changed_at, who, why) VALUES ('screw', 0.5, 't', 'anna', 'start');
  `);
  db.close();

  // The real entry point performs the last step.
  const store = openStore(path);
  t.after(() => store.close());
  assert.equal(store.schemaVersion, LATEST_VERSION);
  assert.equal(store.countInspections({ verdict: 'NG' }), 1);
  assert.equal(store.thresholdHistory({ productId: 'screw' })[0].who, 'anna');
  const ev = store.recordEvaluation({ modelId: 'pc-1', datasetId: 'ds', metrics: { auroc: 1 }, perImage: [{ path: 'a.png', score: 1 }] });
  assert.equal(store.listEvaluations()[0].id, ev.id);
  store.saveAnnotation({ imagePath: '/data/a.png', datasetId: 'ds', boxes: [{ x: 0, y: 0, w: 1, h: 1, label: 'scratch' }] });

  const raw = new Database(path, { readonly: true });
  t.after(() => raw.close());
  assert.ok(tables(raw).includes('evaluations'));
  assert.ok(tables(raw).includes('annotations'));
  assert.deepEqual(indices(raw, 'evaluations'), ['evaluations_dataset', 'evaluations_model']);
  assert.deepEqual(raw.prepare('SELECT count(*) FROM annotations').pluck().get(), 1);
});

test('0004-log-at-scale: composite indexes replace the single-column ones, counts are backfilled and kept by triggers', (t) => {
  const db = freshDb(t);
  migrate(db, 3);
  db.exec(`
    INSERT INTO products (id, name, created_at, updated_at) VALUES ('screw', 'Screw', 't', 't');
    INSERT INTO models (id, kind, product_id, artifact_path, backbone, created_at) VALUES ('pc-1', 'patchcore', 'screw', '/a', 'b', 't');
  `);
  const ins = db.prepare(
    `INSERT INTO inspections (time, source_id, product_id, model_id, score, threshold, verdict, latency_ms, execution_provider)
     VALUES (?, ?, 'screw', 'pc-1', 0.5, 0.4, ?, 1, 'cpu')`,
  );
  ins.run('2026-01-01T10:00:00.000Z', 'cam-a', 'NG');
  ins.run('2026-01-01T10:30:00.000Z', 'cam-a', 'OK');
  ins.run('2026-01-01T11:00:00.000Z', 'cam-b', 'OK');
  ins.run('2026-01-02T00:00:00.000Z', 'cam-a', 'OK');
  assert.equal(migrate(db, 4), 4);
  assert.deepEqual(indices(db, 'inspections'), [
    'inspections_model_time',
    'inspections_model_verdict_time',
    'inspections_source_time',
    'inspections_time',
    'inspections_verdict_time',
  ]);
  const counts = () =>
    db.prepare(`SELECT span, bucket, verdict, source_id, n FROM inspection_counts ORDER BY span, bucket, verdict, source_id`).all();
  assert.deepEqual(counts(), [
    { span: 10, bucket: '2026-01-01', verdict: 'NG', source_id: 'cam-a', n: 1 },
    { span: 10, bucket: '2026-01-01', verdict: 'OK', source_id: 'cam-a', n: 1 },
    { span: 10, bucket: '2026-01-01', verdict: 'OK', source_id: 'cam-b', n: 1 },
    { span: 10, bucket: '2026-01-02', verdict: 'OK', source_id: 'cam-a', n: 1 },
    { span: 13, bucket: '2026-01-01T10', verdict: 'NG', source_id: 'cam-a', n: 1 },
    { span: 13, bucket: '2026-01-01T10', verdict: 'OK', source_id: 'cam-a', n: 1 },
    { span: 13, bucket: '2026-01-01T11', verdict: 'OK', source_id: 'cam-b', n: 1 },
    { span: 13, bucket: '2026-01-02T00', verdict: 'OK', source_id: 'cam-a', n: 1 },
  ]);
  // Insert, update and delete keep the summary in the same transaction; empty buckets disappear.
  ins.run('2026-01-01T10:59:59.999Z', 'cam-a', 'OK');
  db.prepare(`UPDATE inspections SET verdict = 'OK' WHERE verdict = 'NG'`).run();
  db.prepare(`DELETE FROM inspections WHERE source_id = 'cam-b'`).run();
  assert.deepEqual(counts(), [
    { span: 10, bucket: '2026-01-01', verdict: 'OK', source_id: 'cam-a', n: 3 },
    { span: 10, bucket: '2026-01-02', verdict: 'OK', source_id: 'cam-a', n: 1 },
    { span: 13, bucket: '2026-01-01T10', verdict: 'OK', source_id: 'cam-a', n: 3 },
    { span: 13, bucket: '2026-01-02T00', verdict: 'OK', source_id: 'cam-a', n: 1 },
  ]);
  assert.deepEqual(
    db.prepare(`SELECT name FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = 'inspections' ORDER BY name`).pluck().all(),
    ['inspections_count_delete', 'inspections_count_insert', 'inspections_count_update'],
  );
});
