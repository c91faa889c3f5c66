/**
 * The layer converters: one function per Keras layer class (a table, not one long switch), each emitting the
 * ONNX nodes of a layer whose result tensor is named `out` (the layer name, or the output name asked for it).
 */
import { attr, int64Tensor, type Attr, type GraphBuilder } from '../../main/inference/onnx/graph-builder.js';
import type { KerasLayer } from './keras-topology.js';
import type { Context, Tensor } from './convert.js';

export class UnsupportedLayerError extends Error {
  constructor(
    readonly layer: string,
    readonly className: string,
    detail?: string,
  ) {
    super(`layer "${layer}" (${className}) is not supported by the TensorFlow.js -> ONNX converter${detail ? `: ${detail}` : ''}`);
    this.name = 'UnsupportedLayerError';
  }
}

/** What a converter gets: the layer, its inputs, and checks that throw UnsupportedLayerError with the reason. */
interface LayerInput {
  readonly ctx: Context;
  readonly layer: KerasLayer;
  readonly ins: Tensor[];
  readonly out: string;
  readonly c: KerasLayer['config'];
  readonly g: GraphBuilder;
  readonly name: string;
  /** The single input. */
  one(): Tensor;
  /** The single input, a channels-last image tensor. */
  image(): Tensor;
  unsupported(detail?: string): never;
}

type LayerConverter = (l: LayerInput) => Tensor;

const CHANNEL_AXIS: Record<string, number> = { '-1': 1, '3': 1, '1': 2, '2': 3 };

function pair(v: unknown): [number, number] {
  if (typeof v === 'number') return [v, v];
  if (Array.isArray(v) && v.length === 2) return [Number(v[0]), Number(v[1])];
  if (Array.isArray(v) && v.length === 1) return [Number(v[0]), Number(v[0])];
  throw new Error(`expected a pair, got ${JSON.stringify(v)}`);
}

/** Emits one layer; its result tensor is named `out` (the layer name, or the output name asked for it). */
/** Conv2D, DepthwiseConv2D, SeparableConv2D. */
const convertConv2D: LayerConverter = ({ ctx, layer, out, c, g, name, image }) => {
  const x = image();
  const [kh, kw] = pair(c['kernel_size']);
  const strides = pair(c['strides'] ?? 1);
  const dil = pair(c['dilation_rate'] ?? 1);
  const cin = x.channels!;
  const padAttrs = spatialPadding(layer, c['padding'], [kh, kw], strides, dil);
  const pre = isLinear(c['activation']) ? out : `${name}/conv`;
  let cur: string;
  let cout: number;
  if (layer.className === 'Conv2D') {
    const groups = Number(c['groups'] ?? 1);
    cout = Number(c['filters']);
    const kernel = ctx.constant(`${name}/kernel`, ctx.weight(layer, 'kernel')!, [3, 2, 0, 1], [cout, cin / groups, kh, kw], true);
    const bias = c['use_bias'] !== false ? ctx.constant(`${name}/bias`, ctx.weight(layer, 'bias')!, null, [cout]) : undefined;
    cur = g.op('Conv', bias ? [x.name, kernel, bias] : [x.name, kernel], convAttrs([kh, kw], strides, dil, groups, padAttrs), pre);
  } else {
    const mult = Number(c['depth_multiplier'] ?? 1);
    // [kh, kw, cin, mult] -> [cin, mult, kh, kw] = [cin*mult, 1, kh, kw]; output channel c*mult + m as in TF.
    const dk = ctx.constant(`${name}/depthwise_kernel`, ctx.weight(layer, 'depthwise_kernel')!, [2, 3, 0, 1], [cin * mult, 1, kh, kw], true);
    if (layer.className === 'DepthwiseConv2D') {
      cout = cin * mult;
      const bias = c['use_bias'] !== false ? ctx.constant(`${name}/bias`, ctx.weight(layer, 'bias')!, null, [cout]) : undefined;
      cur = g.op('Conv', bias ? [x.name, dk, bias] : [x.name, dk], convAttrs([kh, kw], strides, dil, cin, padAttrs), pre);
    } else {
      cout = Number(c['filters']);
      const dw = g.op('Conv', [x.name, dk], convAttrs([kh, kw], strides, dil, cin, padAttrs), `${name}/depthwise`);
      const pk = ctx.constant(`${name}/pointwise_kernel`, ctx.weight(layer, 'pointwise_kernel')!, [3, 2, 0, 1], [cout, cin * mult, 1, 1], true);
      const bias = c['use_bias'] !== false ? ctx.constant(`${name}/bias`, ctx.weight(layer, 'bias')!, null, [cout]) : undefined;
      cur = g.op('Conv', bias ? [dw, pk, bias] : [dw, pk], convAttrs([1, 1], [1, 1], [1, 1], 1, { pads: attr.ints([0, 0, 0, 0]) }), pre);
    }
  }
  const y = pre === out ? cur : activation(ctx, layer, cur, c['activation'], 4, out);
  return { name: y, rank: 4, channels: cout, stride: x.stride * Math.max(...strides) };
};

