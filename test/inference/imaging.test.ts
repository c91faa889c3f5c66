import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gaussianBlur, gaussianKernel, resizeBilinear, dilate } from '../../main/imaging/filters.js';
import { connectedComponents, fillHoles, largestComponent, largeComponents } from '../../main/imaging/components.js';
import { kthSmallest, otsuThreshold, partWithoutShadow } from '../../main/imaging/segment.js';
import { invertAffine, applyAffine } from '../../main/imaging/warp.js';
import { boxesFromMap, verdictBoxes } from '../../main/inference/patchcore/anomaly-map.js';

/** Textbook separable blur with scipy's 'reflect' border, in float64, to check the fast one against. */
function naiveBlur(w: number, h: number, d: Float32Array, sigma: number): Float64Array {
  const k = gaussianKernel(sigma);
  const r = (k.length - 1) / 2;
  const refl = (i: number, n: number): number => { while (i < 0 || i >= n) i = i < 0 ? -i - 1 : 2 * n - i - 1; return i; };
  const t = new Float64Array(w * h), o = new Float64Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) { let a = 0; for (let j = -r; j <= r; j++) a += k[j + r]! * d[y * w + refl(x + j, w)]!; t[y * w + x] = a; }
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) { let a = 0; for (let j = -r; j <= r; j++) a += k[j + r]! * t[refl(y + j, h) * w + x]!; o[y * w + x] = a; }
  return o;
}

test('gaussian blur equals the textbook separable filter, borders reflected, mass preserved', () => {
  const w = 37, h = 11;
  const d = Float32Array.from({ length: w * h }, (_, i) => Math.sin(i * 0.7) * 3 + (i % 5));
  const fast = gaussianBlur({ width: w, height: h, data: d }, 4).data; // radius 16 > h: reflection wraps repeatedly
  const slow = naiveBlur(w, h, d, 4);
  for (let i = 0; i < fast.length; i++) assert.ok(Math.abs(fast[i]! - slow[i]!) < 1e-5, `pixel ${i}`);
  const k = gaussianKernel(4);
  assert.equal(k.length, 33, 'truncated at 4 sigma');
  assert.ok(Math.abs(k.reduce((a, b) => a + b, 0) - 1) < 1e-6);
  const impulse = new Float32Array(21 * 21); impulse[10 * 21 + 10] = 1;
  const spread = gaussianBlur({ width: 21, height: 21, data: impulse }, 1).data;
  assert.ok(Math.abs(spread.reduce((a, b) => a + b, 0) - 1) < 1e-5, 'an interior impulse keeps its mass');
  assert.ok(spread[10 * 21 + 10]! > spread[10 * 21 + 11]!, 'peak stays at the centre');
});

test('bilinear resize with half-pixel centres: 2x2 -> 4x4 by hand', () => {
  const out = resizeBilinear({ width: 2, height: 2, data: Float32Array.from([0, 4, 8, 12]) }, 4, 4).data;
  // Output x centres map to source x = -0.25 (clamped 0), 0.25, 0.75, 1.25 (clamped 1): row 0 = 0, 1, 3, 4.
  assert.deepEqual([...out.slice(0, 4)], [0, 1, 3, 4]);
  assert.deepEqual([...out.slice(12, 16)], [8, 9, 11, 12]);
});

test('connected components, largest component, hole filling and dilation', () => {
  // 6x5:  two blobs (4-connected only), one with a hole.
  const img = Uint8Array.from([
    1, 1, 1, 0, 0, 0,
    1, 0, 1, 0, 1, 0,
    1, 1, 1, 0, 0, 1,
    0, 0, 0, 0, 0, 1,
    0, 0, 0, 0, 0, 0,
  ]);
  const { components } = connectedComponents(img, 6, 5);
  assert.deepEqual(components.map((c) => [c.area, c.x, c.y, c.w, c.h]), [[8, 0, 0, 3, 3], [1, 4, 1, 1, 1], [2, 5, 2, 1, 2]]);
  const big = largestComponent(img, 6, 5);
  assert.equal(big.reduce((a, b) => a + b, 0), 8);
  const filled = fillHoles(big, 6, 5);
  assert.equal(filled[1 * 6 + 1], 1, 'the enclosed pixel is filled');
  assert.equal(filled.reduce((a, b) => a + b, 0), 9);
  const grown = dilate(Uint8Array.from([0, 0, 0, 0, 1, 0, 0, 0, 0]), 3, 3, 1);
  assert.deepEqual([...grown], [1, 1, 1, 1, 1, 1, 1, 1, 1]);
});

