/** 0006-line-delivery: the adapters' store-and-forward cursors; the log is untouched, cursors survive a reopen. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { migrate } from '../../main/store/migrations/index.js';
import { openStore } from '../../main/store/store.js';
import { tempDir } from './helpers.js';

test('0006-line-delivery: creates line_delivery, keeps the log; the store reads and writes cursors that survive a reopen', (t) => {
  const path = join(tempDir(t), 'old.db');
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  migrate(db, 5);
  db.exec(`
    INSERT INTO products (id, name, created_at, updated_at) VALUES ('screw', 'Screw', 't', 't');
    INSERT INTO models (id, kind, product_id, artifact_path, backbone, created_at) VALUES ('pc-1', 'patchcore', 'screw', '/a', 'b', 't');
    INSERT INTO inspections (time, source_id, product_id, model_id, score, threshold, verdict, latency_ms, execution_provider)
      VALUES ('2026-01-01T00:00:00.000Z', 'cam', 'screw', 'pc-1', 0.9, 0.5, 'NG', 3, 'cpu');
  `);
  assert.equal(db.prepare(`SELECT count(*) FROM sqlite_schema WHERE name = 'line_delivery'`).pluck().get(), 0);
  assert.equal(migrate(db, 6), 6);
  assert.deepEqual(db.prepare(`SELECT name FROM pragma_table_info('line_delivery')`).pluck().all(), ['adapter', 'last_sequence', 'updated_at']);
  assert.deepEqual(db.prepare('SELECT id, verdict FROM inspections').all(), [{ id: 1, verdict: 'NG' }]);
  assert.throws(() => db.prepare(`INSERT INTO line_delivery VALUES ('mqtt', -1, 't')`).run(), /CHECK constraint/);
  assert.throws(() => db.prepare(`INSERT INTO line_delivery VALUES ('mqtt', 'x', 't')`).run(), /cannot store TEXT value in INTEGER column/);
  db.close();

  const store = openStore(path);
  assert.equal(store.getDeliveryCursor('mqtt'), null);
  store.setDeliveryCursor('mqtt', 41);
  store.setDeliveryCursor('mqtt', 42);
  store.setDeliveryCursor('other', 7);
  assert.throws(() => store.setDeliveryCursor('mqtt', -3), /non-negative/);
  assert.equal(store.getDeliveryCursor('mqtt'), 42);
  store.close();
  const again = openStore(path);
  t.after(() => again.close());
  assert.equal(again.getDeliveryCursor('mqtt'), 42);
  assert.equal(again.getDeliveryCursor('other'), 7);
});
