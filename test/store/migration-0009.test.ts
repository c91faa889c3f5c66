/**
 * 0009-floor: media sizes and pruning marks on the log (old rows unmeasured, never lost), the per-product media
 * usage kept by triggers, retention's index walks, NG acknowledgements and per-lot counts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { migrate } from '../../main/store/migrations/index.js';
import { openStore } from '../../main/store/store.js';
import { tempDir } from './helpers.js';

test('0009-floor: old rows unmeasured; usage follows sizes, pruning and deletes; rows stay; acks and lots', (t) => {
  const path = join(tempDir(t), 'old.db');
  const db = new Database(path);
  migrate(db, 8);
  db.exec(`
    INSERT OR IGNORE INTO products (id, name, created_at, updated_at) VALUES ('p', 'P', 't', 't');
    INSERT INTO models (id, kind, product_id, artifact_path, backbone, created_at) VALUES ('m', 'patchcore', 'p', '/a', 'b', 't');
    INSERT INTO inspections (time, source_id, product_id, model_id, score, threshold, verdict, frame_path, latency_ms, execution_provider, lot_name)
      VALUES ('2026-01-01T00:00:00.000Z', 'cam', 'p', 'm', 0.9, 0.5, 'NG', 'frames/a.jpg', 3, 'cpu', 'L1'),
             ('2026-01-01T00:00:01.000Z', 'cam', 'p', 'm', 0.1, 0.5, 'OK', 'frames/b.jpg', 3, 'cpu', 'L1'),
             ('2026-01-01T00:00:02.000Z', 'cam', 'p', 'm', 0.1, 0.5, 'OK', NULL, 3, 'cpu', '');
  `);
  assert.equal(migrate(db, 9), 9);
  assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
  assert.deepEqual(db.prepare('SELECT id, media_bytes, media_pruned_at FROM inspections ORDER BY id').all(), [
    { id: 1, media_bytes: null, media_pruned_at: null },
    { id: 2, media_bytes: null, media_pruned_at: null },
    { id: 3, media_bytes: null, media_pruned_at: null },
  ]);
  db.close();

  const store = openStore(path);
  t.after(() => store.close());
  // Only rows with images are to be measured, oldest first.
  assert.deepEqual(store.unmeasuredMedia(10).map((r) => [r.id, r.framePath, r.bytes]), [
    [1, 'frames/a.jpg', null],
    [2, 'frames/b.jpg', null],
  ]);
  store.setMediaBytes([
    { id: 1, bytes: 1000 },
    { id: 2, bytes: 300 },
  ]);
  assert.deepEqual(store.unmeasuredMedia(10), []);
  assert.deepEqual(store.mediaUsage(), [
    { productId: 'p', verdict: 'NG', bytes: 1000, files: 1 },
    { productId: 'p', verdict: 'OK', bytes: 300, files: 1 },
  ]);
  // A new row with a frame is unmeasured until the retention pass measures it.
  const fresh = store.recordInspection({ sourceId: 'cam', productId: 'p', modelId: 'm', score: 0.2, threshold: 0.5, verdict: 'OK', latencyMs: 1, executionProvider: 'cpu', framePath: 'frames/c.jpg', lotName: 'L2' });
  assert.deepEqual(store.unmeasuredMedia(10).map((r) => r.id), [fresh.id]);
  store.setMediaBytes([{ id: fresh.id, bytes: 50 }]);
  assert.deepEqual(store.oldestMedia('p', 'OK', 10).map((r) => r.id), [2, fresh.id]);
  assert.deepEqual(store.oldestMedia('p', 'NG', 10).map((r) => [r.id, r.bytes]), [[1, 1000]]);

  // Pruning keeps the row and its verdict; twice is once.
  assert.equal(store.markMediaPruned([2], '2026-02-01T00:00:00Z'), 1);
  assert.equal(store.markMediaPruned([2]), 0);
  const pruned = store.getInspection(2)!;
  assert.equal(pruned.verdict, 'OK');
  assert.equal(pruned.framePath, null);
  assert.equal(pruned.mediaPrunedAt, '2026-02-01T00:00:00.000Z');
  assert.equal(store.getInspection(1)!.mediaPrunedAt, undefined);
  assert.deepEqual(store.oldestMedia('p', 'OK', 10).map((r) => r.id), [fresh.id]);
  assert.deepEqual(store.mediaUsage(), [
    { productId: 'p', verdict: 'NG', bytes: 1000, files: 1 },
    { productId: 'p', verdict: 'OK', bytes: 50, files: 1 },
  ]);
  assert.equal(store.countInspections(), 4, 'no row deleted');
  // Archiving a row with images takes its bytes off the usage (delete trigger).
  store.archiveInspections('2026-01-01T00:00:00.500Z', join(tempDir(t), 'a.db'));
  assert.deepEqual(store.mediaUsage(), [{ productId: 'p', verdict: 'OK', bytes: 50, files: 1 }]);

  // Lots by index; acknowledgements append.
  assert.deepEqual(store.countByLot('L1'), { OK: 1 });
  assert.deepEqual(store.countByLot('L2', 'p'), { OK: 1 });
  assert.deepEqual(store.countByLot('L2', 'other'), {});
  assert.equal(store.lastNgAcknowledgement(), null);
  store.acknowledgeNg({ upToInspectionId: 1, actor: 'anna' });
  const ack = store.acknowledgeNg({ upToInspectionId: fresh.id, actor: 'local', note: 'seen' });
  assert.deepEqual(store.lastNgAcknowledgement(), ack);
  assert.throws(() => store.acknowledgeNg({ upToInspectionId: 1, actor: ' ' }), /actor/);
  // Top scores for the report.
  assert.deepEqual(store.topInspections({}, 2).map((r) => r.score), [0.2, 0.1]);
});
