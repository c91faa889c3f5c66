/**
 * The classifier's onnxruntime graphs compute what the per-row formulas say: scores as `predict` (plain TypeScript,
 * used at inspection), and each mini-batch's gradients of the weighted binary cross-entropy as the chain rule gives them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mulberry32 } from '../../main/common/random.js';
import { MlpSessions, type GraphParams } from '../../main/inference/supervised/mlp-graph.js';
import { predict, toGraphParams, type ClassifierParams } from '../../main/inference/supervised/classifier.js';

function randomParams(d: number, hidden: number, seed: number): ClassifierParams {
  const r = mulberry32(seed);
  const rows = Math.max(1, hidden);
  const f = (n: number, s = 1) => Float32Array.from({ length: n }, () => (r() * 2 - 1) * s);
  return { dims: d, hidden, mean: f(d, 0.5), std: Float32Array.from({ length: d }, () => 0.5 + r()), w1: f(rows * d, 0.4), b1: f(rows, 0.2), w2: f(hidden), b2: 0.1 };
}

/** Gradients by the per-row chain rule in float64: the reference the graph must match. */
function referenceGradients(p: ClassifierParams, xs: Float32Array, y: Float32Array, g: Float32Array, b: number): { gw1t: Float64Array; gb1: Float64Array; gw2: Float64Array; gb2: number } {
  const d = p.dims, H = p.hidden, rows = Math.max(1, H);
  const gw1t = new Float64Array(d * rows), gb1 = new Float64Array(rows), gw2 = new Float64Array(H);
  let gb2 = 0;
  for (let i = 0; i < b; i++) {
    const x = xs.subarray(i * d, (i + 1) * d);
    const z1 = Array.from({ length: rows }, (_, j) => p.b1[j]! + x.reduce((s, v, k) => s + v * p.w1[j * d + k]!, 0));
    const z = H === 0 ? z1[0]! : p.b2 + z1.reduce((s, v, j) => s + Math.max(0, v) * p.w2[j]!, 0);
    const dz = (1 / (1 + Math.exp(-z)) - y[i]!) * g[i]!;
    if (H === 0) {
      gb1[0] += dz;
      for (let k = 0; k < d; k++) gw1t[k] += dz * x[k]!;
      continue;
    }
    gb2 += dz;
    for (let j = 0; j < H; j++) {
      if (z1[j]! <= 0) continue;
      gw2[j] += dz * z1[j]!;
      gb1[j] += dz * p.w2[j]!;
      for (let k = 0; k < d; k++) gw1t[k * rows + j] += dz * p.w2[j]! * x[k]!;
    }
  }
  return { gw1t, gb1, gw2, gb2 };
}

function close(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= 1e-5 + 1e-4 * Math.abs(b[i]!), `${what}[${i}]: ${a[i]} vs ${b[i]}`);
}

for (const hidden of [0, 8]) {
  test(`classifier graphs (hidden ${hidden}): scores equal predict, gradients equal the chain rule`, async () => {
    const d = 12, n = 300, b = 64;
    const p = randomParams(d, hidden, 3 + hidden);
    const r = mulberry32(9);
    const x = Float32Array.from({ length: n * d }, () => r() * 4 - 2);
    const sessions = await MlpSessions.create(d, hidden);
    try {
      close(await sessions.scores(x, n, toGraphParams(p), p), predict(p, x, n), 'p');
      const y = Float32Array.from({ length: b }, (_, i) => i % 3 === 0 ? 1 : 0);
      const g = Float32Array.from({ length: b }, () => r() / b);
      const xs = x.subarray(0, b * d);
      const gp: GraphParams = toGraphParams(p);
      const out = await sessions.gradients(xs, y, g, b, gp);
      const ref = referenceGradients(p, xs, y, g, b);
      close(out.gw1t, ref.gw1t, 'gw1t');
      close(out.gb1, ref.gb1, 'gb1');
      if (hidden > 0) {
        close(out.gw2, ref.gw2, 'gw2');
        close(out.gb2, [ref.gb2], 'gb2');
      }
      assert.ok(ref.gw1t.some((v) => Math.abs(v) > 1e-3), 'gradients large enough to compare');
    } finally {
      await sessions.dispose();
    }
  });
}
