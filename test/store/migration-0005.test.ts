/**
 * 0005-line-queue: the log takes ERROR verdicts and the line columns without copying the table, the rows and the
 * summary triggers of 0004 survive, and the durable queue gives every part exactly one row.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { migrate } from '../../main/store/migrations/index.js';
import { openStore } from '../../main/store/store.js';
import { tempDir } from './helpers.js';

test('0005-line-queue: ERROR verdicts, line columns, queue/products/settings tables; old rows and counts intact', (t) => {
  const path = join(tempDir(t), 'old.db');
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  migrate(db, 4);
  db.exec(`
    INSERT INTO products (id, name, created_at, updated_at) VALUES ('screw', 'Screw', 't', 't');
    INSERT INTO models (id, kind, product_id, artifact_path, backbone, created_at) VALUES ('pc-1', 'patchcore', 'screw', '/a', 'b', 't');
    INSERT INTO inspections (time, source_id, product_id, model_id, score, threshold, verdict, latency_ms, execution_provider)
      VALUES ('2026-01-01T00:00:00.000Z', 'cam', 'screw', 'pc-1', 0.9, 0.5, 'NG', 3, 'cpu'),
             ('2026-01-01T00:00:01.000Z', 'cam', 'screw', 'pc-1', 0.1, 0.5, 'OK', 3, 'cpu');
    DELETE FROM inspections WHERE id = 2; -- AUTOINCREMENT: id 2 must never come back
  `);
  assert.throws(
    () => db.prepare(`INSERT INTO inspections (time, source_id, product_id, model_id, score, threshold, verdict, latency_ms, execution_provider) VALUES ('t', 's', 'screw', 'pc-1', 0, 0.5, 'ERROR', 1, 'cpu')`).run(),
    /CHECK constraint/,
  );
  const indexesBefore = db.prepare(`SELECT name FROM sqlite_schema WHERE tbl_name = 'inspections' AND type IN ('index', 'trigger') ORDER BY name`).pluck().all();
  assert.equal(migrate(db, 5), 5);
  assert.deepEqual(db.pragma('integrity_check', { simple: true }), 'ok');
  // Indexes and 0004's summary triggers are untouched by the in-place CHECK change.
  assert.deepEqual(db.prepare(`SELECT name FROM sqlite_schema WHERE tbl_name = 'inspections' AND type IN ('index', 'trigger') ORDER BY name`).pluck().all(), indexesBefore);
  assert.deepEqual(db.prepare(`SELECT id, verdict, part_id, lot_name, product_index, error_code, error_message FROM inspections`).all(), [
    { id: 1, verdict: 'NG', part_id: '', lot_name: '', product_index: 0, error_code: 0, error_message: null },
  ]);
  for (const table of ['line_queue', 'line_products', 'station_settings']) {
    assert.equal(db.prepare(`SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?`).pluck().get(table), 1, table);
  }
  // Still strict and still checked: other verdicts are refused.
  assert.throws(
    () => db.prepare(`INSERT INTO inspections (time, source_id, product_id, model_id, score, threshold, verdict, latency_ms, execution_provider) VALUES ('t', 's', 'screw', 'pc-1', 0, 0.5, 'MAYBE', 1, 'cpu')`).run(),
    /CHECK constraint/,
  );
  db.close();

  const store = openStore(path);
  t.after(() => store.close());
  assert.ok(store.schemaVersion >= 5, `schema ${store.schemaVersion}`);
  const a = store.enqueueLinePart({ sourceKey: 'hotfolder:/x', partKey: 'a.png|10|1', partId: 'a.png', path: '/x/a.png', lotName: 'L1' });
  assert.ok(a);
  assert.equal(store.enqueueLinePart({ sourceKey: 'hotfolder:/x', partKey: 'a.png|10|1', partId: 'a.png', path: '/x/a.png' }), null, 'a known part is not queued twice');
  const b = store.enqueueLinePart({ sourceKey: 'hotfolder:/x', partKey: 'b.png|10|1', partId: 'b.png', path: '/x/b.png' })!;
  assert.deepEqual(store.pendingLineParts(10).map((p) => p.partId), ['a.png', 'b.png']);
  const err = store.completeLinePart(a!.id, {
    sourceId: 'x', productId: 'screw', modelId: 'pc-1', score: 0, threshold: 0.5, verdict: 'ERROR', latencyMs: 1, executionProvider: 'cpu',
    partId: 'a.png', lotName: 'L1', errorCode: 1, errorMessage: 'corrupt image',
  });
  assert.equal(err.id, 3, 'row ids continue after the highest ever used');
  assert.deepEqual([err.verdict, err.partId, err.lotName, err.errorCode, err.errorMessage], ['ERROR', 'a.png', 'L1', 1, 'corrupt image']);
  assert.throws(() => store.completeLinePart(a!.id, { sourceId: 'x', productId: 'screw', modelId: 'pc-1', score: 0, threshold: 0.5, verdict: 'OK', latencyMs: 1, executionProvider: 'cpu' }), /already has its log row/);
  assert.equal(store.countPendingLineParts(), 1);
  assert.equal(store.pendingLineParts(10)[0].id, b.id);
  assert.equal(store.countInspections({ verdict: 'ERROR' }), 1);
  assert.ok(store.lineSourceKnown('hotfolder:/x'));
  assert.ok(!store.lineSourceKnown('hotfolder:/y'));
  assert.equal(store.setLineProduct(3, 'pc-1', 'M6').modelId, 'pc-1');
  assert.throws(() => store.setLineProduct(4, 'ghost'), /unknown model "ghost"/);
  assert.deepEqual(store.listLineProducts().map((p) => p.productIndex), [3]);
  store.setSetting('line.last', { spec: { kind: 'hotfolder' } });
  assert.deepEqual(store.getSetting('line.last'), { spec: { kind: 'hotfolder' } });
  store.setSetting('line.last', null);
  assert.equal(store.getSetting('line.last'), null);
  assert.equal(store.pruneLineParts('9999'), 1, 'done parts can be forgotten');
});