/** Dense. */
const convertDense: LayerConverter = ({ ctx, layer, out, c, g, name, one, unsupported }) => {
  const x = one();
  const units = Number(c['units']);
  const w = ctx.weight(layer, 'kernel')!;
  const bias = c['use_bias'] !== false ? ctx.constant(`${name}/bias`, ctx.weight(layer, 'bias')!, null, [units]) : undefined;
  const pre = isLinear(c['activation']) ? out : `${name}/linear`;
  let cur: string;
  if (x.rank === 2) {
    const k = ctx.constant(`${name}/kernel`, w, null, [w.shape[0]!, units]);
    cur = bias ? g.op('Gemm', [x.name, k, bias], {}, pre) : g.op('MatMul', [x.name, k], {}, pre);
  } else if (x.rank === 4) {
    // Dense on a channels-last map acts on the channel axis: a 1x1 convolution in NCHW.
    const k = ctx.constant(`${name}/kernel`, w, [1, 0], [units, w.shape[0]!, 1, 1]);
    cur = g.op('Conv', bias ? [x.name, k, bias] : [x.name, k], convAttrs([1, 1], [1, 1], [1, 1], 1, { pads: attr.ints([0, 0, 0, 0]) }), pre);
  } else return unsupported(`input rank ${x.rank}`);
  const y = pre === out ? cur : activation(ctx, layer, cur, c['activation'], x.rank, out);
  return { name: y, rank: x.rank, channels: units, stride: x.stride };
};

/** BatchNormalization. */
const convertBatchNormalization: LayerConverter = ({ ctx, layer, out, c, g, name, one, unsupported }) => {
  const x = one();
  const axis = Number(Array.isArray(c['axis']) ? c['axis'][0] : (c['axis'] ?? -1));
  const channelAxis = x.rank === 4 ? axis === -1 || axis === 3 : axis === -1 || axis === 1;
  if (!channelAxis) unsupported(`normalisation over axis ${axis}`);
  const mean = ctx.weight(layer, 'moving_mean')!;
  const n = mean.shape[0]!;
  const gamma =
    c['scale'] !== false ? ctx.constant(`${name}/gamma`, ctx.weight(layer, 'gamma')!, null, [n]) : ctx.floats(`${name}/gamma`, new Float32Array(n).fill(1));
  const beta = c['center'] !== false ? ctx.constant(`${name}/beta`, ctx.weight(layer, 'beta')!, null, [n]) : ctx.floats(`${name}/beta`, new Float32Array(n));
  const mm = ctx.constant(`${name}/moving_mean`, mean, null, [n]);
  const mv = ctx.constant(`${name}/moving_variance`, ctx.weight(layer, 'moving_variance')!, null, [n]);
  const y = g.op('BatchNormalization', [x.name, gamma, beta, mm, mv], { epsilon: attr.float(Number(c['epsilon'] ?? 1e-3)) }, out);
  return { ...x, name: y };
};

/** Activation. */
const convertActivation: LayerConverter = ({ ctx, layer, out, c, one }) => {
  const x = one();
  return { ...x, name: activation(ctx, layer, x.name, c['activation'], x.rank, out) };
};

