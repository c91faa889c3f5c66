/**
 * Learning on the line through the engine (real store, job worker, PatchCore): a falsely rejected part is marked
 * good and learned as a new version (parent, who, why, threshold inherited) that then runs in shadow mode; guard
 * rails refuse a part confirmed as a defect and ask a second confirmation far above the threshold; promotion and
 * re-activating the old version are audited, and log rows keep the version that decided them.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Engine } from '../../main/services/engine.js';
import { copyFile as copy, engineWithSixScrews, failOnJobError as fail } from './learning-setup.js';
import { openStore } from '../../main/store/store.js';
import { SCREW } from '../helpers.js';

let root: string | undefined;
let engine: Engine | undefined;
after(async () => {
  await engine?.dispose();
  if (root) rmSync(root, { recursive: true, force: true });
});

test('mark good -> learn -> new version in shadow -> promote -> re-activate the old one', { timeout: 300_000 }, async () => {
  root = mkdtempSync(join(tmpdir(), 'station-learning-'));
  const setup = await engineWithSixScrews(root);
  engine = setup.engine;
  const { dataDir, v1 } = setup;
  const api = engine.api;

  // Three parts the active version decided (frames stored as the live path stores them).
  const media = join(dataDir, 'media');
  copy(join(SCREW, 'train', 'good', '050.png'), join(media, 'frames', 'd', 'p1.png'));
  copy(join(SCREW, 'train', 'good', '051.png'), join(media, 'frames', 'd', 'p2.png'));
  copy(join(SCREW, 'test', 'thread_side', '000.png'), join(media, 'frames', 'd', 'p3.png'));
  const store = openStore(join(dataDir, 'station.db'));
  const row = (frame: string, score: number) =>
    store.recordInspection({ sourceId: 'cam', productId: 'default', modelId: v1.id, score, threshold: v1.threshold, verdict: score >= v1.threshold ? 'NG' : 'OK', latencyMs: 1, executionProvider: 'cpu', framePath: `frames/d/${frame}` });
  const p1 = row('p1.png', v1.threshold * 1.1);
  const p2 = row('p2.png', v1.threshold * 3);
  const p3 = row('p3.png', v1.threshold * 1.2);

  // Feedback keeps who (engine.api called directly: 'system'; a connection's calls carry its user), the deciding version, score and threshold.
  const fb = await api.learning.feedback({ inspectionId: p1.id, label: 'good', note: 'looks fine' });
  assert.deepEqual([fb.who, fb.modelId, fb.score, fb.threshold, fb.label], ['system', v1.id, p1.score, v1.threshold, 'good']);
  // Guard rails: a confirmed defect is never learned as good; far above the threshold needs a second confirmation.
  await api.learning.feedback({ inspectionId: p3.id, label: 'defect', note: 'thread damage' });
  await assert.rejects(async () => api.learning.learnGood({ inspectionId: p3.id, reason: '', confirmFar: false }), /confirmed as a defect/);
  await assert.rejects(async () => api.learning.learnGood({ inspectionId: p2.id, reason: '', confirmFar: false }), /far above.*confirm/);

  const job = await engine.jobs.wait((await api.learning.learnGood({ inspectionId: p1.id, reason: 'false reject on the neck', confirmFar: false })).jobId);
  fail(job);
  const result = job.result as { modelId: string; parentId: string; added: number; scoreBefore: number; scoreAfter: number; threshold: number; withheld: number };
  assert.equal(result.parentId, v1.id);
  assert.equal(result.threshold, v1.threshold);
  assert.ok(Number.isInteger(result.withheld) && result.withheld >= 0, JSON.stringify(result));
  assert.ok(result.added > 0 && result.scoreAfter < result.scoreBefore, JSON.stringify(result));

  const versions = await api.learning.versions();
  const v2 = versions.find((v) => v.modelId === result.modelId)!;
  assert.deepEqual([v2.parentId, v2.change, v2.who, v2.why, v2.active, v2.shadow], [v1.id, 'learn-good', 'system', 'false reject on the neck', false, true]);
  assert.equal(v2.threshold, v1.threshold, 'the new version keeps the threshold in force');
  // Validation set: the training folder's test/ images plus the part confirmed as a defect, for both versions.
  assert.equal(v2.validation!.defects, 3);
  assert.equal(versions.find((v) => v.modelId === v1.id)!.active, true);
  let shadow = await api.learning.shadowStatus();
  assert.equal(shadow.candidateId, v2.modelId);
  assert.ok(shadow.validation.active && shadow.validation.candidate);
  // The validation defects' scoring patches were protected while learning: none of them can newly escape.
  assert.ok(shadow.validation.candidate.escapes <= shadow.validation.active.escapes, JSON.stringify(shadow.validation));

  // A part decided by the active version is scored by the candidate afterwards (bounded wait); the row is announced
  // as the live path announces the rows it records.
  const p4 = row('p1.png', p1.score);
  (engine.live as unknown as { recordedRows: { fire(r: unknown): void } }).recordedRows.fire(p4);
  for (let i = 0; i < 200 && (await api.learning.shadowStatus()).compared === 0; i++) await new Promise((r) => setTimeout(r, 100));
  shadow = await api.learning.shadowStatus();
  assert.equal(shadow.compared + shadow.skipped >= 1, true);

  await api.learning.promote({ modelId: v2.modelId, reason: 'fewer false rejects, same escapes', acceptEscapes: true });
  assert.equal((await api.models.active())!.id, v2.modelId);
  assert.equal((await api.learning.shadowStatus()).candidateId, null);
  await api.learning.activate({ modelId: v1.id, reason: 'back to the trained one' });
  assert.equal((await api.models.active())!.id, v1.id);

  const audit = store.listAudit({ limit: 50 }).items.map((e) => e.action);
  for (const a of ['feedback.good', 'feedback.defect', 'model.learn-good', 'model.shadow', 'model.promote', 'model.activate']) assert.ok(audit.includes(a), `${a} in ${audit.join(',')}`);
  assert.equal(store.getInspection(p1.id)!.modelId, v1.id, 'the log keeps the version that decided each part');
  store.close();
});
