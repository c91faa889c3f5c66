import { test } from 'node:test';
import assert from 'node:assert/strict';
import { screwImages } from '../helpers.js';
import { decodeImage } from '../../main/node/image-io.js';
import { resolveConfig } from '../../main/inference/patchcore/config.js';
import { PatchExtractor } from '../../main/inference/patchcore/patch-extractor.js';

test('grid stride: feat_s4 on the 8 px grid is the 2 x 2 mean of its pooled 4 px grid, on a real screw', async () => {
  const base = { layers: ['feat_s4'], projectionDim: 0, positionWindow: 0 };
  const fine = await PatchExtractor.create(resolveConfig(base));
  const coarse = await PatchExtractor.create(resolveConfig({ ...base, gridStride: 8 }));
  try {
    const img = await decodeImage(screwImages('train')[0]!, { channels: 1 });
    const a = await fine.extract(img);
    const b = await coarse.extract(img);
    assert.equal(a.stride, 4);
    assert.equal(b.stride, 8);
    assert.deepEqual([b.h, b.w, b.dim], [a.h / 2, a.w / 2, 144]);
    let maxDiff = 0, maxAbs = 0;
    for (let y = 0; y < b.h; y++) {
      for (let x = 0; x < b.w; x++) {
        for (let c = 0; c < b.dim; c++) {
          let mean = 0;
          for (const [dy, dx] of [[0, 0], [0, 1], [1, 0], [1, 1]] as const) mean += a.features[((2 * y + dy) * a.w + 2 * x + dx) * a.dim + c]! / 4;
          const v = b.features[(y * b.w + x) * b.dim + c]!;
          maxDiff = Math.max(maxDiff, Math.abs(v - mean));
          maxAbs = Math.max(maxAbs, Math.abs(v));
        }
      }
    }
    assert.ok(maxAbs > 0.1, 'features are not all zero');
    assert.ok(maxDiff < 1e-4, `max |coarse - 2x2 mean of fine| = ${maxDiff}`);
    // The part's patches: a coarse cell is on the part when any of its pixels is.
    let onPart = 0;
    for (let i = 0; i < b.fg.length; i++) onPart += b.fg[i]!;
    assert.ok(onPart > 100 && onPart < b.fg.length, `${onPart} patches on the part`);
  } finally {
    await Promise.all([fine.dispose(), coarse.dispose()]);
  }
});

test('grid stride must be a multiple of the first layer stride', async () => {
  await assert.rejects(PatchExtractor.create(resolveConfig({ layers: ['feat_s8'], gridStride: 12, positionWindow: 0 })), /multiple of layer 'feat_s8' stride 8/);
});