/** ReLU. */
const convertReLU: LayerConverter = ({ ctx, out, c, g, name, one, unsupported }) => {
  const x = one();
  const max = c['max_value'] == null ? null : Number(c['max_value']);
  const slope = Number(c['negative_slope'] ?? 0);
  const threshold = Number(c['threshold'] ?? 0);
  if (threshold !== 0) unsupported(`threshold ${threshold}`);
  let y: string;
  if (slope === 0) {
    y = max === null ? g.op('Relu', [x.name], {}, out) : g.op('Clip', [x.name, ctx.scalar(`${name}/lo`, 0), ctx.scalar(`${name}/hi`, max)], {}, out);
  } else {
    if (max !== null) unsupported('negative_slope together with max_value');
    y = g.op('LeakyRelu', [x.name], { alpha: attr.float(slope) }, out);
  }
  return { ...x, name: y };
};

/** LeakyReLU. */
const convertLeakyReLU: LayerConverter = ({ out, c, g, one }) => {
  const x = one();
  return { ...x, name: g.op('LeakyRelu', [x.name], { alpha: attr.float(Number(c['alpha'] ?? c['negative_slope'] ?? 0.3)) }, out) };
};

/** ELU. */
const convertELU: LayerConverter = ({ out, c, g, one }) => {
  const x = one();
  return { ...x, name: g.op('Elu', [x.name], { alpha: attr.float(Number(c['alpha'] ?? 1)) }, out) };
};

/** Softmax. */
const convertSoftmax: LayerConverter = ({ out, c, g, one, unsupported }) => {
  const x = one();
  const axis = Number(c['axis'] ?? -1);
  const onnxAxis = x.rank === 4 ? CHANNEL_AXIS[String(axis)] : axis;
  if (onnxAxis === undefined) unsupported(`axis ${axis}`);
  return { ...x, name: g.op('Softmax', [x.name], { axis: attr.int(onnxAxis!) }, out) };
};

/** ZeroPadding2D. */
const convertZeroPadding2D: LayerConverter = ({ out, c, g, name, image, unsupported }) => {
  const x = image();
  const p = c['padding'];
  let top: number, bottom: number, left: number, right: number;
  if (typeof p === 'number') [top, bottom, left, right] = [p, p, p, p];
  else if (Array.isArray(p) && typeof p[0] === 'number') [top, bottom, left, right] = [p[0], p[0], p[1], p[1]];
  else if (Array.isArray(p) && Array.isArray(p[0])) [[top, bottom], [left, right]] = p as [[number, number], [number, number]];
  else return unsupported(`padding ${JSON.stringify(p)}`);
  const pads = g.initializer(int64Tensor(`${name}/pads`, [8], [0, 0, top, left, 0, 0, bottom, right]));
  return { ...x, name: g.op('Pad', [x.name, pads], {}, out) };
};

/** MaxPooling2D, AveragePooling2D. */
const convertMaxPooling2D: LayerConverter = ({ layer, out, c, g, image }) => {
  const x = image();
  const k = pair(c['pool_size'] ?? 2);
  const strides = pair(c['strides'] ?? k);
  const padAttrs = spatialPadding(layer, c['padding'], k, strides, [1, 1]);
  const attrs: Record<string, Attr> = { kernel_shape: attr.ints(k), strides: attr.ints(strides), ...padAttrs };
  // TensorFlow averages over the valid pixels only.
  if (layer.className === 'AveragePooling2D') attrs['count_include_pad'] = attr.int(0);
  const y = g.op(layer.className === 'MaxPooling2D' ? 'MaxPool' : 'AveragePool', [x.name], attrs, out);
  return { ...x, name: y, stride: x.stride * Math.max(...strides) };
};

/** GlobalAveragePooling2D, GlobalMaxPooling2D. */
const convertGlobalAveragePooling2D: LayerConverter = ({ layer, out, c, g, name, image }) => {
  const x = image();
  const pooled = g.op(layer.className === 'GlobalMaxPooling2D' ? 'GlobalMaxPool' : 'GlobalAveragePool', [x.name], {}, c['keepdims'] ? out : `${name}/pool`);
  if (c['keepdims']) return { ...x, name: pooled };
  return { name: g.op('Flatten', [pooled], { axis: attr.int(1) }, out), rank: 2, channels: x.channels, stride: x.stride };
};

/** Flatten. */
const convertFlatten: LayerConverter = ({ out, g, name, one }) => {
  const x = one();
  if (x.rank === 2) return x;
  // Keras flattens channels-last: go back to NHWC first so the element order matches.
  const nhwc = g.op('Transpose', [x.name], { perm: attr.ints([0, 2, 3, 1]) }, `${name}/nhwc`);
  return { name: g.op('Flatten', [nhwc], { axis: attr.int(1) }, out), rank: 2, channels: undefined, stride: x.stride };
};

