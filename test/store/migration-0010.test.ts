/**
 * 0010-learning: models that existed become root versions; feedback is append-only and keeps the version, score and
 * threshold at the time; shadow results join the active version's decision of the same part.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { migrate } from '../../main/store/migrations/index.js';
import { openStore } from '../../main/store/store.js';
import { tempDir } from './helpers.js';

test('0010-learning: existing models become root versions; feedback append-only; shadow results beside the log', (t) => {
  const path = join(tempDir(t), 'old.db');
  const db = new Database(path);
  migrate(db, 9);
  db.exec(`
    INSERT OR IGNORE INTO products (id, name, created_at, updated_at) VALUES ('p', 'P', 't', 't');
    INSERT INTO models (id, kind, product_id, artifact_path, backbone, created_at) VALUES ('m', 'patchcore', 'p', '/a', 'b', '2026-01-01T00:00:00.000Z');
    INSERT INTO models (id, kind, product_id, artifact_path, backbone, created_at) VALUES ('d', 'detector', 'p', '/d', 'b', '2026-01-02T00:00:00.000Z');
    INSERT INTO inspections (time, source_id, product_id, model_id, score, threshold, verdict, latency_ms, execution_provider, frame_path)
      VALUES ('2026-01-01T00:00:00.000Z', 'cam', 'p', 'm', 9.5, 8, 'NG', 3, 'cpu', '/frames/1.png');
  `);
  assert.equal(migrate(db, 10), 10);
  assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
  assert.deepEqual(db.prepare('SELECT model_id, parent_id, change, who FROM model_versions ORDER BY model_id').all(), [
    { model_id: 'd', parent_id: null, change: 'import', who: 'system' },
    { model_id: 'm', parent_id: null, change: 'train', who: 'system' },
  ]);
  db.close();

  const store = openStore(path);
  t.after(() => store.close());
  const L = store.learning;
  assert.equal(L.getModelVersion('m')!.change, 'train');

  store.createModel({ id: 'm2', kind: 'patchcore', productId: 'p', artifactPath: '/b', backbone: 'b' });
  const v = L.addModelVersion({ modelId: 'm2', productId: 'p', parentId: 'm', change: 'learn-good', detail: { feedbackIds: [1] }, who: 'eng', why: 'false reject' });
  assert.deepEqual([v.parentId, v.change, v.who, v.detail], ['m', 'learn-good', 'eng', { feedbackIds: [1] }]);
  assert.deepEqual(L.listModelVersions('p').map((x) => x.modelId), ['m2', 'd', 'm']);
  assert.throws(() => L.addModelVersion({ modelId: 'nope', productId: 'p', change: 'train', who: 'x' }), /unknown/);

  const good = L.addFeedback({ who: 'eng', productId: 'p', inspectionId: 1, imagePath: '/frames/1.png', modelId: 'm', score: 9.5, threshold: 8, label: 'good' });
  assert.deepEqual([good.label, good.modelId, good.score, good.threshold, good.defectKind], ['good', 'm', 9.5, 8, null]);
  const bad = L.addFeedback({ who: 'qa', productId: 'p', inspectionId: 1, imagePath: '/frames/1.png', label: 'defect', defectKind: 'confirmed', box: { x: 1, y: 2, width: 3, height: 4 } });
  assert.deepEqual(bad.box, { x: 1, y: 2, width: 3, height: 4 });
  assert.equal(L.confirmedDefect('p', '/frames/1.png')!.who, 'qa');
  assert.equal(L.confirmedDefect('p', '/frames/other.png'), null);
  assert.deepEqual(L.listFeedback({ inspectionId: 1 }).map((f) => f.label), ['defect', 'good']);
  assert.throws(() => L.addFeedback({ who: 'x', productId: 'p', imagePath: '/f', label: 'defect' }), /defectKind/);
  assert.throws(() => L.addFeedback({ who: 'x', productId: 'p', imagePath: '/f', label: 'good', defectKind: 'missed' }), /defectKind/);
  // Append-only for every connection, not just this code.
  const raw = new Database(path);
  t.after(() => raw.close());
  assert.throws(() => raw.prepare(`UPDATE feedback SET label = 'good' WHERE id = ?`).run(bad.id), /append-only/);

  L.addShadowResult({ candidateId: 'm2', inspectionId: 1, score: 7.2, threshold: 8, verdict: 'OK', heatmapPath: '/h/1.png' });
  const [cmp] = L.listShadowResults('m2');
  assert.deepEqual([cmp!.activeModelId, cmp!.activeVerdict, cmp!.verdict, cmp!.framePath], ['m', 'NG', 'OK', '/frames/1.png']);
  assert.equal(L.listShadowResults('m2', { differing: true }).length, 1);
  assert.deepEqual(L.shadowCounts('m2'), { compared: 1, agreed: 0 });
});
