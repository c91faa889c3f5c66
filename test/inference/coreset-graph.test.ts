import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mulberry32 } from '../../main/common/random.js';
import { greedyCoreset } from '../../main/inference/patchcore/coreset.js';
import { greedyCoresetOnnx } from '../../main/inference/patchcore/coreset-graph.js';

function clustered(n: number, d: number, seed: number): Float32Array {
  const r = mulberry32(seed);
  const x = new Float32Array(n * d);
  // Five clusters at different scales, so the farthest-first order has clear winners (no near-ties).
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) x[i * d + j] = (i % 5) * 7 * ((j % 3) - 1) + (i % 5 + 1) * (r() - 0.5);
  return x;
}

function coverageRadius(x: Float32Array, n: number, d: number, sel: ArrayLike<number>): number {
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
}

test('the onnxruntime coreset picks what the JavaScript reference picks, in the same order', async () => {
  const n = 1500, d = 24, k = 300;
  const x = clustered(n, d, 1);
  for (const projectionDim of [8, 24]) {
    const ref = greedyCoreset(x, n, d, k, { projectionDim, seed: 3 });
    const got = await greedyCoresetOnnx(x, n, d, k, { projectionDim, seed: 3 });
    assert.equal(new Set(got).size, k, 'no index chosen twice');
    // The first picks are far apart (no near-ties): identical. Later, float32 rounding may swap near-equal picks.
    assert.deepEqual([...got.subarray(0, 20)], [...ref.subarray(0, 20)], `projection ${projectionDim}: first picks`);
    const overlap = [...got].filter((i) => new Set(ref).has(i)).length;
    assert.ok(overlap >= 0.95 * k, `projection ${projectionDim}: ${overlap} of ${k} picks shared`);
    const rGot = coverageRadius(x, n, d, got), rRef = coverageRadius(x, n, d, ref);
    assert.ok(rGot <= rRef * 1.02, `coverage radius ${rGot} vs reference ${rRef}`);
  }
});

test('the onnxruntime coreset keeps everything when asked for as many rows as there are, and stops on abort', async () => {
  const x = clustered(50, 4, 2);
  assert.deepEqual([...(await greedyCoresetOnnx(x, 5, 4, 10, { projectionDim: 4, seed: 0 }))], [0, 1, 2, 3, 4]);
  const ac = new AbortController();
  ac.abort(new Error('stop'));
  await assert.rejects(greedyCoresetOnnx(x, 50, 4, 10, { projectionDim: 4, seed: 0, signal: ac.signal }), /stop/);
});
