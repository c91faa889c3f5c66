/**
 * Converter semantics on a small synthetic Keras model, checked against a direct channels-last implementation
 * of TensorFlow's rules (notably 'same' padding at stride 2, which the nsfwjs models never use, and average
 * pooling that ignores padded pixels), plus the literal parser and the unsupported-layer error.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { convertLayersModel, UnsupportedLayerError } from '../../native-models/converter/convert.js';
import { parseJsLiteral } from '../../native-models/converter/js-literal.js';
import type { TfjsLayersModel, WeightSpec } from '../../native-models/converter/tfjs-source.js';

// ---- a tiny channels-last reference of the TensorFlow ops used below --------------------------------------

/** [H, W, C] image. */
interface Img {
  h: number;
  w: number;
  c: number;
  d: Float64Array;
}
const at = (x: Img, i: number, j: number, k: number) => x.d[(i * x.w + j) * x.c + k]!;

/** TensorFlow's 'same' split: output ceil(n/s), total padding max((out-1)s + (k-1)d + 1 - n, 0), floor half before. */
function samePad(n: number, k: number, s: number, d: number): { out: number; before: number } {
  const out = Math.ceil(n / s);
  const total = Math.max((out - 1) * s + (k - 1) * d + 1 - n, 0);
  return { out, before: Math.floor(total / 2) };
}

/** Conv2D (mult = 0) or DepthwiseConv2D (mult >= 1), 'same' padding. kernel: [kh, kw, cin, cout|mult]. */
function conv(x: Img, kernel: Float32Array, kh: number, kw: number, cout: number, s: number, dil: [number, number], mult = 0): Img {
  const ph = samePad(x.h, kh, s, dil[0]);
  const pw = samePad(x.w, kw, s, dil[1]);
  const oc = mult ? x.c * mult : cout;
  const y: Img = { h: ph.out, w: pw.out, c: oc, d: new Float64Array(ph.out * pw.out * oc) };
  for (let i = 0; i < y.h; i++)
    for (let j = 0; j < y.w; j++)
      for (let o = 0; o < oc; o++) {
        let acc = 0;
        for (let a = 0; a < kh; a++)
          for (let b = 0; b < kw; b++) {
            const ii = i * s - ph.before + a * dil[0];
            const jj = j * s - pw.before + b * dil[1];
            if (ii < 0 || jj < 0 || ii >= x.h || jj >= x.w) continue;
            if (mult) {
              const c = Math.floor(o / mult);
              acc += at(x, ii, jj, c) * kernel[((a * kw + b) * x.c + c) * mult + (o % mult)]!;
            } else for (let c = 0; c < x.c; c++) acc += at(x, ii, jj, c) * kernel[((a * kw + b) * x.c + c) * cout + o]!;
          }
        y.d[(i * y.w + j) * oc + o] = acc;
      }
  return y;
}

function pool(x: Img, k: number, s: number, kind: 'max' | 'avg'): Img {
  const ph = samePad(x.h, k, s, 1);
  const pw = samePad(x.w, k, s, 1);
  const y: Img = { h: ph.out, w: pw.out, c: x.c, d: new Float64Array(ph.out * pw.out * x.c) };
  for (let i = 0; i < y.h; i++)
    for (let j = 0; j < y.w; j++)
      for (let c = 0; c < x.c; c++) {
        let acc = kind === 'max' ? -Infinity : 0;
        let n = 0;
        for (let a = 0; a < k; a++)
          for (let b = 0; b < k; b++) {
            const ii = i * s - ph.before + a;
            const jj = j * s - pw.before + b;
            if (ii < 0 || jj < 0 || ii >= x.h || jj >= x.w) continue; // padded pixels do not count
            const v = at(x, ii, jj, c);
            acc = kind === 'max' ? Math.max(acc, v) : acc + v;
            n++;
          }
        y.d[(i * y.w + j) * x.c + c] = kind === 'max' ? acc : acc / n;
      }
  return y;
}

const map = (x: Img, f: (v: number, c: number) => number): Img => ({ ...x, d: x.d.map((v, i) => f(v, i % x.c)) });

// ---- the synthetic model ---------------------------------------------------------------------------------

let seed = 7;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
const randArray = (n: number, scale = 0.5) => Float32Array.from({ length: n }, () => rand() * scale);

const W = {
  convA: randArray(3 * 3 * 3 * 4),
  convAb: randArray(4),
  dw: randArray(3 * 3 * 4 * 2),
  gamma: Float32Array.from({ length: 8 }, () => 1 + rand() * 0.3),
  beta: randArray(8),
  mean: randArray(8),
  variance: Float32Array.from({ length: 8 }, () => 0.5 + Math.abs(rand())),
  convF: randArray(1 * 3 * 8 * 5),
  dense: randArray(13 * 3),
  denseB: randArray(3),
};
/** conv_f's kernel is stored uint8-quantized: codes, min, scale. */
const Q = { min: -0.5, scale: 1 / 255, codes: Uint8Array.from({ length: 1 * 3 * 8 * 5 }, () => Math.floor((rand() + 1) * 127.9)) };

