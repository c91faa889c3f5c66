import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { decodeImage } from '../../main/node/image-io.js';
import { register } from '../../main/inference/registration.js';
import { applyAffine, invertAffine } from '../../main/imaging/warp.js';
import { foregroundMask } from '../../main/imaging/segment.js';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { SCREW, screwImages } from '../helpers.js';
import { DEFAULT_PATCHCORE_CONFIG } from '../../main/inference/patchcore/config.js';

const cfg = { enabled: true, width: 256, height: 112, boxLength: 1.15, maskDilation: 2 };

/** Pearson correlation of two equally sized byte arrays. */
function correlation(a: Uint8Array, b: Uint8Array): number {
  let ma = 0, mb = 0;
  for (let i = 0; i < a.length; i++) { ma += a[i]!; mb += b[i]!; }
  ma /= a.length; mb /= b.length;
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]! - ma, y = b[i]! - mb;
    sab += x * y; saa += x * x; sbb += y * y;
  }
  return sab / Math.sqrt(saa * sbb);
}

test('segmentation finds the screw: a compact part covering a few percent of the image', async () => {
  const img = await decodeImage(screwImages('train')[0]!, { channels: 1 });
  const fg = foregroundMask(img);
  assert.ok(fg.coverage > 0.03 && fg.coverage < 0.3, `coverage ${fg.coverage}`);
  assert.ok(fg.bbox.w > 200 || fg.bbox.h > 200, 'the part spans hundreds of pixels');
});

test('a rotated copy of a part registers to the same canonical image', async () => {
  const file = screwImages('train')[3]!;
  const img = await decodeImage(file, { channels: 1 });
  // 90° rotation is exact (no resampling), so any difference comes from registration alone.
  const rotated = await decodeImage(await sharp(file).rotate(90).png().toBuffer(), { channels: 1 });
  const a = register(img, cfg);
  const b = register(rotated, cfg);
  const r = correlation(a.image.data, b.image.data);
  assert.ok(r > 0.9, `canonical images should match after a 90° turn, correlation ${r.toFixed(3)}`);
  const angleDiff = Math.abs(((b.angle - a.angle) * 180) / Math.PI);
  const wrapped = Math.min(Math.abs(angleDiff - 90), Math.abs(angleDiff - 270));
  assert.ok(wrapped < 5, `angle moves by 90°, got ${angleDiff.toFixed(1)}°`);
});

test('every shared screw registers with the head on the left, with margin', async () => {
  // The position window matches each patch only with bank patches of nearby columns, so a part registered the other
  // way round would be compared head against tip. Head = wider end: on the default canvas the part's area in the
  // tenth of its length at the left is at least 1.5 x that at the right, on every train and test image (defects
  // included; measured: 2.05 at the least, median 3.2).
  const reg = DEFAULT_PATCHCORE_CONFIG.registration;
  const W = reg.width;
  const files = [...screwImages('train'), ...readdirSync(join(SCREW, 'test')).sort().flatMap((t) => screwImages('test', t))];
  assert.ok(files.length >= 150, `${files.length} images`);
  for (const file of files) {
    const r = register(await decodeImage(file, { channels: 1 }), reg);
    let x0 = W, x1 = -1;
    for (let i = 0; i < r.mask.length; i++) {
      if (!r.mask[i]) continue;
      x0 = Math.min(x0, i % W);
      x1 = Math.max(x1, i % W);
    }
    const band = Math.round(0.1 * (x1 - x0));
    let left = 0, right = 0;
    for (let i = 0; i < r.mask.length; i++) {
      if (!r.mask[i]) continue;
      if (i % W < x0 + band) left++;
      else if (i % W > x1 - band) right++;
    }
    assert.ok(left >= 1.5 * right, `${file}: head end ${left} < 1.5 x tip end ${right}`);
  }
});

