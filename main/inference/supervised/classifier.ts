/**
 * A patch classifier in plain TypeScript: standardisation, then a one-hidden-layer MLP (ReLU) or, with
 * `hidden = 0`, logistic regression; trained with Adam on weighted binary cross-entropy.
 * Samples are rows of a Float32Array [n, d]. Deterministic for a given seed.
 */
import { StationFault } from '../../common/result.js';
import { mulberry32 } from '../../common/random.js';

export interface ClassifierParams {
  readonly dims: number;
  /** 0 = logistic regression. */
  readonly hidden: number;
  /** Per-dimension standardisation, x' = (x - mean) / std. */
  readonly mean: Float32Array;
  readonly std: Float32Array;
  /** [hidden, dims] (or [1, dims] for logistic regression). */
  readonly w1: Float32Array;
  readonly b1: Float32Array;
  /** [hidden] (empty for logistic regression). */
  readonly w2: Float32Array;
  readonly b2: number;
}

export interface TrainOptions {
  readonly hidden: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  /** L2 weight decay on the weights (not biases). */
  readonly l2: number;
  readonly seed: number;
}

export function computeStandardisation(x: Float32Array, n: number, d: number): { mean: Float32Array; std: Float32Array } {
  const mean = new Float64Array(d);
  const sq = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const o = i * d;
    for (let k = 0; k < d; k++) {
      const v = x[o + k];
      mean[k] += v;
      sq[k] += v * v;
    }
  }
  const m = new Float32Array(d);
  const s = new Float32Array(d);
  for (let k = 0; k < d; k++) {
    m[k] = mean[k] / n;
    s[k] = Math.sqrt(Math.max(sq[k] / n - m[k] * m[k], 0)) + 1e-4;
  }
  return { mean: m, std: s };
}

const sigmoid = (z: number): number => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

/** Probability of the positive class for each row of x [n, d] (raw, unstandardised features). */
export function predict(p: ClassifierParams, x: Float32Array, n: number): Float32Array {
  const d = p.dims;
  const out = new Float32Array(n);
  const xs = new Float32Array(d);
  const H = Math.max(1, p.hidden);
  for (let i = 0; i < n; i++) {
    const o = i * d;
    for (let k = 0; k < d; k++) xs[k] = (x[o + k] - p.mean[k]) / p.std[k];
    let z = p.b2;
    if (p.hidden === 0) {
      z = p.b1[0];
      for (let k = 0; k < d; k++) z += p.w1[k] * xs[k];
    } else {
      for (let j = 0; j < H; j++) {
        let a = p.b1[j];
        const w = j * d;
        for (let k = 0; k < d; k++) a += p.w1[w + k] * xs[k];
        if (a > 0) z += p.w2[j] * a;
      }
    }
    out[i] = sigmoid(z);
  }
  return out;
}

interface Adam {
  m: Float32Array;
  v: Float32Array;
}

/**
 * Trains on rows `index` of x with labels y (1 defect, 0 good) and per-row weights.
 * `init` continues from earlier parameters (hard-negative rounds keep what was learnt).
 */
