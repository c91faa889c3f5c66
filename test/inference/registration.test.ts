import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { decodeImage } from '../../main/node/image-io.js';
import { register } from '../../main/inference/registration.js';
import { applyAffine } from '../../main/imaging/warp.js';
import { foregroundMask } from '../../main/imaging/segment.js';
import { screwImages } from '../helpers.js';

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

test('different parts register with the head on the left', async () => {
  // Head = wider end: in every canonical image the left quarter holds more of the part than the right quarter.
  for (const file of screwImages('train').slice(0, 6)) {
    const r = register(await decodeImage(file, { channels: 1 }), cfg);
    let left = 0, right = 0;
    for (let y = 0; y < cfg.height; y++) {
      for (let x = 0; x < cfg.width / 4; x++) left += r.mask[y * cfg.width + x]!;
      for (let x = (3 * cfg.width) / 4; x < cfg.width; x++) right += r.mask[y * cfg.width + x]!;
    }
    assert.ok(left > right, `${file}: left ${left} <= right ${right}`);
  }
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