test('large components keep every piece of at least the fraction of the largest one', () => {
  // Areas 8, 1 and 2 (the first test's blobs): at 0.2 the 2-pixel blob stays (2 >= 1.6), the speck goes.
  const img = Uint8Array.from([1, 1, 1, 0, 0, 0, 1, 0, 1, 0, 1, 0, 1, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
  const kept = largeComponents(img, 6, 5, 0.2);
  assert.equal(kept.reduce((a, b) => a + b, 0), 10);
  assert.equal(kept[1 * 6 + 4], 0, 'the speck is dropped');
  assert.deepEqual([...largeComponents(img, 6, 5, 1)], [...largestComponent(img, 6, 5)]);
});

test('the part without its shadow: dark part kept with its highlight, shadow band and a fibre in it dropped', () => {
  // 40 x 20 canvas: background 180; outline = rows 3..16 (the part and its shadow, 150); the part = rows 7..12, x 5..34
  // (gray 80) with a highlight (220) inside; a dark fibre (2 x 2, gray 70) lies in the shadow band, apart from the part.
  const w = 40, h = 20;
  const canvas = new Uint8Array(w * h).fill(180);
  const outline = new Uint8Array(w * h);
  for (let y = 3; y <= 16; y++) for (let x = 2; x <= 37; x++) { canvas[y * w + x] = 150; outline[y * w + x] = 1; }
  for (let y = 7; y <= 12; y++) for (let x = 5; x <= 34; x++) canvas[y * w + x] = 80;
  canvas[9 * w + 20] = 220; canvas[10 * w + 20] = 220;
  for (const [x, y] of [[10, 4], [11, 4], [10, 5], [11, 5]] as const) canvas[y * w + x] = 70;
  const part = partWithoutShadow(canvas, outline, w, h, 180);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const inPart = y >= 7 && y <= 12 && x >= 5 && x <= 34;
      assert.equal(part[y * w + x], inPart ? 1 : 0, `(${x}, ${y})`);
    }
  }
  // A light part on a dark background: the same split, the other way round.
  const inverted = canvas.map((v) => 255 - v);
  assert.deepEqual([...partWithoutShadow(inverted, outline, w, h, 255 - 180)], [...part]);
});

test('the part without its shadow keeps lit metal that a sharp edge separates from the shadow', () => {
  // 40 x 24 canvas, background 180, outline rows 2..21 x 1..38: a soft shadow, 3 levels darker per pixel inward
  // down to 150 (as a real shadow fades, so it is smooth). The part, rows 6..17 x 5..34: its lower half dark (80),
  // its upper half lit metal as gray as the shadow (150), whose silhouette is a 1-px bright rim (210). The Otsu split
  // alone drops the lit half; the rim stops the flood from the shadow, so the lit half is part.
  const w = 40, h = 24;
  const canvas = new Uint8Array(w * h).fill(180);
  const outline = new Uint8Array(w * h);
  for (let y = 2; y <= 21; y++) {
    for (let x = 1; x <= 38; x++) {
      const inward = Math.min(y - 1, 22 - y, x, 39 - x);
      canvas[y * w + x] = 180 - 3 * Math.min(inward, 10);
      outline[y * w + x] = 1;
    }
  }
  for (let y = 12; y <= 17; y++) for (let x = 5; x <= 34; x++) canvas[y * w + x] = 80;
  for (let x = 5; x <= 34; x++) canvas[6 * w + x] = 210;
  for (let y = 6; y <= 11; y++) { canvas[y * w + 5] = 210; canvas[y * w + 34] = 210; }
  const part = partWithoutShadow(canvas, outline, w, h, 180);
  for (let y = 7; y <= 11; y++) for (let x = 6; x <= 33; x++) assert.equal(part[y * w + x], 1, `lit metal (${x}, ${y}) kept`);
  for (let y = 12; y <= 17; y++) for (let x = 5; x <= 34; x++) assert.equal(part[y * w + x], 1, `dark metal (${x}, ${y}) kept`);
  // The shadow more than a pixel from the part is not (the pixel next to an edge has the edge's gradient).
  for (let y = 2; y <= 21; y++) {
    for (let x = 1; x <= 38; x++) {
      const far = y < 5 || y > 18 || x < 4 || x > 35;
      if (far) assert.equal(part[y * w + x], 0, `shadow (${x}, ${y}) dropped`);
    }
  }
});

