/**
 * PatchCore end to end on real screw images: train on a few normal images, then good parts score below
 * defective ones, the map points at the defect, and a saved model scores identically in a new process.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { trainPatchCore, savePatchCore, loadPatchCore, PatchCoreModel } from '../../main/inference/patchcore/index.js';
import { decodeImage } from '../../main/node/image-io.js';
import { auroc } from '../../main/evaluation/metrics.js';
import { screwImages, screwMask } from '../helpers.js';

// Small canvas keeps this test around half a minute on 2 cores; the whole bank (no coreset) is large enough
// for the pruned two-stage search to be used.
const config = { registration: { width: 384, height: 160 }, coreset: { ratio: 1 } };
let model: PatchCoreModel;
let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'patchcore-test-'));
  ({ model } = await trainPatchCore({ images: screwImages('train').slice(0, 10), config }));
});

after(async () => {
  await model?.dispose();
  await rm(dir, { recursive: true, force: true });
});

test('good parts score below scratched ones (image AUROC on held-out real images)', async () => {
  const good = screwImages('test', 'good').slice(0, 6);
  const bad = screwImages('test', 'scratch_neck').slice(0, 6);
  const scores: number[] = [];
  for (const f of [...good, ...bad]) scores.push((await model.infer(await decodeImage(f))).score);
  const labels = [...good.map(() => 0), ...bad.map(() => 1)];
  const a = auroc(scores, labels);
  assert.ok(a >= 0.8, `AUROC ${a.toFixed(3)} on 6 good + 6 scratch_neck, scores ${scores.map((s) => s.toFixed(2)).join(' ')}`);
});

for (const scoreTopFraction of [0, 0.05]) {
  const what = scoreTopFraction > 0 ? `the mean of the top ${scoreTopFraction * 100} % of patch scores` : "the paper's re-weighted maximum";
  test(`the pruned two-stage search (no position window) gives exactly the image score of a full search: ${what}`, async () => {
    assert.ok(model.bank.count > 2048, `bank of ${model.bank.count} should be large enough to be pruned`);
    // Models without a position window (trained before it) are searched with the coarse cover's pruning.
    const config0 = { ...model.config, positionWindow: 0, scoreTopFraction };
    const pruning = await PatchCoreModel.create(model.info, config0, model.extractor, model.bank);
    const full = new PatchCoreModel(model.info, config0, model.extractor, model.bank, pruning.nn, null);
    const tau = 0.75 * model.info.defaultThreshold;
    try {
      for (const f of [screwImages('test', 'good')[2]!, screwImages('test', 'scratch_head')[3]!]) {
        const ps = await model.extractor.extract(await decodeImage(f));
        const pruned = await pruning.scorePatches(ps);
        const exact = await full.scorePatches(ps);
        assert.equal(pruned.score, exact.score);
        assert.equal(pruned.maxDistance, exact.maxDistance);
        if (scoreTopFraction > 0) {
          // The score is the mean of the k largest exact patch distances, k = round(fraction x part patches).
          const onPart = [...exact.patchScores].filter((_, i) => ps.fg[i]).sort((a, b) => b - a);
          const k = Math.round(scoreTopFraction * onPart.length);
          assert.ok(k > 10, `${k} patches averaged`);
          const mean = onPart.slice(0, k).reduce((a, b) => a + b, 0) / k;
          assert.ok(Math.abs(exact.score - mean) <= 1e-6 * mean, `${exact.score} vs ${mean}`);
          assert.ok(exact.score < exact.maxDistance);
        }
        let prunedCount = 0;
        for (let i = 0; i < exact.patchScores.length; i++) {
          // Pruned patches keep an upper bound below tau; the others are exact.
          if (pruned.patchScores[i]! >= tau) assert.equal(pruned.patchScores[i], exact.patchScores[i]);
          else {
            assert.ok(exact.patchScores[i]! <= pruned.patchScores[i]! + 1e-4);
            if (exact.patchScores[i]! < pruned.patchScores[i]!) prunedCount++;
          }
        }
        assert.ok(prunedCount > 0, 'some patches were pruned');
      }
    } finally {
      await pruning.disposeSearch();
    }
  });
}

test('with a position window, every patch gets its exact nearest bank patch inside the window (column search = K-NN search)', async () => {
  assert.ok(model.config.positionWindow > 0, 'the default has a position window');
  // Without the column search the model falls back to the K-nearest search with an exact scan where needed.
  const knn = new PatchCoreModel(model.info, model.config, model.extractor, model.bank, model.nn, null);
  for (const f of [screwImages('test', 'good')[2]!, screwImages('test', 'thread_side')[1]!]) {
    const ps = await model.extractor.extract(await decodeImage(f));
    const a = await model.scorePatches(ps);
    const b = await knn.scorePatches(ps);
    // Sums accumulate in another order in the smaller matrix products: float32 rounding, no more.
    assert.ok(Math.abs(a.score - b.score) <= 1e-5 * b.score, `${a.score} vs ${b.score}`);
    assert.ok(Math.abs(a.maxDistance - b.maxDistance) <= 1e-5 * b.maxDistance);
    let n = 0;
    for (let i = 0; i < b.patchScores.length; i++) {
      assert.ok(Math.abs(a.patchScores[i]! - b.patchScores[i]!) <= 1e-4 * Math.max(1, b.patchScores[i]!), `patch ${i}: ${a.patchScores[i]} vs ${b.patchScores[i]}`);
      if (b.patchScores[i]! > 0) n++;
    }
    assert.ok(n > 100, `${n} part patches compared`);
  }
});

test('the anomaly map peaks inside the ground-truth defect region', async () => {
  const file = screwImages('test', 'manipulated_front')[0]!;
  const out = await model.infer(await decodeImage(file));
  const map = out.map!;
  assert.equal(map.width, 256, 'map is 1/4 of the 1024 px image');
  let best = 0;
  for (let i = 1; i < map.data.length; i++) if (map.data[i]! > map.data[best]!) best = i;
  const mask = await decodeImage(screwMask('manipulated_front', '000.png'), { channels: 1 });
  const px = (best % map.width) * 4 + 2, py = Math.floor(best / map.width) * 4 + 2;
  // Allow a small margin: the map is blurred (sigma 4 canvas px) and the defect is small.
  let near = false;
  for (let dy = -40; dy <= 40 && !near; dy += 4) for (let dx = -40; dx <= 40 && !near; dx += 4) {
    const x = px + dx, y = py + dy;
    if (x >= 0 && y >= 0 && x < mask.width && y < mask.height && mask.data[y * mask.width + x]! > 127) near = true;
  }
  assert.ok(near, `map peak at (${px}, ${py}) is not within 40 px of the defect`);
  assert.ok(out.score >= model.info.defaultThreshold ? out.boxes.length > 0 : out.boxes.length === 0, 'boxes only when NG');
});

test('a saved model scores identically when loaded in a new process', async () => {
  const modelDir = join(dir, 'model');
  await savePatchCore(model, modelDir);
  const files = [screwImages('test', 'good')[7]!, screwImages('test', 'thread_top')[1]!];
  const here = [];
  for (const f of files) here.push((await model.infer(await decodeImage(f))).score);
  const script = join(dir, 'score.mts');
  await writeFile(script, `
    import { loadPatchCore } from ${JSON.stringify(new URL('../../main/inference/patchcore/index.ts', import.meta.url).pathname)};
    import { decodeImage } from ${JSON.stringify(new URL('../../main/node/image-io.ts', import.meta.url).pathname)};
    const m = await loadPatchCore(${JSON.stringify(modelDir)});
    const out = [];
    for (const f of ${JSON.stringify(files)}) out.push((await m.infer(await decodeImage(f))).score);
    console.log(JSON.stringify(out));
    await m.dispose();
  `);
  const r = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', cwd: new URL('../..', import.meta.url).pathname });
  assert.equal(r.status, 0, r.stderr);
  const there = JSON.parse(r.stdout.trim().split('\n').pop()!) as number[];
  assert.deepEqual(there, here);
  const info = JSON.parse(await readFile(join(modelDir, 'model.json'), 'utf8'));
  assert.equal(info.kind, 'patchcore');
  assert.equal(info.formatVersion, 2);
});

test('a corrupt memory bank is refused with a clear bad-model fault', async () => {
  const modelDir = join(dir, 'corrupt');
  await savePatchCore(model, modelDir);
  const bank = join(modelDir, 'bank.f32');
  const bytes = await readFile(bank);
  bytes[100] = bytes[100]! ^ 0xff;
  await writeFile(bank, bytes);
  await assert.rejects(loadPatchCore(modelDir), (e: Error & { kind?: string }) => e.kind === 'bad-model' && /corrupt/.test(e.message));
  await assert.rejects(loadPatchCore(join(dir, 'nothing-here')), (e: Error & { kind?: string }) => e.kind === 'not-found');
});

test('training with no usable image fails early and names the problem', async () => {
  const junk = join(dir, 'junk.png');
  await writeFile(junk, 'not a png');
  await assert.rejects(trainPatchCore({ images: [junk], config }), (e: Error & { kind?: string }) => e.kind === 'invalid-input' && /junk\.png/.test(e.message));
  await assert.rejects(trainPatchCore({ images: [], config }), (e: Error & { kind?: string }) => e.kind === 'invalid-input');
});

test('training on one image gives a usable threshold (not 0): the image itself and most good parts pass', async () => {
  const { model: one } = await trainPatchCore({ images: screwImages('train').slice(0, 1), config });
  try {
    const t = one.info.defaultThreshold;
    assert.ok(t > 0, `threshold ${t}`);
    assert.ok((await one.infer(await decodeImage(screwImages('train')[0]!))).score < t, 'its own training image passes');
    const scores: number[] = [];
    for (const f of screwImages('test', 'good').slice(0, 4)) scores.push((await one.infer(await decodeImage(f))).score);
    assert.ok(scores.filter((s) => s < t).length >= 2, `good scores ${scores.map((s) => s.toFixed(2)).join(' ')} against threshold ${t.toFixed(2)}`);
  } finally {
    await one.dispose();
  }
});
