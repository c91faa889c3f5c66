/** Position-conditioned matching: the patch extractor appends weight x grid column to every patch feature. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PatchExtractor } from '../../main/inference/patchcore/patch-extractor.js';
import { resolveConfig } from '../../main/inference/patchcore/config.js';
import { decodeImage } from '../../main/node/image-io.js';
import { screwImages } from '../helpers.js';

test('positionWeight adds one feature column, weight x patch column; the other features are unchanged', async () => {
  const base = resolveConfig({ registration: { width: 256, height: 128 }, positionWindow: 0 }, ['feat_s8']);
  assert.equal(base.positionWeight, 0, 'off by default');
  const img = await decodeImage(screwImages('train')[3]!, { channels: 1 });
  const plain = await PatchExtractor.create(base);
  const pos = await PatchExtractor.create({ ...base, positionWeight: 2 });
  try {
    const a = await plain.extract(img);
    const b = await pos.extract(img);
    assert.equal(b.dim, a.dim + 1);
    assert.equal(pos.dim, plain.dim + 1);
    for (const i of [0, 5, a.w + 3, a.h * a.w - 1]) {
      assert.equal(b.features[i * b.dim + a.dim], 2 * (i % a.w), `patch ${i}`);
      assert.deepEqual(b.features.subarray(i * b.dim, i * b.dim + a.dim), a.features.subarray(i * a.dim, (i + 1) * a.dim));
    }
  } finally {
    await plain.dispose();
    await pos.dispose();
  }
});