test('the tight mask scores the screw, not its shadow: the fibre beside test/good/005 is left out, the canvas unchanged', async () => {
  // test/good/005 has a fibre on the paper beside the neck, at about (463, 701) in the image, inside the coarse outline
  // (the outline takes in the shadow): with that outline it was the highest-scoring good test screw (README, Results).
  const reg = DEFAULT_PATCHCORE_CONFIG.registration;
  assert.equal(reg.tightMask, true, 'the station default');
  const img = await decodeImage(join(SCREW, 'test', 'good', '005.png'), { channels: 1 });
  const coarse = register(img, { ...reg, tightMask: false });
  const tight = register(img, reg);
  assert.deepEqual(tight.image.data, coarse.image.data, 'painted with the same outline: the features do not change');
  const [cx, cy] = applyAffine(invertAffine(tight.toOriginal), 463, 701).map(Math.round) as [number, number];
  const at = cy * reg.width + cx;
  assert.ok(tight.image.data[at]! < 135, `the fibre is dark on the canvas (gray ${tight.image.data[at]})`);
  assert.equal(coarse.mask[at], 1, 'the coarse outline holds the fibre');
  assert.equal(tight.mask[at], 0, 'the tight mask does not');
  let areaTight = 0, areaCoarse = 0, grayIn = 0, grayRing = 0;
  for (let i = 0; i < tight.mask.length; i++) {
    assert.ok(!tight.mask[i] || coarse.mask[i], 'inside the coarse outline');
    areaTight += tight.mask[i]!;
    areaCoarse += coarse.mask[i]!;
    if (tight.mask[i]) grayIn += tight.image.data[i]!;
    else if (coarse.mask[i]) grayRing += tight.image.data[i]!;
  }
  const ratio = areaTight / areaCoarse;
  assert.ok(ratio > 0.5 && ratio < 0.9, `tight / coarse area ${ratio.toFixed(2)}`);
  const dark = grayIn / areaTight, ring = grayRing / (areaCoarse - areaTight);
  assert.ok(ring - dark > 25, `what is left out is lighter than the part: ${ring.toFixed(0)} against ${dark.toFixed(0)}`);
});

test("the tight mask keeps a shiny screw's lit side: test/good/002", async () => {
  // The lit half of this screw's neck is as gray as the shadow; the gray-level split alone kept 36 % of the outline
  // (the dark half). Its silhouette edge keeps the lit half in: over all 196 shared images the mask holds 59-76 % of
  // the outline (measured).
  const reg = { ...DEFAULT_PATCHCORE_CONFIG.registration, maskDilation: 0 };
  const img = await decodeImage(join(SCREW, 'test', 'good', '002.png'), { channels: 1 });
  const coarse = register(img, { ...reg, tightMask: false });
  const tight = register(img, reg);
  let a = 0, b = 0;
  for (let i = 0; i < tight.mask.length; i++) { a += tight.mask[i]!; b += coarse.mask[i]!; }
  assert.ok(a / b > 0.55, `tight / outline ${(a / b).toFixed(2)}`);
  // Across the neck (the middle column), the whole diameter: 49 canvas px measured; the dark half alone was about 20.
  const W = reg.width, H = reg.height, x = Math.round(W * 0.5);
  const rows = [...Array(H).keys()].filter((y) => tight.mask[y * W + x]);
  assert.ok(rows.length >= 40, `the neck's rows in the mask at x = ${x}: ${rows.length}`);
});

test('toOriginal maps the canvas centre onto the part', async () => {
  const img = await decodeImage(screwImages('test', 'scratch_neck')[0]!, { channels: 1 });
  const r = register(img, cfg);
  const fg = foregroundMask(img);
  const [x, y] = applyAffine(r.toOriginal, cfg.width / 2, cfg.height / 2);
  const mx = Math.floor(x / fg.scale), my = Math.floor(y / fg.scale);
  assert.equal(fg.mask[my * fg.width + mx], 1, 'canvas centre lies on the part');
});

test('an image with no part is a clear invalid-input fault', () => {
  const blank = { width: 64, height: 64, channels: 1 as const, data: new Uint8Array(64 * 64).fill(200) };
  assert.throws(() => register(blank, cfg), (e: Error & { kind?: string }) => e.kind === 'invalid-input' && /no part/.test(e.message));
});
