import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pixelAuroc, PixelAurocAccumulator } from '../../main/evaluation/pixel-metrics.js';
import type { PixelPair } from '../../main/evaluation/pixel-metrics.js';
import { auroc } from '../../main/evaluation/metrics.js';
import type { Label } from '../../main/evaluation/metrics.js';
import { StationFault } from '../../main/common/result.js';

const close = (a: number, b: number, eps = 1e-12) => assert.ok(Math.abs(a - b) <= eps, `${a} != ${b}`);
const invalid = (fn: () => unknown) =>
  assert.throws(fn, (e: unknown) => e instanceof StationFault && e.kind === 'invalid-input');
const fmap = (w: number, h: number, v: number[]) => ({ width: w, height: h, data: Float32Array.from(v) });

// Image 1: 2x2 map [0.1, 0.4, 0.35, 0.8], mask [0, 0, 1, 1]; image 2: 1x2 map [0.2, 0.9], no mask (all good).
//   Defect pixels {0.35, 0.8}; good pixels {0.1, 0.4, 0.2, 0.9}.
//   0.35 beats 0.1, 0.2 -> 2; 0.8 beats 0.1, 0.4, 0.2 -> 3. Exact AUROC 5/8.
const pairs: PixelPair[] = [
  { map: fmap(2, 2, [0.1, 0.4, 0.35, 0.8]), mask: Uint8Array.from([0, 0, 1, 1]) },
  { map: fmap(1, 2, [0.2, 0.9]), mask: null },
];

test('pixelAuroc with fine bins equals the exact value', () => {
  const r = pixelAuroc(pairs);
  close(r.auroc, 5 / 8, 1e-9);
  assert.equal(r.errorBound, 0); // no defect pixel shares a bin with a good pixel
  assert.equal(r.positivePixels, 2);
  assert.equal(r.negativePixels, 4);
  assert.deepEqual(r.range.map((v) => Math.round(v * 1e6) / 1e6), [0.1, 0.9]);
});

test('pixelAuroc with coarse bins stays within its error bound', () => {
  // 4 bins over [0.1, 0.9], width 0.2: bin0 goods {0.1, 0.2}; bin1 good 0.4 + defect 0.35; bin2 empty;
  // bin3 defect 0.8 + good 0.9 (top edge clamped). Wins: bin1 1*(2 + 1/2) + bin3 1*(3 + 1/2) = 6 -> 6/8.
  // Bound = 1/2 * (1*1 + 1*1) / 8 = 1/8, and |6/8 - 5/8| = 1/8 exactly.
  const r = pixelAuroc(pairs, { bins: 4, range: [0.1, 0.9] });
  close(r.auroc, 0.75, 1e-9);
  close(r.errorBound, 0.125, 1e-9);
  // One bin: every pair tied.
  const one = pixelAuroc(pairs, { bins: 1 });
  assert.equal(one.auroc, 0.5);
  assert.equal(one.errorBound, 0.5);
});

test('pixelAuroc agrees with exact AUROC on random maps', () => {
  let seed = 12345;
  const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296);
  const list: PixelPair[] = [];
  const all: number[] = [];
  const labels: Label[] = [];
  for (let k = 0; k < 5; k++) {
    const w = 40;
    const h = 30;
    const data = new Float32Array(w * h);
    const mask = k === 0 ? null : new Uint8Array(w * h);
    for (let i = 0; i < w * h; i++) {
      const d = mask !== null && rnd() < 0.1;
      if (mask && d) mask[i] = 255;
      data[i] = rnd() * 3 + (d ? 1.5 : 0);
      all.push(data[i]);
      labels.push(d ? 1 : 0);
    }
    list.push({ map: { width: w, height: h, data }, mask });
  }
  const exact = auroc(all, labels);
  const r = pixelAuroc(list);
  assert.ok(Math.abs(r.auroc - exact) <= r.errorBound + 1e-12, `${r.auroc} vs ${exact} (bound ${r.errorBound})`);
  assert.ok(r.errorBound < 1e-3, `bound ${r.errorBound}`);
  assert.ok(exact > 0.6 && exact < 0.95);
  // Streaming accumulator with the same range gives the same result.
  const acc = new PixelAurocAccumulator(r.range);
  for (const p of list) acc.add(p.map, p.mask);
  assert.equal(acc.result().auroc, r.auroc);
});

test('pixelAuroc reads a generator once when a range is given, refuses it otherwise', () => {
  function* gen() {
    yield* pairs;
  }
  close(pixelAuroc(gen(), { range: [0, 1] }).auroc, 5 / 8, 1e-9);
  invalid(() => pixelAuroc(gen()));
});

test('pixelAuroc bad input', () => {
  invalid(() => pixelAuroc([]));
  invalid(() => pixelAuroc([{ map: fmap(2, 1, [0.1, 0.2]), mask: Uint8Array.from([1]) }])); // size mismatch
  invalid(() => pixelAuroc([{ map: fmap(2, 1, [0.1, 0.2]), mask: null }])); // no defect pixel
  invalid(() => pixelAuroc([{ map: fmap(2, 1, [0.1, 0.2]), mask: Uint8Array.from([1, 1]) }])); // no good pixel
  invalid(() => pixelAuroc([{ map: fmap(2, 1, [NaN, 0.2]), mask: Uint8Array.from([1, 0]) }], { range: [0, 1] }));
  invalid(() => pixelAuroc([{ map: fmap(2, 1, [Infinity, 0.2]), mask: Uint8Array.from([1, 0]) }]));
  invalid(() => new PixelAurocAccumulator([1, 0]));
  invalid(() => new PixelAurocAccumulator([0, 1], 0));
});
