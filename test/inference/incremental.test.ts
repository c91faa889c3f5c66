/**
 * "Learn as good" on real screw images: the learned part's patches join the bank (cap kept), the part then scores
 * lower, the rest of the bank is kept in order, and the pruned search stays exactly the full search.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { trainPatchCore, PatchCoreModel } from '../../main/inference/patchcore/index.js';
import { concatRows, learnGood, scoringPatches } from '../../main/inference/patchcore/incremental.js';
import { foregroundRows } from '../../main/inference/patchcore/patch-extractor.js';
import { scoreNeeds } from '../../main/inference/patchcore/scoring.js';
import { decodeImage } from '../../main/node/image-io.js';
import { screwImages } from '../helpers.js';

// A coreset (ratio < 1) so the bank is a farthest-first order with a coverage radius; a cap just above the bank so
// learning one image must drop rows; large enough (> 2048) for the pruned search.
const config = { registration: { width: 384, height: 160 }, coreset: { ratio: 0.7, max: 3000 } };
let model: PatchCoreModel;
let learned: PatchCoreModel | null = null;

before(async () => {
  ({ model } = await trainPatchCore({ images: screwImages('train').slice(0, 10), config }));
});

after(async () => {
  await learned?.disposeSearch();
  await model?.dispose();
});

test('learn as good: the part scores lower, the bank keeps its cap and its old rows, the pruned search stays exact', async () => {
  const part = await decodeImage(screwImages('train')[40]!, { channels: 1 });
  const before = await model.infer(part);
  const r = await learnGood(model, [part], { id: 'learned-1' });
  learned = r.model;
  const { report } = r;
  assert.ok(model.bank.count > 2048 && model.bank.count <= 3000, `bank ${model.bank.count}`);
  assert.ok(report.coverageRadius > 0, 'a coreset bank has a coverage radius');
  assert.ok(report.added > 0 && report.added <= Math.ceil(0.7 * report.candidatePatches), `added ${report.added} of ${report.candidatePatches}`);
  assert.equal(learned.bank.count, Math.min(3000, model.bank.count + report.added));
  assert.equal(report.dropped, model.bank.count + report.added - learned.bank.count);
  assert.equal(learned.info.params['bankSize'], learned.bank.count);
  assert.equal(learned.info.trainImages, model.info.trainImages + 1);
  assert.equal(learned.info.validation, undefined, 'validation scores of the old bank are not carried over');

  // Every kept old row is in the new bank, in the old order (the cover's head first, the dropped rows from the tail).
  const dim = model.bank.dim;
  const rowsOf = (b: { features: Float32Array; count: number }) => Array.from({ length: b.count }, (_, i) => b.features.subarray(i * dim, (i + 1) * dim).join(','));
  const oldRows = rowsOf(model.bank);
  const kept = new Set(oldRows.slice(0, model.bank.count - report.dropped));
  const newRows = rowsOf(learned.bank).filter((x) => kept.has(x));
  assert.deepEqual(newRows, oldRows.slice(0, model.bank.count - report.dropped));

  const after = await learned.infer(part);
  assert.ok(after.score < before.score, `learned part: ${before.score.toFixed(3)} -> ${after.score.toFixed(3)}`);

  // The learned bank keeps the coarse cover (its first rows) a subset of the bank, so a model searched with pruning
  // (no position window) gives exactly the image score of a full search; with the window, the column search is exact.
  const config0 = { ...learned.config, positionWindow: 0 };
  const pruning = await PatchCoreModel.create(learned.info, config0, learned.extractor, learned.bank);
  const full = new PatchCoreModel(learned.info, config0, learned.extractor, learned.bank, pruning.nn, null);
  const knn = new PatchCoreModel(learned.info, learned.config, learned.extractor, learned.bank, learned.nn, null);
  try {
    for (const f of [screwImages('train')[40]!, screwImages('test', 'good')[1]!, screwImages('test', 'thread_side')[2]!]) {
      const ps = await learned.extractor.extract(await decodeImage(f, { channels: 1 }));
      const pruned = await pruning.scorePatches(ps);
      const exact = await full.scorePatches(ps);
      assert.equal(pruned.score, exact.score, f);
      assert.equal(pruned.maxDistance, exact.maxDistance, f);
      const windowed = await learned.scorePatches(ps);
      const reference = await knn.scorePatches(ps);
      assert.ok(Math.abs(windowed.score - reference.score) <= 1e-5 * reference.score, `${f}: ${windowed.score} vs ${reference.score}`);
    }
  } finally {
    await pruning.disposeSearch();
  }
});

test('learn as good refuses an image without a part', async () => {
  const blank = { width: 256, height: 256, channels: 1 as const, data: new Uint8Array(256 * 256).fill(200) };
  await assert.rejects(learnGood(model, [blank], { id: 'x' }), (e: Error & { kind?: string }) => e.kind === 'invalid-input' || e.kind === 'corrupt-image');
});

test('protected defects: learning never lowers the score of a defect whose scoring patches are protected', async () => {
  // Every thread_side test defect (the defect type learning lowers most on the screws) is protected; the learned
  // part is taken down to the coreset radius, the most patches a part can add.
  const defects = screwImages('test', 'thread_side');
  const sets = await Promise.all(defects.map(async (f) => model.extractor.extract(await decodeImage(f, { channels: 1 }))));
  const base = await Promise.all(sets.map(async (ps) => (await model.scorePatches(ps)).score));
  const protect = concatRows(await Promise.all(sets.map((ps) => scoringPatches(model, ps))));
  assert.equal(protect.length, sets.reduce((n, ps) => n + scoreNeeds(foregroundRows(ps).index.length, model.config), 0) * model.bank.dim);
  const parts = screwImages('train').slice(40, 44);
  let fell = 0;
  let withheld = 0;
  for (const f of parts) {
    const part = await decodeImage(f, { channels: 1 });
    const open = await learnGood(model, [part], { id: 'open' });
    const guarded = await learnGood(model, [part], { id: 'guarded', protect });
    try {
      withheld += guarded.report.withheld;
      for (const [i, ps] of sets.entries()) {
        if ((await open.model.scorePatches(ps)).score < base[i]!) fell++;
        const s = (await guarded.model.scorePatches(ps)).score;
        assert.ok(s >= base[i]! * (1 - 1e-6), `${f} learned, ${defects[i]} protected: ${base[i]!.toFixed(4)} -> ${s.toFixed(4)}`);
      }
      // Protection withholds patches; it does not stop the part from being learned.
      assert.ok(guarded.report.added > 0, `${f}: nothing added`);
    } finally {
      await open.model.disposeSearch();
      await guarded.model.disposeSearch();
    }
  }
  // Unprotected, the same learning does lower some of these defects: the guard has something to prevent.
  assert.ok(fell > 0 && withheld > 0, `unprotected learning lowered ${fell} defect scores; ${withheld} patches withheld`);
});
