import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NearestNeighbourSearch } from '../../main/inference/patchcore/nn-graph.js';
import { greedyCoreset } from '../../main/inference/patchcore/coreset.js';
import { mulberry32 } from '../../main/common/random.js';
import { BankNeighbourhoods, reweightedScore, topCount, topMean } from '../../main/inference/patchcore/scoring.js';

function randomMatrix(n: number, d: number, seed: number): Float32Array {
  const r = mulberry32(seed);
  return Float32Array.from({ length: n * d }, () => r() * 2 - 1);
}

function bruteForce(q: Float32Array, nq: number, bank: Float32Array, nb: number, d: number): { dist: number[]; idx: number[] } {
  const dist: number[] = [], idx: number[] = [];
  for (let i = 0; i < nq; i++) {
    let best = Infinity, bi = -1;
    for (let m = 0; m < nb; m++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += (q[i * d + k]! - bank[m * d + k]!) ** 2;
      if (s < best) { best = s; bi = m; }
    }
    dist.push(Math.sqrt(best)); idx.push(bi);
  }
  return { dist, idx };
}

test('the ONNX nearest-neighbour graph equals brute force', async () => {
  const d = 24, nb = 300, nq = 57;
  const bank = randomMatrix(nb, d, 1);
  const q = randomMatrix(nq, d, 2);
  const nn = await NearestNeighbourSearch.create(bank, nb, d, 'cpu');
  try {
    const got = await nn.search(q, nq, 3);
    const want = bruteForce(q, nq, bank, nb, d);
    for (let i = 0; i < nq; i++) {
      assert.equal(got.idx[i * 3], want.idx[i], `row ${i} nearest index`);
      assert.ok(Math.abs(got.dist[i * 3]! - want.dist[i]!) < 1e-4, `row ${i} distance ${got.dist[i * 3]} vs ${want.dist[i]}`);
      assert.ok(got.dist[i * 3]! <= got.dist[i * 3 + 1]! && got.dist[i * 3 + 1]! <= got.dist[i * 3 + 2]!, 'sorted nearest first');
    }
    // A bank row queried against itself is at distance 0.
    const self = await nn.search(bank.subarray(5 * d, 6 * d), 1, 1);
    assert.equal(self.idx[0], 5);
    assert.ok(self.dist[0]! < 1e-3);
  } finally {
    await nn.dispose();
  }
});

test('greedy coreset covers the data better than a random subset of the same size', () => {
  const d = 8, n = 2000, k = 60;
  // Clustered data with one small, far cluster that random sampling tends to miss.
  const r = mulberry32(3);
  const x = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const far = i < 10;
    for (let j = 0; j < d; j++) x[i * d + j] = (far ? 10 : 0) + (r() - 0.5);
  }
  const radius = (sel: ArrayLike<number>): number => {
    let worst = 0;
    for (let i = 0; i < n; i++) {
      let best = Infinity;
      for (let s = 0; s < sel.length; s++) {
        let acc = 0;
        for (let j = 0; j < d; j++) acc += (x[i * d + j]! - x[sel[s]! * d + j]!) ** 2;
        best = Math.min(best, acc);
      }
      worst = Math.max(worst, best);
    }
    return Math.sqrt(worst);
  };
  const core = greedyCoreset(x, n, d, k, { projectionDim: 8, seed: 0 });
  assert.equal(new Set(core).size, k, 'no index chosen twice');
  const random = Array.from({ length: k }, (_, i) => 10 + Math.floor((i * (n - 10)) / k));
  assert.ok(core.some((i) => i < 10), 'the rare far cluster is kept');
  assert.ok(radius(core) < radius(random), `coverage radius ${radius(core)} should beat ${radius(random)}`);
  assert.deepEqual([...greedyCoreset(x, 5, d, 10, { projectionDim: 4, seed: 0 })], [0, 1, 2, 3, 4], 'count >= n keeps everything');
});

test('re-weighting lowers the score of a patch whose nearest bank patch sits in a dense neighbourhood', () => {
  // Bank: a dense cluster near the origin and one isolated point at (10, 0).
  const bank = Float32Array.from([0, 0, 0.1, 0, 0, 0.1, 0.1, 0.1, 10, 0]);
  const dense = reweightedScore(Float32Array.from([1, 0]), bank, 5, 2, 1, 0.9, 3);
  const isolated = reweightedScore(Float32Array.from([11, 0]), bank, 5, 2, 4, 1, 3);
  // Hand check of the dense case: N_3(m*=(0.1,0)) = {(0.1,0),(0,0),(0.1,0.1)}; distances 0.9, 1, 0.906;
  // w = 1 - e^0.9 / (e^0.9 + e^1 + e^0.906) = 0.6706...
  const w = 1 - Math.exp(0.9) / (Math.exp(0.9) + Math.exp(1) + Math.exp(Math.hypot(0.9, 0.1)));
  assert.ok(Math.abs(dense - w * 0.9) < 1e-6, `dense ${dense} vs ${w * 0.9}`);
  assert.ok(isolated / 1 > dense / 0.9, 'an isolated nearest neighbour keeps more of its score');
  assert.equal(reweightedScore(Float32Array.from([1, 0]), bank, 5, 2, 1, 0.9, 0), 0.9, 'b = 0 disables re-weighting');
});

test("a model's cached neighbourhoods N_b(m*) give exactly the scanned score, for every m* of a random bank", () => {
  const n = 300, d = 16, b = 9;
  let seed = 7;
  const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const bank = Float32Array.from({ length: n * d }, rand);
  const cache = new BankNeighbourhoods(bank, n, d, b);
  for (let m = 0; m < n; m++) {
    const q = Float32Array.from({ length: d }, (_, k) => bank[m * d + k]! + 0.05 * (rand() - 0.5));
    const sStar = Math.hypot(...q.map((v, k) => v - bank[m * d + k]!));
    const scanned = reweightedScore(q, bank, n, d, m, sStar, b);
    assert.equal(reweightedScore(q, bank, n, d, m, sStar, b, cache), scanned, `m* = ${m}`);
    assert.equal(cache.of(m), cache.of(m), 'looked up, not scanned again');
    assert.equal(cache.of(m)[0], m, 'm* first');
  }
  assert.deepEqual([...new BankNeighbourhoods(bank, 3, d, b).of(1)].length, 3, 'b is capped at the bank size');
});

test('the top-mean image score averages the k largest patch scores, k = round(fraction x patches), at least 1', () => {
  const scores = Float32Array.from([0.5, 3, 1, 4, 2, 0]);
  assert.equal(topCount(6, 0.5), 3);
  assert.equal(topCount(6, 0.01), 1, 'at least one patch');
  assert.equal(topCount(6, 1), 6);
  assert.equal(topCount(770, 0.01), 8, 'a screw: about 8 of 770 patches');
  assert.equal(topMean(scores, 3), 3, '(4 + 3 + 2) / 3');
  assert.equal(topMean(scores, 1), 4, 'k = 1 is the largest');
  assert.equal(topMean(scores, 6), 10.5 / 6);
  assert.deepEqual([...scores], [0.5, 3, 1, 4, 2, 0], 'the patch scores are left as they were');
  assert.throws(() => topMean(scores, 0), RangeError);
  assert.throws(() => topMean(scores, 7), RangeError);
});
