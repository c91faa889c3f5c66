/**
 * The faster forms of the registration primitives compute exactly what the plain loops they replaced did
 * (bit for bit), and registration of real screws is unchanged: the hashes below were recorded with the code
 * before the speed work (commit 28783fb) and must only change with a deliberate change of the arithmetic.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { gaussianBlur, gaussianKernel } from '../../main/imaging/filters.js';
import { connectedComponents, fillHoles } from '../../main/imaging/components.js';
import { downsampleGray } from '../../main/imaging/gray.js';
import { otsuThreshold } from '../../main/imaging/segment.js';
import { register } from '../../main/inference/registration.js';
import { DEFAULT_PATCHCORE_CONFIG } from '../../main/inference/patchcore/config.js';
import { decodeImage } from '../../main/node/image-io.js';
import { SCREW } from '../helpers.js';

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

test('downsampling by 4 (32-bit word sums) equals the mean of each 4 x 4 block', () => {
  const rnd = lcg(1);
  for (const [w, h] of [[64, 64], [128, 30], [36, 37]] as const) {
    const data = Uint8Array.from({ length: w * h }, () => Math.floor(rnd() * 256));
    // Also at an odd byte offset, where the general loop runs.
    const shifted = new Uint8Array(w * h + 1).subarray(1);
    shifted.set(data);
    for (const d of [data, shifted]) {
      const got = downsampleGray({ width: w, height: h, channels: 1, data: d }, 4);
      assert.deepEqual([got.width, got.height], [Math.floor(w / 4), Math.floor(h / 4)]);
      for (let y = 0; y < got.height; y++) {
        for (let x = 0; x < got.width; x++) {
          let s = 0;
          for (let dy = 0; dy < 4; dy++) for (let dx = 0; dx < 4; dx++) s += d[(4 * y + dy) * w + 4 * x + dx]!;
          assert.equal(got.data[y * got.width + x], Math.fround(s * (1 / 16)), `${w}x${h} at ${x},${y}`);
        }
      }
    }
  }
});

test('gaussian blur four pixels at a time is bit-identical to one pixel at a time', () => {
  /** The row pass one pixel at a time in float32 storage, then the same column pass. */
  function oneAtATime(w: number, h: number, data: Float32Array, sigma: number): Float32Array {
    const k = gaussianKernel(sigma);
    const r = (k.length - 1) / 2;
    const refl = (i: number, n: number): number => { while (i < 0 || i >= n) i = i < 0 ? -i - 1 : 2 * n - i - 1; return i; };
    const tmp = new Float32Array(w * h), out = new Float32Array(w * h);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
      let s = 0;
      for (let j = 0; j < k.length; j++) s += k[j]! * Math.fround(data[y * w + refl(x + j - r, w)]!);
      tmp[y * w + x] = s;
    }
    for (let y = 0; y < h; y++) for (let j = 0; j < k.length; j++) for (let x = 0; x < w; x++) out[y * w + x]! += k[j]! * tmp[refl(y + j - r, h) * w + x]!;
    return out;
  }
  const rnd = lcg(2);
  for (const [w, h, sigma] of [[64, 40, 1.5], [37, 11, 2], [5, 9, 4]] as const) {
    const data = Float32Array.from({ length: w * h }, () => rnd() * 255);
    assert.deepEqual(gaussianBlur({ width: w, height: h, data }, sigma).data, oneAtATime(w, h, data, sigma), `${w}x${h} sigma ${sigma}`);
  }
});

test('hole filling by flooding from the border equals labelling every background region', () => {
  function byLabels(mask: Uint8Array, w: number, h: number): Uint8Array {
    const inverse = mask.map((v) => (v ? 0 : 1));
    const { labels, components } = connectedComponents(inverse, w, h);
    const border = new Set(components.filter((c) => c.x === 0 || c.y === 0 || c.x + c.w === w || c.y + c.h === h).map((c) => c.label));
    return mask.map((v, i) => (v || !border.has(labels[i]!) ? 1 : 0));
  }
  const rnd = lcg(3);
  for (let t = 0; t < 40; t++) {
    const w = 3 + Math.floor(rnd() * 30), h = 3 + Math.floor(rnd() * 30);
    const density = 0.3 + rnd() * 0.5; // from open backgrounds to many enclosed pockets
    const mask = Uint8Array.from({ length: w * h }, () => (rnd() < density ? 1 : 0));
    assert.deepEqual(fillHoles(mask, w, h), byLabels(mask, w, h), `case ${t} (${w}x${h})`);
  }
  // A background pocket touching the enclosure only diagonally is a hole (4-connectivity).
  const ring = Uint8Array.from([0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 1, 0, 1, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0]);
  assert.equal(fillHoles(ring, 5, 5)[12], 1);
});

test('Otsu bins values exactly as Math.round clamped to [0, 255] did', () => {
  function reference(values: ArrayLike<number>): number {
    const hist = new Float64Array(256);
    for (let i = 0; i < values.length; i++) hist[Math.max(0, Math.min(255, Math.round(values[i]!)))]!++;
    let sumAll = 0;
    for (let t = 0; t < 256; t++) sumAll += t * hist[t]!;
    let wB = 0, sumB = 0, best = 0, bestT = 127;
    for (let t = 0; t < 256; t++) {
      wB += hist[t]!;
      if (wB === 0) continue;
      const wF = values.length - wB;
      if (wF === 0) break;
      sumB += t * hist[t]!;
      const between = wB * wF * (sumB / wB - (sumAll - sumB) / wF) ** 2;
      if (between > best) { best = between; bestT = t; }
    }
    return bestT;
  }
  const rnd = lcg(4);
  for (let t = 0; t < 30; t++) {
    // Halves (rounding ties), values just outside the range, and a bimodal spread.
    const v = Float32Array.from({ length: 500 }, (_, i) => (i % 7 === 0 ? Math.floor(rnd() * 256) + 0.5 : i % 11 === 0 ? rnd() * 6 - 3 + (rnd() < 0.5 ? 0 : 255) : (rnd() < 0.3 ? 40 : 180) + rnd() * 60));
    assert.equal(otsuThreshold(v), reference(v), `case ${t}`);
  }
});

test('registration of real screws is unchanged by the speed work (canvas, mask and transform hashes)', async () => {
  const recorded: Record<string, string> = {
    'train/good/000.png': '45450c88a879ae6b',
    'test/scratch_neck/003.png': 'f96237bfa5a4aa0e',
    'test/thread_side/010.png': '5be24860f8b46a3b',
    'test/manipulated_front/005.png': 'c3e3ac467a28f4db',
  };
  // The settings the hashes were recorded with (the default's mask dilation has since gone from 8 to 4, and the
  // default scores the tight mask).
  const cfg = { ...DEFAULT_PATCHCORE_CONFIG.registration, maskDilation: 8, tightMask: false };
  for (const [file, hash] of Object.entries(recorded)) {
    const img = await decodeImage(join(SCREW, file), { channels: 1 });
    const r = register(img, cfg);
    const got = createHash('sha256').update(r.image.data).update(r.mask).update(JSON.stringify([r.toOriginal, r.angle, r.length])).digest('hex').slice(0, 16);
    assert.equal(got, hash, file);
  }
});