test('kthSmallest agrees with sorting: random, repeated, sorted, reversed and constant arrays', () => {
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const cases = [
    Float64Array.from({ length: 1001 }, rnd),
    Float64Array.from({ length: 500 }, () => Math.floor(rnd() * 5)),
    Float64Array.from({ length: 300 }, (_, i) => i),
    Float64Array.from({ length: 300 }, (_, i) => -i),
    new Float64Array(64).fill(3),
    Float64Array.of(2),
  ];
  for (const a of cases) {
    const sorted = a.slice().sort();
    for (const k of [0, a.length >> 1, a.length - 1, Math.floor(a.length / 3)]) assert.equal(kthSmallest(a.slice(), k), sorted[k], `k ${k} of ${a.length}`);
  }
  assert.throws(() => kthSmallest(new Float64Array(3), 3), RangeError);
});

test('Otsu separates a bimodal histogram between its modes', () => {
  const v = [...Array(300).fill(40), ...Array(700).fill(200), 45, 195];
  const t = otsuThreshold(v);
  assert.ok(t >= 45 && t < 195, `threshold ${t}`);
});

test('affine inverse round-trips', () => {
  const m = { a: 2 * Math.cos(0.3), b: -2 * Math.sin(0.3), c: 100, d: 2 * Math.sin(0.3), e: 2 * Math.cos(0.3), f: -40 };
  const [x, y] = applyAffine(m, 12, 34);
  const [u, v] = applyAffine(invertAffine(m), x, y);
  assert.ok(Math.abs(u - 12) < 1e-9 && Math.abs(v - 34) < 1e-9);
});

test('boxes from a map: one per region above the threshold, in original pixels, highest first', () => {
  const w = 10, h = 6;
  const data = new Float32Array(w * h);
  for (const [x, y, v] of [[1, 1, 5], [2, 1, 6], [1, 2, 5], [2, 2, 5], [7, 3, 9], [8, 3, 8], [7, 4, 8], [8, 4, 8], [5, 5, 2]] as const) data[y * w + x] = v;
  const boxes = boxesFromMap({ width: w, height: h, data }, 4, 4, 4);
  assert.deepEqual(boxes.map((b) => [b.x, b.y, b.w, b.h, b.score]), [[28, 12, 8, 8, 9], [4, 4, 8, 8, 6]]);
});

test('verdict boxes: none when OK; regions above the threshold when NG; else the regions near the peak, never bare specks', () => {
  const w = 12, h = 8;
  const map = (cells: readonly (readonly [number, number, number])[]) => {
    const data = new Float32Array(w * h);
    for (const [x, y, v] of cells) data[y * w + x] = v;
    return { width: w, height: h, data };
  };
  const square = (x0: number, y0: number, v: number) => [[x0, y0, v], [x0 + 1, y0, v], [x0, y0 + 1, v], [x0 + 1, y0 + 1, v]] as const;
  const m = map([...square(1, 1, 3.5), ...square(7, 4, 3.3), [10, 0, 3.4], [5, 6, 2]]);
  assert.deepEqual(verdictBoxes(m, 3.6, 3.7, 4, 4), [], 'OK: no box, whatever the map');
  // NG by the image score, the map under the threshold everywhere: the two 2 x 2 regions within 90 % of the peak
  // (3.15), not the one-cell speck at (10, 0).
  assert.deepEqual(verdictBoxes(m, 3.8, 3.7, 4, 4).map((b) => [b.x, b.y, b.w, b.h, b.score]), [[4, 4, 8, 8, 3.5], [28, 16, 8, 8, 3.3]].map(([x, y, bw, bh, s]) => [x, y, bw, bh, Math.fround(s!)]));
  // Only specks near the peak: the peak's own region.
  const specks = map([[1, 1, 3.5], [6, 6, 3.4], [10, 2, 3.3]]);
  assert.deepEqual(verdictBoxes(specks, 3.8, 3.7, 4, 4).map((b) => [b.x, b.y, b.score]), [[4, 4, Math.fround(3.5)]]);
  // A region above the threshold: boxed as always (the speck above it too small to count).
  const above = map([...square(3, 3, 4.2), [9, 1, 4.0]]);
  assert.deepEqual(verdictBoxes(above, 4.5, 3.7, 4, 4).map((b) => [b.x, b.y, b.w, b.h]), [[12, 12, 8, 8]]);
});

test('dilation grows a mask by exactly the radius (square structuring element), including at borders', () => {
  const w = 9, h = 7;
  const m = new Uint8Array(w * h);
  m[3 * w + 4] = 1;
  m[0] = 1;
  const d = dilate(m, w, h, 2);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const want = (Math.abs(x - 4) <= 2 && Math.abs(y - 3) <= 2) || (x <= 2 && y <= 2) ? 1 : 0;
    assert.equal(d[y * w + x], want, `(${x}, ${y})`);
  }
});
