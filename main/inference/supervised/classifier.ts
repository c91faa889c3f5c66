/**
 * A patch classifier in plain TypeScript: standardisation, then a one-hidden-layer MLP (ReLU) or, with
 * `hidden = 0`, logistic regression; trained with Adam on weighted binary cross-entropy, the matrix work in
 * onnxruntime (mlp-graph.ts). Samples are rows of a Float32Array [n, d]. Deterministic for a given seed on one machine.
 */
import { StationFault } from '../../common/result.js';
import { mulberry32 } from '../../common/random.js';
import { MlpSessions, type GraphParams } from './mlp-graph.js';

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

/** The classifier's parameters in the graphs' layout (w1 transposed). */
export function toGraphParams(p: ClassifierParams): GraphParams {
  const rows = Math.max(1, p.hidden);
  const w1t = new Float32Array(p.w1.length);
  for (let j = 0; j < rows; j++) for (let k = 0; k < p.dims; k++) w1t[k * rows + j] = p.w1[j * p.dims + k]!;
  return { w1t, b1: p.b1, w2: p.w2, b2: Float32Array.of(p.b2) };
}

/**
 * Trains on rows `index` of x with labels y (1 defect, 0 good) and per-row weights.
 * `init` continues from earlier parameters (hard-negative rounds keep what was learnt).
 * Each mini-batch's forward and backward pass runs in onnxruntime (mlp-graph.ts); Adam runs here.
 */
export async function trainClassifier(
  x: Float32Array,
  d: number,
  index: Int32Array,
  y: Uint8Array,
  weight: Float32Array,
  norm: { mean: Float32Array; std: Float32Array },
  opts: TrainOptions,
  init?: ClassifierParams,
  sessions?: MlpSessions,
): Promise<ClassifierParams> {
  if (index.length === 0) throw new StationFault('invalid-input', 'no training samples');
  const H = opts.hidden;
  const own = sessions ?? (await MlpSessions.create(d, H));
  if (own.d !== d || own.hidden !== H) throw new Error(`classifier sessions are for ${own.d} x ${own.hidden}, training needs ${d} x ${H}`);
  try {
    const rand = mulberry32(opts.seed);
    const rows = Math.max(1, H);
    const w1 = init ? Float32Array.from(init.w1) : new Float32Array(rows * d);
    const b1 = init ? Float32Array.from(init.b1) : new Float32Array(rows);
    const w2 = init ? Float32Array.from(init.w2) : new Float32Array(H);
    const b2 = Float32Array.of(init ? init.b2 : 0);
    if (!init) {
      // He initialisation for the hidden layer, small output weights.
      const s = Math.sqrt(2 / d);
      for (let i = 0; i < w1.length; i++) w1[i] = H === 0 ? 0 : (rand() * 2 - 1) * s * Math.sqrt(3);
      for (let j = 0; j < H; j++) w2[j] = (rand() * 2 - 1) * Math.sqrt(3 / H);
    }
    const { w1t } = toGraphParams({ dims: d, hidden: H, mean: norm.mean, std: norm.std, w1, b1, w2, b2: 0 });
    const params: GraphParams = { w1t, b1, w2, b2 };
    const aw1: Adam = { m: new Float32Array(w1t.length), v: new Float32Array(w1t.length) };
    const ab1: Adam = { m: new Float32Array(b1.length), v: new Float32Array(b1.length) };
    const aw2: Adam = { m: new Float32Array(w2.length), v: new Float32Array(w2.length) };
    const ab2: Adam = { m: new Float32Array(1), v: new Float32Array(1) };
    // Standardised once: row j of xsAll is x's row index[j].
    const n = index.length;
    const xsAll = new Float32Array(n * d);
    const yAll = new Float32Array(n);
    const wAll = new Float32Array(n);
    for (let j = 0; j < n; j++) {
      const o = index[j]! * d;
      for (let k = 0; k < d; k++) xsAll[j * d + k] = (x[o + k]! - norm.mean[k]!) / norm.std[k]!;
      yAll[j] = y[index[j]!]!;
      wAll[j] = weight[index[j]!]!;
    }
    const order = Int32Array.from({ length: n }, (_, j) => j);
    const xb = new Float32Array(opts.batchSize * d);
    const yb = new Float32Array(opts.batchSize);
    const gb = new Float32Array(opts.batchSize);
    const beta1 = 0.9;
    const beta2 = 0.999;
    let step = 0;

    const adam = (param: Float32Array, grad: Float32Array, st: Adam, lr: number, decay: number) => {
      const c1 = 1 - Math.pow(beta1, step);
      const c2 = 1 - Math.pow(beta2, step);
      for (let i = 0; i < param.length; i++) {
        const g = grad[i]! + decay * param[i]!;
        st.m[i] = beta1 * st.m[i]! + (1 - beta1) * g;
        st.v[i] = beta2 * st.v[i]! + (1 - beta2) * g * g;
        param[i] -= (lr * (st.m[i]! / c1)) / (Math.sqrt(st.v[i]! / c2) + 1e-8);
      }
    };

    for (let epoch = 0; epoch < opts.epochs; epoch++) {
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1));
        const t = order[i]!;
        order[i] = order[j]!;
        order[j] = t;
      }
      // cosine decay keeps the last epochs from bouncing around
      const lr = opts.learningRate * 0.5 * (1 + Math.cos((Math.PI * epoch) / opts.epochs));
      for (let start = 0; start < n; start += opts.batchSize) {
        const end = Math.min(n, start + opts.batchSize);
        let wsum = 0;
        for (let b = start; b < end; b++) wsum += wAll[order[b]!]!;
        if (wsum <= 0) continue;
        const bs = end - start;
        for (let b = 0; b < bs; b++) {
          const r = order[start + b]!;
          xb.set(xsAll.subarray(r * d, (r + 1) * d), b * d);
          yb[b] = yAll[r]!;
          // dL/dz of weighted BCE, averaged over the batch's weight
          gb[b] = wAll[r]! / wsum;
        }
        const g = await own.gradients(xb.subarray(0, bs * d), yb.subarray(0, bs), gb.subarray(0, bs), bs, params);
        step++;
        adam(w1t, g.gw1t, aw1, lr, opts.l2);
        adam(b1, g.gb1, ab1, lr, 0);
        if (H > 0) {
          adam(w2, g.gw2, aw2, lr, opts.l2);
          adam(b2, g.gb2, ab2, lr, 0);
        }
      }
    }
    for (let j = 0; j < rows; j++) for (let k = 0; k < d; k++) w1[j * d + k] = w1t[k * rows + j]!;
    return { dims: d, hidden: H, mean: norm.mean, std: norm.std, w1, b1, w2, b2: b2[0]! };
  } finally {
    if (!sessions) await own.dispose();
  }
}