export function trainClassifier(
  x: Float32Array,
  d: number,
  index: Int32Array,
  y: Uint8Array,
  weight: Float32Array,
  norm: { mean: Float32Array; std: Float32Array },
  opts: TrainOptions,
  init?: ClassifierParams,
): ClassifierParams {
  if (index.length === 0) throw new StationFault('invalid-input', 'no training samples');
  const rand = mulberry32(opts.seed);
  const H = opts.hidden;
  const rows = Math.max(1, H);
  const w1 = init ? Float32Array.from(init.w1) : new Float32Array(rows * d);
  const b1 = init ? Float32Array.from(init.b1) : new Float32Array(rows);
  const w2 = init ? Float32Array.from(init.w2) : new Float32Array(H);
  let b2 = init ? init.b2 : 0;
  if (!init) {
    // He initialisation for the hidden layer, small output weights.
    const s = Math.sqrt(2 / d);
    for (let i = 0; i < w1.length; i++) w1[i] = H === 0 ? 0 : (rand() * 2 - 1) * s * Math.sqrt(3);
    for (let j = 0; j < H; j++) w2[j] = (rand() * 2 - 1) * Math.sqrt(3 / H);
  }
  const aw1: Adam = { m: new Float32Array(w1.length), v: new Float32Array(w1.length) };
  const ab1: Adam = { m: new Float32Array(b1.length), v: new Float32Array(b1.length) };
  const aw2: Adam = { m: new Float32Array(w2.length), v: new Float32Array(w2.length) };
  const ab2: Adam = { m: new Float32Array(1), v: new Float32Array(1) };
  const g1 = new Float32Array(w1.length);
  const gb1 = new Float32Array(b1.length);
  const g2 = new Float32Array(w2.length);
  const gb2 = new Float32Array(1);
  const xs = new Float32Array(d);
  const act = new Float32Array(rows);
  const order = Int32Array.from(index);
  const beta1 = 0.9;
  const beta2 = 0.999;
  let step = 0;

  const adam = (param: Float32Array, grad: Float32Array, st: Adam, lr: number, decay: number) => {
    const c1 = 1 - Math.pow(beta1, step);
    const c2 = 1 - Math.pow(beta2, step);
    for (let i = 0; i < param.length; i++) {
      const g = grad[i] + decay * param[i];
      st.m[i] = beta1 * st.m[i] + (1 - beta1) * g;
      st.v[i] = beta2 * st.v[i] + (1 - beta2) * g * g;
      param[i] -= (lr * (st.m[i] / c1)) / (Math.sqrt(st.v[i] / c2) + 1e-8);
    }
  };

  for (let epoch = 0; epoch < opts.epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      const t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    // cosine decay keeps the last epochs from bouncing around
    const lr = opts.learningRate * 0.5 * (1 + Math.cos((Math.PI * epoch) / opts.epochs));
    for (let start = 0; start < order.length; start += opts.batchSize) {
      const end = Math.min(order.length, start + opts.batchSize);
      g1.fill(0);
      gb1.fill(0);
      g2.fill(0);
      gb2[0] = 0;
      let wsum = 0;
      for (let b = start; b < end; b++) wsum += weight[order[b]];
      if (wsum <= 0) continue;
      for (let b = start; b < end; b++) {
        const r = order[b];
        const o = r * d;
        for (let k = 0; k < d; k++) xs[k] = (x[o + k] - norm.mean[k]) / norm.std[k];
        let z: number;
        if (H === 0) {
          z = b1[0];
          for (let k = 0; k < d; k++) z += w1[k] * xs[k];
        } else {
          z = b2;
          for (let j = 0; j < H; j++) {
            let a = b1[j];
            const w = j * d;
            for (let k = 0; k < d; k++) a += w1[w + k] * xs[k];
            act[j] = a > 0 ? a : 0;
            z += w2[j] * act[j];
          }
        }
        // dL/dz of weighted BCE, averaged over the batch's weight
        const dz = ((sigmoid(z) - y[r]) * weight[r]) / wsum;
        if (H === 0) {
          gb1[0] += dz;
          for (let k = 0; k < d; k++) g1[k] += dz * xs[k];
        } else {
          gb2[0] += dz;
          for (let j = 0; j < H; j++) {
            if (act[j] <= 0) continue;
            g2[j] += dz * act[j];
            const da = dz * w2[j];
            gb1[j] += da;
            const w = j * d;
            for (let k = 0; k < d; k++) g1[w + k] += da * xs[k];
          }
        }
      }
      step++;
      adam(w1, g1, aw1, lr, opts.l2);
      adam(b1, gb1, ab1, lr, 0);
      if (H > 0) {
        adam(w2, g2, aw2, lr, opts.l2);
        const bb = new Float32Array([b2]);
        adam(bb, gb2, ab2, lr, 0);
        b2 = bb[0];
      }
    }
  }
  return { dims: d, hidden: H, mean: norm.mean, std: norm.std, w1, b1, w2, b2 };
}
