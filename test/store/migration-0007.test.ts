/**
 * 0007-camera-frames: the log gets the camera's frame id and timestamp (nullable, O(1) ALTERs); old rows keep
 * theirs as null, new camera rows keep a 64-bit nanosecond timestamp exactly (as decimal text).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { migrate } from '../../main/store/migrations/index.js';
import { openStore } from '../../main/store/store.js';
import { tempDir } from './helpers.js';

test('0007-camera-frames: camera frame id and ns timestamp columns; old rows null; new rows exact', (t) => {
  const path = join(tempDir(t), 'old.db');
  const db = new Database(path);
  migrate(db, 6);
  db.exec(`
    INSERT INTO products (id, name, created_at, updated_at) VALUES ('p', 'P', 't', 't');
    INSERT INTO models (id, kind, product_id, artifact_path, backbone, created_at) VALUES ('m', 'patchcore', 'p', '/a', 'b', 't');
    INSERT INTO inspections (time, source_id, product_id, model_id, score, threshold, verdict, latency_ms, execution_provider)
      VALUES ('2026-01-01T00:00:00.000Z', 'cam', 'p', 'm', 0.9, 0.5, 'NG', 3, 'cpu');
  `);
  assert.equal(migrate(db, 7), 7);
  assert.deepEqual(db.pragma('integrity_check', { simple: true }), 'ok');
  assert.deepEqual(db.prepare('SELECT id, verdict, camera_frame_id, camera_timestamp_ns FROM inspections').all(), [
    { id: 1, verdict: 'NG', camera_frame_id: null, camera_timestamp_ns: null },
  ]);
  db.close();

  const store = openStore(path);
  t.after(() => store.close());
  assert.ok(store.schemaVersion >= 7);
  const row = { sourceId: 'genicam:cam', productId: 'p', modelId: 'm', score: 0.1, threshold: 0.5, verdict: 'OK' as const, latencyMs: 2, executionProvider: 'cpu' };
  // Beyond 2^53: a JavaScript number would lose the last digits.
  const ts = '18446744073709551615';
  const cam = store.recordInspection({ ...row, cameraFrameId: 65_535, cameraTimestampNs: ts });
  assert.equal(cam.cameraFrameId, 65_535);
  assert.equal(cam.cameraTimestampNs, ts);
  const read = store.getInspection(cam.id)!;
  assert.equal(read.cameraFrameId, 65_535);
  assert.equal(read.cameraTimestampNs, ts);
  const plain = store.recordInspection(row);
  assert.equal(store.getInspection(plain.id)!.cameraFrameId, undefined, 'rows of other sources carry no camera fields');
  assert.equal(store.getInspection(1)!.cameraFrameId, undefined);
  assert.throws(() => store.recordInspection({ ...row, cameraFrameId: 1, cameraTimestampNs: '12ab' }), /cameraTimestampNs|invalid/i);
});