/** Add, Multiply, Subtract, Average, Maximum, Minimum. */
const convertAdd: LayerConverter = ({ layer, ins, out, g, unsupported }) => {
  if (ins.length < 2) unsupported(`needs at least two inputs, got ${ins.length}`);
  const rank = ins[0]!.rank;
  if (ins.some((t) => t.rank !== rank)) unsupported('inputs of different rank');
  const names = ins.map((t) => t.name);
  let y: string;
  if (layer.className === 'Subtract') {
    if (ins.length !== 2) unsupported('Subtract takes exactly two inputs');
    y = g.op('Sub', names, {}, out);
  } else if (ins.length === 2 && (layer.className === 'Add' || layer.className === 'Multiply')) {
    y = g.op(layer.className === 'Add' ? 'Add' : 'Mul', names, {}, out);
  } else {
    const op = { Add: 'Sum', Multiply: null, Average: 'Mean', Maximum: 'Max', Minimum: 'Min' }[layer.className];
    if (op) y = g.op(op, names, {}, out);
    else {
      let acc = names[0]!;
      for (let i = 1; i < names.length; i++) acc = g.op('Mul', [acc, names[i]!], {}, i === names.length - 1 ? out : undefined);
      y = acc;
    }
  }
  return { name: y, rank, channels: ins[0]!.channels, stride: Math.max(...ins.map((t) => t.stride)) };
};

/** Concatenate. */
const convertConcatenate: LayerConverter = ({ ins, out, c, g, unsupported }) => {
  if (ins.length < 1) unsupported('no inputs');
  const rank = ins[0]!.rank;
  const axis = Number(c['axis'] ?? -1);
  const onnxAxis = rank === 4 ? CHANNEL_AXIS[String(axis)] : axis === -1 ? 1 : axis;
  if (onnxAxis === undefined) unsupported(`axis ${axis}`);
  const onChannels = onnxAxis === 1;
  const channels = onChannels
    ? ins.reduce<number | undefined>((a, t) => (a === undefined || t.channels === undefined ? undefined : a + t.channels), 0)
    : ins[0]!.channels;
  return {
    name: g.op(
      'Concat',
      ins.map((t) => t.name),
      { axis: attr.int(onnxAxis!) },
      out,
    ),
    rank,
    channels,
    stride: Math.max(...ins.map((t) => t.stride)),
  };
};

/** Dropout, SpatialDropout2D, GaussianNoise, GaussianDropout, AlphaDropout, ActivityRegularization. */
const convertDropout: LayerConverter = ({ one }) => {
  // Identity at inference.
  return one();
};

/** Keras layer class -> converter. A class not listed is an UnsupportedLayerError naming the layer. */
export const LAYER_CONVERTERS: Readonly<Record<string, LayerConverter>> = {
  Conv2D: convertConv2D,
  DepthwiseConv2D: convertConv2D,
  SeparableConv2D: convertConv2D,
  Dense: convertDense,
  BatchNormalization: convertBatchNormalization,
  Activation: convertActivation,
  ReLU: convertReLU,
  LeakyReLU: convertLeakyReLU,
  ELU: convertELU,
  Softmax: convertSoftmax,
  ZeroPadding2D: convertZeroPadding2D,
  MaxPooling2D: convertMaxPooling2D,
  AveragePooling2D: convertMaxPooling2D,
  GlobalAveragePooling2D: convertGlobalAveragePooling2D,
  GlobalMaxPooling2D: convertGlobalAveragePooling2D,
  Flatten: convertFlatten,
  Add: convertAdd,
  Multiply: convertAdd,
  Subtract: convertAdd,
  Average: convertAdd,
  Maximum: convertAdd,
  Minimum: convertAdd,
  Concatenate: convertConcatenate,
  Dropout: convertDropout,
  SpatialDropout2D: convertDropout,
  GaussianNoise: convertDropout,
  GaussianDropout: convertDropout,
  AlphaDropout: convertDropout,
  ActivityRegularization: convertDropout,
};

