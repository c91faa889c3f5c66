/**
 * kind 'supervised' through the engine: MVTec masks imported as box annotations, a small supervised model trained
 * as a job on them + good images (default station backbone), registered with validation scores, activated, and
 * its boxes carry the annotated class name. Kept small (256 px, no augmentation) to stay well under a minute.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine, type Engine } from '../../main/services/engine.js';
import { decodeImage } from '../../main/node/image-io.js';
import { DEFAULT_BACKBONE } from '../../main/inference/patchcore/config.js';
import { SCREW } from '../helpers.js';

let root: string | undefined;
let engine: Engine | undefined;
after(async () => {
  await engine?.dispose();
  if (root) rmSync(root, { recursive: true, force: true });
});

test('supervised model trained in the station from annotations', { timeout: 120_000 }, async () => {
  root = mkdtempSync(join(tmpdir(), 'station-supervised-'));
  const cat = join(root, 'screw');
  const copy = (from: string, to: string) => (mkdirSync(join(to, '..'), { recursive: true }), copyFileSync(from, to));
  for (const n of ['000', '001', '002', '003']) {
    copy(join(SCREW, 'test', 'scratch_neck', `${n}.png`), join(cat, 'test', 'scratch_neck', `${n}.png`));
    copy(join(SCREW, 'ground_truth', 'scratch_neck', `${n}_mask.png`), join(cat, 'ground_truth', 'scratch_neck', `${n}_mask.png`));
    copy(join(SCREW, 'train', 'good', `${n}.png`), join(cat, 'train', 'good', `${n}.png`));
    copy(join(SCREW, 'test', 'good', `${n}.png`), join(cat, 'test', 'good', `${n}.png`));
  }
  engine = await createEngine({ dataDir: join(root, 'data'), shell: 'browser', bootstrap: false });
  const api = engine.api;
  // Only 3 of the 4 defect images are annotated: the 4th (and test/good) stay for validation.
  await api.annotations.importMasks({ folder: join(cat, 'test', 'scratch_neck'), replace: false, minArea: 1 });
  await api.annotations.clear({ path: join(cat, 'test', 'scratch_neck', '003.png') });

  await assert.rejects(
    async () => engine!.jobs.wait((await api.models.train({ goodFolder: cat, kind: 'supervised', activate: true } as never)).jobId).then((j) => {
      if (j.error) throw Object.assign(new Error(j.error.message), j.error);
    }),
    { kind: 'invalid-input', message: /annotated folder/ },
  );

  const config = { inputSize: 256, augmentDefects: 'none', augmentGood: 'none', epochs: 4, hardNegativeEpochs: 2, miningRounds: 1, negatives: 4000, hardNegatives: 1000 };
  const { jobId } = await api.models.train({ goodFolder: cat, annotatedFolder: join(cat, 'test'), kind: 'supervised', name: 'neck scratches', config, activate: true } as never);
  const job = await engine.jobs.wait(jobId);
  assert.equal(job.state, 'done', JSON.stringify(job.error));
  const models = await api.models.list();
  assert.equal(models.length, 1);
  const m = models[0]!;
  assert.deepEqual([m.kind, m.name, m.backbone, m.active, m.trainImages], ['supervised', 'neck scratches', DEFAULT_BACKBONE, true, 7]);
  assert.equal(m.hasValidation, true);
  const v = await api.thresholds.validationScores({ modelId: m.id });
  // validation: the good folder's test/ images not used in training: 4 good + 003 of scratch_neck
  assert.deepEqual(v.scores.map((s) => s.label).sort(), [0, 0, 0, 0, 1]);
  // The summary's recall is that of the validated defects at the threshold in force (shown beside the threshold).
  const d = v.scores.filter((s) => s.label === 1);
  assert.equal(m.recallAtThreshold, d.filter((s) => s.score >= m.threshold).length / d.length);

  const out = await (await import('../../main/inference/load-model.js')).loadModel(join(root, 'data', 'models', m.id));
  try {
    const defect = await out.infer(await decodeImage(join(cat, 'test', 'scratch_neck', '000.png')));
    assert.ok(defect.boxes.length >= 1, 'a training defect gets a box');
    assert.ok(defect.boxes.every((b) => b.label === 'scratch_neck'), 'boxes carry the annotated class name');
  } finally {
    await out.dispose();
  }
  // bad config is refused before any work
  await assert.rejects(async () => Promise.resolve(api.models.train({ goodFolder: cat, annotatedFolder: cat, kind: 'supervised', config: { epochs: 'many' } } as never)).then(async (r) => {
    const j = await engine!.jobs.wait(r.jobId);
    if (j.error) throw Object.assign(new Error(j.error.message), j.error);
  }), { kind: 'invalid-input', message: /epochs/ });
});
