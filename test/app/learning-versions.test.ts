/**
 * Model versions through the engine (real store, PatchCore, live trigger source): a threshold change is a new
 * immutable version (parent, "threshold a -> b", who, why) that shares its parent's artifact and becomes active;
 * live parts are logged with the version that decided them; re-activating the earlier version restores its
 * threshold. Shadow mode scores in a worker thread of its own: a part that arrives while the candidate is held
 * mid-part is decided without waiting for it (the candidate's thread is blocked by a test gate, not timed).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Engine } from '../../main/services/engine.js';
import { copyFile as copy, engineWithSixScrews } from './learning-setup.js';
import { shadowTesting } from '../../main/services/shadow-scorer.js';
import { openStore } from '../../main/store/store.js';
import type { StationStore } from '../../main/store/interface.js';
import { SCREW } from '../helpers.js';

let root: string | undefined;
let engine: Engine | undefined;
let store: StationStore | undefined;
let gateOpen: (() => void) | null = null;
after(async () => {
  gateOpen?.();
  shadowTesting.gate = null;
  await engine?.dispose();
  store?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

async function until(cond: () => boolean | Promise<boolean>, what: string, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('threshold versions, the deciding version in the log, re-activation, shadow scoring off the live path', { timeout: 300_000 }, async () => {
  root = mkdtempSync(join(tmpdir(), 'station-versions-'));
  for (const n of ['050', '051']) copy(join(SCREW, 'train', 'good', `${n}.png`), join(root, 'parts', `${n}.png`));
  const setup = await engineWithSixScrews(root);
  engine = setup.engine;
  const { dataDir, v1 } = setup;
  const api = engine.api;
  store = openStore(join(dataDir, 'station.db'));
  const modelFolders = () => readdirSync(join(dataDir, 'models')).filter((f) => !f.startsWith('.'));
  const foldersBefore = modelFolders();

  // A threshold change: a new version, active at once, sharing the parent's artifact.
  const lower = Number((v1.threshold * 0.9).toFixed(4));
  const r = await api.thresholds.set({ value: lower, reason: 'catch the faint scratches', who: 'ann' });
  assert.notEqual(r.modelId, v1.id);
  assert.deepEqual([r.value, r.previous, r.who, r.reason], [lower, v1.threshold, 'ann', 'catch the faint scratches']);
  const v2 = r.modelId;
  assert.equal((await api.models.active())!.id, v2);
  assert.equal((await api.models.active())!.threshold, lower);
  const versions = await api.learning.versions();
  const ver2 = versions.find((v) => v.modelId === v2)!;
  assert.deepEqual([ver2.parentId, ver2.change, ver2.who, ver2.why, ver2.active, ver2.threshold], [v1.id, 'threshold', 'ann', 'catch the faint scratches', true, lower]);
  assert.equal(ver2.detail['text'], `threshold ${v1.threshold.toFixed(2)} -> ${lower.toFixed(2)}`);
  assert.equal(versions.find((v) => v.modelId === v1.id)!.active, false);
  assert.equal(store.getModel(v2)!.artifactPath, store.getModel(v1.id)!.artifactPath, 'nothing new on disk: the artifact is shared');
  assert.deepEqual(modelFolders(), foldersBefore);
  assert.equal((await api.thresholds.validationScores({ modelId: v2 })).scores.length, (await api.thresholds.validationScores({ modelId: v1.id })).scores.length);
  const history = await api.thresholds.history({ modelId: v2, limit: 10 });
  assert.deepEqual(history.map((h) => [h.modelId, h.previous, h.value]), [[v2, v1.threshold, lower], [v1.id, null, v1.threshold]], 'history follows the parent chain');

  // Live parts carry the version that decided them, with its threshold.
  await api.live.start({ source: { kind: 'trigger', from: 'folder', path: join(root, 'parts'), recursive: false, defectRate: 0 }, store: true });
  const decide = async () => {
    const last = store!.lastInspectionId();
    const reply = await api.line.trigger({});
    assert.equal(reply.accepted, true, JSON.stringify(reply));
    await until(() => store!.lastInspectionId() > last, 'the part to be recorded');
    return store!.getInspection(store!.lastInspectionId())!;
  };
  const p1 = await decide();
  assert.deepEqual([p1.modelId, p1.threshold], [v2, lower]);

  // Re-activating the earlier version restores its threshold for the next part.
  await api.learning.activate({ modelId: v1.id, reason: 'back to the trained threshold' });
  assert.equal((await api.models.active())!.threshold, v1.threshold);
  const p2 = await decide();
  assert.deepEqual([p2.modelId, p2.threshold], [v1.id, v1.threshold]);
  assert.equal(store.getInspection(p1.id)!.modelId, v2, 'earlier rows keep their version');

  const audit = store.listAudit({ limit: 50 }).items;
  const set = audit.find((e) => e.action === 'threshold.set')!;
  assert.equal(set.target, `model:${v2}`);
  assert.ok(audit.some((e) => e.action === 'model.activate' && e.target === `model:${v1.id}`));

  // Shadow mode: the candidate (v2) runs in its own thread; the test holds that thread inside its first part.
  const gate = new SharedArrayBuffer(8);
  const g = new Int32Array(gate);
  gateOpen = () => (Atomics.store(g, 0, 1), Atomics.notify(g, 0));
  shadowTesting.gate = gate;
  await api.learning.shadowStart({ modelId: v2 });
  shadowTesting.gate = null;
  const a = await decide();
  await until(() => Atomics.load(g, 1) === 1, 'the shadow worker to start part A');
  // Part B arrives while the candidate is held inside part A: the active version decides it all the same.
  const b = await decide();
  assert.equal(b.modelId, v1.id);
  let s = await api.learning.shadowStatus();
  assert.equal(s.compared, 0, 'the candidate has not finished part A');
  assert.equal(s.skipped, 1, 'part B came while the candidate was busy: skipped, counted');
  gateOpen();
  await until(async () => (await api.learning.shadowStatus()).compared === 1, 'the candidate to finish part A');
  s = await api.learning.shadowStatus();
  const shadowRows = store.learning.listShadowResults(v2);
  assert.deepEqual(shadowRows.map((x) => x.inspectionId), [a.id]);
  assert.equal(shadowRows[0]!.threshold, lower, 'the candidate scores with its own threshold');
  assert.ok(Number.isFinite(shadowRows[0]!.score));
  await api.learning.shadowStop();
  await api.live.stop();
});