function syntheticModel(): TfjsLayersModel {
  const L = (name: string, class_name: string, config: Record<string, unknown>, inbound: string[]) => ({
    name,
    class_name,
    config: { name, ...config },
    inbound_nodes: inbound.length ? [inbound.map((i) => [i, 0, 0, {}])] : [],
  });
  const layers = [
    L('input_1', 'InputLayer', { batch_input_shape: [null, null, null, 3], dtype: 'float32' }, []),
    L('conv_a', 'Conv2D', { filters: 4, kernel_size: [3, 3], strides: [2, 2], padding: 'same', data_format: 'channels_last', dilation_rate: [1, 1], activation: 'relu', use_bias: true }, ['input_1']),
    L('dw_b', 'DepthwiseConv2D', { kernel_size: [3, 3], strides: [2, 2], padding: 'same', depth_multiplier: 2, activation: 'linear', use_bias: false }, ['conv_a']),
    L('bn_c', 'BatchNormalization', { axis: -1, epsilon: 0.001, center: true, scale: true }, ['dw_b']),
    L('relu6_c', 'ReLU', { max_value: 6, negative_slope: 0, threshold: 0 }, ['bn_c']),
    L('pool_d', 'MaxPooling2D', { pool_size: [3, 3], strides: [2, 2], padding: 'same' }, ['relu6_c']),
    L('avg_e', 'AveragePooling2D', { pool_size: [3, 3], strides: [1, 1], padding: 'same' }, ['pool_d']),
    L('conv_f', 'Conv2D', { filters: 5, kernel_size: [1, 3], strides: [1, 1], padding: 'same', dilation_rate: [1, 2], activation: 'linear', use_bias: false }, ['pool_d']),
    L('concat_g', 'Concatenate', { axis: -1 }, ['avg_e', 'conv_f']),
    L('lambda_h', 'Lambda', { function: ['x * 2', null, null], function_type: 'lambda' }, ['concat_g']),
    L('gap_i', 'GlobalAveragePooling2D', {}, ['concat_g']),
    L('dense_j', 'Dense', { units: 3, activation: 'softmax', use_bias: true }, ['gap_i']),
  ];
  const specs: WeightSpec[] = [];
  const parts: Uint8Array[] = [];
  const add = (name: string, shape: number[], data: Float32Array) => {
    specs.push({ name, shape, dtype: 'float32' });
    parts.push(new Uint8Array(data.buffer.slice(0)));
  };
  add('conv_a/kernel', [3, 3, 3, 4], W.convA);
  add('conv_a/bias', [4], W.convAb);
  add('dw_b/depthwise_kernel', [3, 3, 4, 2], W.dw);
  add('bn_c/gamma', [8], W.gamma);
  add('bn_c/beta', [8], W.beta);
  add('bn_c/moving_mean', [8], W.mean);
  add('bn_c/moving_variance', [8], W.variance);
  specs.push({ name: 'conv_f/kernel', shape: [1, 3, 8, 5], dtype: 'float32', quantization: { dtype: 'uint8', min: Q.min, scale: Q.scale } });
  parts.push(Q.codes);
  add('dense_j/kernel', [13, 3], W.dense);
  add('dense_j/bias', [3], W.denseB);
  const total = parts.reduce((a, p) => a + p.byteLength, 0);
  const weightData = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    weightData.set(p, off);
    off += p.byteLength;
  }
  return {
    topology: { model_config: { class_name: 'Model', config: { name: 'synthetic', layers, input_layers: [['input_1', 0, 0]], output_layers: [['dense_j', 0, 0]] } } },
    weightSpecs: specs,
    weightData,
    source: 'synthetic',
  };
}