/** Emits one layer; its result tensor is named `out` (the layer name, or the output name asked for it). */
export function convertLayer(ctx: Context, layer: KerasLayer, ins: Tensor[], out: string): Tensor {
  const c = layer.config;
  const unsupported = (detail?: string): never => {
    throw new UnsupportedLayerError(layer.name, layer.className, detail);
  };
  const one = (): Tensor => {
    if (ins.length !== 1) unsupported(`expected one input, got ${ins.length}`);
    return ins[0]!;
  };
  const image = (): Tensor => {
    const x = one();
    if (x.rank !== 4) unsupported(`expected an image tensor, got rank ${x.rank}`);
    if (c['data_format'] && c['data_format'] !== 'channels_last') unsupported(`data_format ${c['data_format']}`);
    return x;
  };
  const convert = Object.hasOwn(LAYER_CONVERTERS, layer.className) ? LAYER_CONVERTERS[layer.className] : undefined;
  if (!convert) return unsupported();
  return convert({ ctx, layer, ins, out, c, g: ctx.g, name: layer.name, one, image, unsupported });
}

function convAttrs(k: readonly number[], strides: readonly number[], dil: readonly number[], group: number, pad: Record<string, Attr>): Record<string, Attr> {
  return { kernel_shape: attr.ints(k), strides: attr.ints(strides), dilations: attr.ints(dil), group: attr.int(group), ...pad };
}

/**
 * Keras padding as ONNX attributes. 'same' at stride 1 has a fixed split: total = d*(k-1), floor(total/2)
 * before and the rest after (TensorFlow's rule). At larger strides the split depends on the input size, which
 * ONNX SAME_UPPER computes the same way TensorFlow does (extra pixel at the end).
 */
function spatialPadding(layer: KerasLayer, padding: unknown, k: readonly number[], strides: readonly number[], dil: readonly number[]): Record<string, Attr> {
  if (padding === 'valid' || padding === undefined) return { pads: attr.ints([0, 0, 0, 0]) };
  if (padding !== 'same') throw new UnsupportedLayerError(layer.name, layer.className, `padding "${String(padding)}"`);
  if (strides.every((s) => s === 1)) {
    const total = k.map((kk, i) => dil[i]! * (kk - 1));
    const begin = total.map((t) => Math.floor(t / 2));
    return { pads: attr.ints([begin[0]!, begin[1]!, total[0]! - begin[0]!, total[1]! - begin[1]!]) };
  }
  return { auto_pad: attr.str('SAME_UPPER') };
}

function isLinear(act: unknown): boolean {
  return act == null || act === 'linear';
}

/** Keras activation by name, applied to `x`; returns the output tensor, named `out`. */
function activation(ctx: Context, layer: KerasLayer, x: string, act: unknown, rank: number, out: string): string {
  const g = ctx.g;
  const a = act == null ? 'linear' : typeof act === 'string' ? act : String((act as { class_name?: string }).class_name ?? act);
  switch (a) {
    case 'linear':
      return g.op('Identity', [x], {}, out);
    case 'relu':
      return g.op('Relu', [x], {}, out);
    case 'relu6':
      return g.op('Clip', [x, ctx.scalar(`${out}/lo`, 0), ctx.scalar(`${out}/hi`, 6)], {}, out);
    case 'sigmoid':
      return g.op('Sigmoid', [x], {}, out);
    case 'tanh':
      return g.op('Tanh', [x], {}, out);
    case 'softmax':
      return g.op('Softmax', [x], { axis: attr.int(rank === 4 ? 1 : -1) }, out);
    case 'elu':
      return g.op('Elu', [x], { alpha: attr.float(1) }, out);
    case 'selu':
      return g.op('Selu', [x], {}, out);
    case 'softplus':
      return g.op('Softplus', [x], {}, out);
    case 'softsign':
      return g.op('Softsign', [x], {}, out);
    case 'exponential':
      return g.op('Exp', [x], {}, out);
    case 'hard_sigmoid':
      // Keras 2: clip(0.2 x + 0.5, 0, 1).
      return g.op('HardSigmoid', [x], { alpha: attr.float(0.2), beta: attr.float(0.5) }, out);
    case 'swish':
    case 'silu':
      return g.op('Mul', [x, g.op('Sigmoid', [x])], {}, out);
    default:
      throw new UnsupportedLayerError(layer.name, layer.className, `activation "${a}"`);
  }
}
