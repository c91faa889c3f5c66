/**
 * The README's headline figures as regression floors: the station default PatchCore, trained on the first 20 normal
 * images of the shared MVTec screws, scored on the whole shared test set (25 good + 71 defects, original images).
 * Measured (README, Results, training subset 000-019): AUROC all 0.998, P@R=1 0.986, scratch_neck 1.000,
 * thread_side 0.994. The floors sit below, so a change that loses accuracy fails here; each also fails the score on
 * the coarse outline that the tight mask replaced (all 0.961, P@R=1 0.910, scratch_neck 0.987, thread_side 0.926 with
 * the top 3 %).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SCREW } from '../helpers.js';
import { runPatchCoreVariant } from '../../main/experiment/patchcore-experiment.js';

const FLOORS = { all: 0.98, precisionAtFullRecall: 0.92, scratch_neck: 0.99, thread_side: 0.96 };

test('default PatchCore on the shared screws keeps the README headline figures (with margins)', async () => {
  const r = await runPatchCoreVariant({ dir: SCREW, variant: 'original', defect: 'all', train: 20, protocol: 'full' });
  assert.equal(r.nGood, 25);
  assert.equal(r.nDefect, 71);
  assert.ok(r.auroc >= FLOORS.all, `AUROC (all defects) ${r.auroc} < ${FLOORS.all}`);
  assert.ok(r.precisionAtFullRecall >= FLOORS.precisionAtFullRecall, `P@R=1 ${r.precisionAtFullRecall} < ${FLOORS.precisionAtFullRecall}`);
  for (const t of ['scratch_neck', 'thread_side'] as const) {
    const a = r.summary.perType[t]?.auroc ?? 0;
    assert.ok(a >= FLOORS[t], `${t} AUROC ${a} < ${FLOORS[t]}`);
  }
});
