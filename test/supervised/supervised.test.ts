import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, readFileSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { sharedDir, repoRoot } from '../../main/node/paths.js';
import { decodeImage } from '../../main/node/image-io.js';
import { maskFromImage } from '../../main/inference/supervised/labels.js';
import { trainSupervised, type SupervisedSample } from '../../main/inference/supervised/train.js';
import { saveSupervisedModel, loadSupervisedModel } from '../../main/inference/supervised/artifact.js';
import { masksToBoxes } from '../../main/annotation/masks.js';

const screw = sharedDir('datasets', 'mvtec-screw');
const img = (p: string) => decodeImage(join(screw, p));

/** A scratch_neck training image labelled by its ground-truth mask, or by boxes around it as an annotator draws them. */
async function defect(n: string, by: 'mask' | 'boxes' = 'mask'): Promise<SupervisedSample> {
  const maskImage = await decodeImage(join(screw, 'ground_truth', 'scratch_neck', `${n}_mask.png`), { channels: 1 });
  const image = await img(`test/scratch_neck/${n}.png`);
  return by === 'mask' ? { name: n, image, mask: maskFromImage(maskImage) } : { name: n, image, boxes: masksToBoxes(maskImage) };
}

test('supervised model: trained on a few annotated scratches, it flags a held-out scratch above good screws; artifact reloads identically', async (t) => {
  const samples: SupervisedSample[] = [
    await defect('000'),
    await defect('004'),
    await defect('008', 'boxes'),
    await defect('012', 'boxes'),
    ...(await Promise.all(['000', '001', '002', '003', '004', '005'].map(async (n) => ({ name: n, image: await img(`train/good/${n}.png`) })))),
  ];
  const model = await trainSupervised(samples, {
    inputSize: 384,
    augmentDefects: 'rot4',
    augmentGood: 'none',
    epochs: 6,
    hardNegativeEpochs: 4,
    seed: 3,
  });
  const dir = mkdtempSync(join(tmpdir(), 'sup-'));
  try {
    assert.equal(model.info.kind, 'supervised');
    const heldOut = await img('test/scratch_neck/010.png');
    const out = await model.infer(heldOut);
    assert.equal(out.map!.width, 1024);
    assert.equal(out.map!.height, 1024);
    const goods = ['test/good/000.png', 'test/good/001.png', 'test/good/002.png', 'train/good/050.png'];
    const goodScores: number[] = [];
    for (const g of goods) goodScores.push((await model.infer(await img(g))).score);
    t.diagnostic(`held-out scratch ${out.score.toFixed(3)}, good ${goodScores.map((g) => g.toFixed(3)).join(' ')}, boxes ${out.boxes.length}`);
    assert.ok(out.score > Math.max(...goodScores), `defect ${out.score} vs good ${goodScores.join(', ')}`);
    // the best box lies on the annotated scratch
    const gt = masksToBoxes(await decodeImage(join(screw, 'ground_truth', 'scratch_neck', '010_mask.png'), { channels: 1 }))[0]!;
    const best = out.boxes[0];
    if (out.score >= model.info.defaultThreshold) {
      assert.ok(best, 'a box above the box threshold');
      const ix = Math.min(best.x + best.w, gt.x + gt.w) - Math.max(best.x, gt.x);
      const iy = Math.min(best.y + best.h, gt.y + gt.h) - Math.max(best.y, gt.y);
      assert.ok(ix > 0 && iy > 0, `box ${JSON.stringify(best)} misses the scratch ${JSON.stringify(gt)}`);
      assert.equal(best.label, 'defect');
    }

    await saveSupervisedModel(model, dir);
    const reloaded = await loadSupervisedModel(dir);
    assert.equal((await reloaded.infer(heldOut)).score, out.score);
    await reloaded.dispose();
    // a fresh process gives the same score, bit for bit
    const script = join(dir, 'score.mts');
    writeFileSync(
      script,
      `import { loadSupervisedModel } from ${JSON.stringify(join(repoRoot, 'main/inference/supervised/artifact.ts'))};
import { decodeImage } from ${JSON.stringify(join(repoRoot, 'main/node/image-io.ts'))};
const m = await loadSupervisedModel(${JSON.stringify(dir)});
const o = await m.infer(await decodeImage(${JSON.stringify(join(screw, 'test/scratch_neck/010.png'))}));
console.log(JSON.stringify({ score: o.score }));
await m.dispose();
`,
    );
    const r = spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: repoRoot, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout.trim().split('\n').pop()!).score, out.score);

    // damaged artifacts fail with bad-model, naming the problem
    const weights = join(dir, 'weights.bin');
    truncateSync(weights, 100);
    await assert.rejects(loadSupervisedModel(dir), (e: { kind?: string; message?: string }) => e.kind === 'bad-model' && /bytes/.test(e.message ?? ''));
    writeFileSync(join(dir, 'model.json'), readFileSync(join(dir, 'model.json'), 'utf8').replace('"supervised"', '"patchcore"'));
    await assert.rejects(loadSupervisedModel(dir), (e: { kind?: string }) => e.kind === 'bad-model');
    await assert.rejects(loadSupervisedModel(join(dir, 'missing')), (e: { kind?: string }) => e.kind === 'not-found');
  } finally {
    await model.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('supervised training refuses data without defects or without good images', async () => {
  const good = { name: 'g', image: await img('train/good/000.png') };
  await assert.rejects(trainSupervised([good]), (e: { kind?: string }) => e.kind === 'invalid-input');
  const d = await defect('000');
  await assert.rejects(trainSupervised([d]), (e: { kind?: string }) => e.kind === 'invalid-input');
});