/** Channels-last forward pass of the synthetic model; returns concat_g and dense_j. */
function forward(x: Img): { concat: Img; probs: number[] } {
  const a = map(conv(x, W.convA, 3, 3, 4, 2, [1, 1]), (v, c) => Math.max(0, v + W.convAb[c]!));
  const b = conv(a, W.dw, 3, 3, 0, 2, [1, 1], 2);
  const bn = map(b, (v, c) => Math.min(6, Math.max(0, ((v - W.mean[c]!) / Math.sqrt(W.variance[c]! + 0.001)) * W.gamma[c]! + W.beta[c]!)));
  const d = pool(bn, 3, 2, 'max');
  const e = pool(d, 3, 1, 'avg');
  const kf = Float32Array.from(Q.codes, (q) => q * Q.scale + Q.min);
  const f = conv(d, kf, 1, 3, 5, 1, [1, 2]);
  const concat: Img = { h: e.h, w: e.w, c: 13, d: new Float64Array(e.h * e.w * 13) };
  for (let p = 0; p < e.h * e.w; p++) {
    for (let c = 0; c < 8; c++) concat.d[p * 13 + c] = e.d[p * 8 + c]!;
    for (let c = 0; c < 5; c++) concat.d[p * 13 + 8 + c] = f.d[p * 5 + c]!;
  }
  const gap = Array.from({ length: 13 }, (_, c) => {
    let s = 0;
    for (let p = 0; p < e.h * e.w; p++) s += concat.d[p * 13 + c]!;
    return s / (e.h * e.w);
  });
  const logits = [0, 1, 2].map((o) => gap.reduce((s, v, c) => s + v * W.dense[c * 3 + o]!, W.denseB[o]!));
  const mx = Math.max(...logits);
  const ex = logits.map((l) => Math.exp(l - mx));
  const sum = ex.reduce((s, v) => s + v, 0);
  return { concat, probs: ex.map((v) => v / sum) };
}

test('synthetic model: Keras same padding (stride 1 and 2), depthwise, pooling, BN, concat and dense match TensorFlow semantics', async () => {
  const model = syntheticModel();
  // quantizedMinElements 1: conv_f's kernel stays uint8 in the graph.
  const conv = convertLayersModel(model, { outputs: [{ layer: 'concat_g', as: 'features' }, { layer: 'dense_j', as: 'probs' }], quantizedMinElements: 1 });
  assert.deepEqual(conv.outputs.map((o) => [o.name, o.channels, o.stride]), [['features', 13, 8], ['probs', 3, 8]]);
  const session = await ort.InferenceSession.create(conv.onnx);
  // Odd sizes make TensorFlow's stride-2 'same' padding asymmetric (the extra pixel at the end).
  for (const [h, w] of [[16, 16], [19, 13], [9, 22]] as const) {
    const x: Img = { h, w, c: 3, d: Float64Array.from({ length: h * w * 3 }, () => rand() + 0.5) };
    const nchw = new Float32Array(3 * h * w);
    for (let i = 0; i < h * w; i++) for (let c = 0; c < 3; c++) nchw[c * h * w + i] = x.d[i * 3 + c]!;
    const out = await session.run({ input: new ort.Tensor('float32', nchw, [1, 3, h, w]) });
    const want = forward(x);
    const got = out['features']!;
    assert.deepEqual(got.dims, [1, 13, want.concat.h, want.concat.w], `${h}x${w} feature shape`);
    const g = got.data as Float32Array;
    let worst = 0;
    for (let c = 0; c < 13; c++)
      for (let p = 0; p < want.concat.h * want.concat.w; p++) worst = Math.max(worst, Math.abs(g[c * want.concat.h * want.concat.w + p]! - want.concat.d[p * 13 + c]!));
    assert.ok(worst < 1e-5, `${h}x${w}: features differ by ${worst}`);
    const probs = Array.from(out['probs']!.data as Float32Array);
    probs.forEach((p, i) => assert.ok(Math.abs(p - want.probs[i]!) < 1e-5, `${h}x${w}: probs ${probs} vs ${want.probs}`));
  }
  await session.release();
});

test('an unsupported layer is an error naming the layer, and only when an output needs it', () => {
  const model = syntheticModel();
  assert.throws(
    () => convertLayersModel(model, { outputs: [{ layer: 'lambda_h' }] }),
    (e: unknown) => e instanceof UnsupportedLayerError && e.layer === 'lambda_h' && /"lambda_h" \(Lambda\) is not supported/.test(e.message),
  );
  // The model's own output does not go through the Lambda layer.
  assert.equal(convertLayersModel(model).outputs[0]!.name, 'dense_j');
  assert.throws(() => convertLayersModel(model, { outputs: [{ layer: 'conv_z' }] }), /no layer named "conv_z"/);
});

test('weight data shorter than the manifest is a clear error', () => {
  const model = syntheticModel();
  assert.throws(() => convertLayersModel({ ...model, weightData: model.weightData.subarray(0, 100) }), /weight conv_a\/kernel: data ends at 100 bytes, need 432/);
});

test('literal parser reads minified object literals and refuses code', () => {
  const src = `a.exports={k:!0,f:!1,n:.5,e:-1e-3,"q":[1,null,'x\\'y'],nested:{t:true}};`;
  const at = src.indexOf('{');
  const { value, end } = parseJsLiteral(src, at);
  assert.deepEqual(JSON.parse(JSON.stringify(value)), { k: true, f: false, n: 0.5, e: -0.001, q: [1, null, "x'y"], nested: { t: true } });
  assert.equal(src[end], ';');
  assert.throws(() => parseJsLiteral('{a:require("fs")}'), /not a literal/);
});
