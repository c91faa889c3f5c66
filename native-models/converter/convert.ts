/**
 * TensorFlow.js layers model (Keras, channels-last) -> ONNX (opset 13, NCHW).
 *
 * The graph takes `input` float32 [N, C, H, W] with dynamic N, H, W and runs every convolution natively in
 * NCHW: kernels are transposed once here ([kh, kw, cin, cout] -> [cout, cin, kh, kw]) instead of wrapping the
 * network in layout transposes. Keras padding is reproduced exactly: 'valid' is no padding, 'same' with
 * stride 1 is the static split TensorFlow uses (floor(total/2) before, the rest after), 'same' with a larger
 * stride is ONNX `SAME_UPPER`, which like TensorFlow puts the odd pixel at the end and depends on the input size.
 *
 * Only the layers needed for the requested outputs are converted, so an unused classifier head costs nothing
 * (and an unsupported layer there is no error). Large uint8-quantized convolution kernels stay uint8 in the
 * file and are expanded through a 256-entry table (Cast + Gather, folded by onnxruntime at session load).
 * That table holds float32(float32(code * scale) + min), what an ONNX Cast/Mul/Add dequantization computes
 * (and what the reference conversions in ../shared/models/reference use); TensorFlow.js rounds once from
 * double instead. The two differ by one ulp on some weights, and these networks amplify that to ~5e-4 in
 * deep features, so the convention matters when comparing outputs. Weights stored as float use tfjs' values.
 */
import { GraphBuilder, attr, floatTensor, int64Tensor, type Attr, type Dim } from '../../main/inference/onnx/graph-builder.js';
import { onnx, DataType } from '../../main/inference/onnx/proto.js';
import { parseKerasTopology, type KerasLayer } from './keras-topology.js';
import type { TfjsLayersModel } from './tfjs-source.js';
import { decodeWeights, floatValues, permute, type KerasWeight } from './weights.js';

export interface OutputRequest {
  /** Keras layer whose output becomes a graph output. */
  readonly layer: string;
  /** Graph output name; defaults to the layer name. */
  readonly as?: string;
}

export interface ConvertOptions {
  /** Graph outputs; default: the model's own outputs, named after their layers. */
  readonly outputs?: readonly OutputRequest[];
  /** Name of the graph input (default `input`). */
  readonly inputName?: string;
  /** uint8-quantized convolution kernels with at least this many elements stay uint8 in the file (default 4096). */
  readonly quantizedMinElements?: number;
  readonly graphName?: string;
}

export interface ConvertedOutput {
  readonly name: string;
  readonly layer: string;
  /** 4 for feature maps [N, C, h, w], 2 for vectors [N, C]. */
  readonly rank: number;
  /** Channel count; undefined when it depends on the input size (Flatten of a map). */
  readonly channels: number | undefined;
  /** Product of the strides on the way from the input (exact for 'same' padding, approximate for 'valid'). */
  readonly stride: number;
}

export interface ConvertedModel {
  readonly onnx: Uint8Array;
  readonly inputName: string;
  readonly inputChannels: number;
  readonly outputs: readonly ConvertedOutput[];
  /** Keras layers converted (the ones the outputs need). */
  readonly layersConverted: number;
}

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

/** What the converter knows about a tensor it produced. */
interface Tensor {
  readonly name: string;
  readonly rank: number;
  readonly channels: number | undefined;
  readonly stride: number;
}

export function convertLayersModel(model: TfjsLayersModel, options: ConvertOptions = {}): ConvertedModel {
  const graph = parseKerasTopology(model.topology);
  const weights = decodeWeights(model.weightSpecs, model.weightData);
  const inputName = options.inputName ?? 'input';
  const requests: readonly OutputRequest[] = options.outputs ?? graph.outputs.map((layer) => ({ layer }));
  if (requests.length === 0) throw new Error('no outputs requested');

  const byName = new Map(graph.layers.map((l) => [l.name, l]));
  for (const r of requests) {
    if (!byName.has(r.layer)) {
      const near = graph.layers.map((l) => l.name).filter((n) => n.includes(r.layer) || r.layer.includes(n)).slice(0, 8);
      throw new Error(`no layer named "${r.layer}" in ${model.source}${near.length ? ` (similar: ${near.join(', ')})` : ''}`);
    }
  }
  // Layers the requested outputs depend on.
  const needed = new Set<string>();
  const mark = (name: string): void => {
    if (needed.has(name)) return;
    needed.add(name);
    for (const i of byName.get(name)!.inbound) mark(i);
  };
  for (const r of requests) mark(r.layer);

  // Output names, checked up front. A requested layer's tensor is emitted under its output name directly: an
  // Identity to a graph output, next to a Pad that onnxruntime fuses into a Conv, breaks onnxruntime 1.30's
  // optimizer ("Node input ... is not a graph input"), so Identity is only used for repeats and aliases.
  const outNames = new Set<string>();
  const directName = new Map<string, string>();
  for (const r of requests) {
    const name = r.as ?? r.layer;
    if (outNames.has(name)) throw new Error(`output name "${name}" requested twice`);
    if (name !== r.layer && (byName.has(name) || name === inputName)) throw new Error(`output name "${name}" collides with a layer or input name`);
    outNames.add(name);
    if (!directName.has(r.layer)) directName.set(r.layer, name);
  }

  const ctx = new Context(new GraphBuilder(options.graphName ?? 'tfjs_layers_model'), weights, options.quantizedMinElements ?? 4096);
  const tensors = new Map<string, Tensor>();
  let inputChannels = 0;
  let converted = 0;
  for (const layer of graph.layers) {
    if (!needed.has(layer.name)) continue;
    const ins = layer.inbound.map((n) => tensors.get(n)!);
    let t: Tensor;
    if (layer.className === 'InputLayer') {
      const shape = (layer.config['batch_input_shape'] ?? layer.config['batch_shape']) as (number | null)[] | undefined;
      if (!shape || shape.length !== 4) throw new UnsupportedLayerError(layer.name, 'InputLayer', `input shape ${JSON.stringify(shape)} is not an image [N, H, W, C]`);
      inputChannels = shape[3] ?? 3;
      ctx.g.input(inputName, ['N', inputChannels, 'H', 'W']);
      t = { name: inputName, rank: 4, channels: inputChannels, stride: 1 };
    } else {
      t = convertLayer(ctx, layer, ins, directName.get(layer.name) ?? layer.name);
    }
    tensors.set(layer.name, t);
    converted++;
  }
  if (inputChannels === 0) throw new Error('the requested outputs do not depend on the model input');

  const outputs: ConvertedOutput[] = [];
  for (const r of requests) {
    const t = tensors.get(r.layer)!;
    const name = r.as ?? r.layer;
    if (name !== t.name) ctx.g.op('Identity', [t.name], {}, name);
    const dims: Dim[] = t.rank === 4 ? ['N', t.channels ?? `${name}_c`, `${name}_h`, `${name}_w`] : ['N', t.channels ?? `${name}_c`];
    ctx.g.output(name, dims);
    outputs.push({ name, layer: r.layer, rank: t.rank, channels: t.channels, stride: t.stride });
  }
  return { onnx: ctx.g.build(), inputName, inputChannels, outputs, layersConverted: converted };
}

class Context {
  constructor(
    readonly g: GraphBuilder,
    private readonly weights: Map<string, KerasWeight>,
    private readonly quantMin: number,
  ) {}

  weight(layer: KerasLayer, param: string, optional = false): KerasWeight | undefined {
    const key = `${layer.name}/${param}`;
    let w = this.weights.get(key);
    if (!w) for (const [k, v] of this.weights) if (k.endsWith(`/${key}`)) w = v;
    if (!w && !optional) throw new Error(`layer "${layer.name}" (${layer.className}): weight ${key} missing from the weight manifest`);
    return w;
  }

  /**
   * Adds a weight as an initializer, reordered by `perm` and given ONNX `dims`. With `quantize`, a large
   * uint8 weight stays uint8 and is expanded through a table (see the file comment for its rounding).
   */
  constant(name: string, w: KerasWeight, perm: readonly number[] | null, dims: readonly number[], quantize = false): string {
    const n = dims.reduce((a, b) => a * b, 1);
    if (n !== w.shape.reduce((a, b) => a * b, 1)) throw new Error(`weight ${w.name}: shape [${w.shape}] does not fit [${dims}]`);
    if (quantize && w.uint8 && n >= this.quantMin) {
      const codes = perm ? permute(w.uint8.codes, w.shape, perm) : w.uint8.codes;
      const s32 = Math.fround(w.uint8.scale);
      const m32 = Math.fround(w.uint8.min);
      const table = new Float32Array(256);
      for (let v = 0; v < 256; v++) table[v] = Math.fround(v * s32) + m32;
      this.g.initializer(
        onnx.TensorProto.create({ name: `${name}/codes`, dims: [...dims], dataType: DataType.UINT8, rawData: codes }),
      );
      this.g.initializer(floatTensor(`${name}/table`, [256], table));
      const idx = this.g.op('Cast', [`${name}/codes`], { to: attr.int(DataType.INT32) }, `${name}/index`);
      return this.g.op('Gather', [`${name}/table`, idx], { axis: attr.int(0) }, name);
    }
    const v = floatValues(w);
    return this.g.initializer(floatTensor(name, dims, perm ? permute(v, w.shape, perm) : v));
  }

  floats(name: string, values: readonly number[] | Float32Array): string {
    return this.g.initializer(floatTensor(name, [values.length], values instanceof Float32Array ? values : Float32Array.from(values)));
  }

  scalar(name: string, v: number): string {
    return this.g.initializer(floatTensor(name, [], [v]));
  }
}

const CHANNEL_AXIS: Record<string, number> = { '-1': 1, '3': 1, '1': 2, '2': 3 };

function pair(v: unknown): [number, number] {
  if (typeof v === 'number') return [v, v];
  if (Array.isArray(v) && v.length === 2) return [Number(v[0]), Number(v[1])];
  if (Array.isArray(v) && v.length === 1) return [Number(v[0]), Number(v[0])];
  throw new Error(`expected a pair, got ${JSON.stringify(v)}`);
}

/** Emits one layer; its result tensor is named `out` (the layer name, or the output name asked for it). */
function convertLayer(ctx: Context, layer: KerasLayer, ins: Tensor[], out: string): Tensor {
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
  const g = ctx.g;
  const name = layer.name;

  switch (layer.className) {
    case 'Conv2D':
    case 'DepthwiseConv2D':
    case 'SeparableConv2D': {
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
    }

    case 'Dense': {
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
    }

    case 'BatchNormalization': {
      const x = one();
      const axis = Number(Array.isArray(c['axis']) ? c['axis'][0] : (c['axis'] ?? -1));
      const channelAxis = x.rank === 4 ? axis === -1 || axis === 3 : axis === -1 || axis === 1;
      if (!channelAxis) unsupported(`normalisation over axis ${axis}`);
      const mean = ctx.weight(layer, 'moving_mean')!;
      const n = mean.shape[0]!;
      const gamma = c['scale'] !== false ? ctx.constant(`${name}/gamma`, ctx.weight(layer, 'gamma')!, null, [n]) : ctx.floats(`${name}/gamma`, new Float32Array(n).fill(1));
      const beta = c['center'] !== false ? ctx.constant(`${name}/beta`, ctx.weight(layer, 'beta')!, null, [n]) : ctx.floats(`${name}/beta`, new Float32Array(n));
      const mm = ctx.constant(`${name}/moving_mean`, mean, null, [n]);
      const mv = ctx.constant(`${name}/moving_variance`, ctx.weight(layer, 'moving_variance')!, null, [n]);
      const y = g.op('BatchNormalization', [x.name, gamma, beta, mm, mv], { epsilon: attr.float(Number(c['epsilon'] ?? 1e-3)) }, out);
      return { ...x, name: y };
    }

    case 'Activation': {
      const x = one();
      return { ...x, name: activation(ctx, layer, x.name, c['activation'], x.rank, out) };
    }

    case 'ReLU': {
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
    }

    case 'LeakyReLU': {
      const x = one();
      return { ...x, name: g.op('LeakyRelu', [x.name], { alpha: attr.float(Number(c['alpha'] ?? c['negative_slope'] ?? 0.3)) }, out) };
    }

    case 'ELU': {
      const x = one();
      return { ...x, name: g.op('Elu', [x.name], { alpha: attr.float(Number(c['alpha'] ?? 1)) }, out) };
    }

    case 'Softmax': {
      const x = one();
      const axis = Number(c['axis'] ?? -1);
      const onnxAxis = x.rank === 4 ? CHANNEL_AXIS[String(axis)] : axis;
      if (onnxAxis === undefined) unsupported(`axis ${axis}`);
      return { ...x, name: g.op('Softmax', [x.name], { axis: attr.int(onnxAxis!) }, out) };
    }

    case 'ZeroPadding2D': {
      const x = image();
      const p = c['padding'];
      let top: number, bottom: number, left: number, right: number;
      if (typeof p === 'number') [top, bottom, left, right] = [p, p, p, p];
      else if (Array.isArray(p) && typeof p[0] === 'number') [top, bottom, left, right] = [p[0], p[0], p[1], p[1]];
      else if (Array.isArray(p) && Array.isArray(p[0])) [[top, bottom], [left, right]] = p as [[number, number], [number, number]];
      else return unsupported(`padding ${JSON.stringify(p)}`);
      const pads = g.initializer(int64Tensor(`${name}/pads`, [8], [0, 0, top, left, 0, 0, bottom, right]));
      return { ...x, name: g.op('Pad', [x.name, pads], {}, out) };
    }

    case 'MaxPooling2D':
    case 'AveragePooling2D': {
      const x = image();
      const k = pair(c['pool_size'] ?? 2);
      const strides = pair(c['strides'] ?? k);
      const padAttrs = spatialPadding(layer, c['padding'], k, strides, [1, 1]);
      const attrs: Record<string, Attr> = { kernel_shape: attr.ints(k), strides: attr.ints(strides), ...padAttrs };
      // TensorFlow averages over the valid pixels only.
      if (layer.className === 'AveragePooling2D') attrs['count_include_pad'] = attr.int(0);
      const y = g.op(layer.className === 'MaxPooling2D' ? 'MaxPool' : 'AveragePool', [x.name], attrs, out);
      return { ...x, name: y, stride: x.stride * Math.max(...strides) };
    }

    case 'GlobalAveragePooling2D':
    case 'GlobalMaxPooling2D': {
      const x = image();
      const pooled = g.op(layer.className === 'GlobalMaxPooling2D' ? 'GlobalMaxPool' : 'GlobalAveragePool', [x.name], {}, c['keepdims'] ? out : `${name}/pool`);
      if (c['keepdims']) return { ...x, name: pooled };
      return { name: g.op('Flatten', [pooled], { axis: attr.int(1) }, out), rank: 2, channels: x.channels, stride: x.stride };
    }

    case 'Flatten': {
      const x = one();
      if (x.rank === 2) return x;
      // Keras flattens channels-last: go back to NHWC first so the element order matches.
      const nhwc = g.op('Transpose', [x.name], { perm: attr.ints([0, 2, 3, 1]) }, `${name}/nhwc`);
      return { name: g.op('Flatten', [nhwc], { axis: attr.int(1) }, out), rank: 2, channels: undefined, stride: x.stride };
    }

    case 'Add':
    case 'Multiply':
    case 'Subtract':
    case 'Average':
    case 'Maximum':
    case 'Minimum': {
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
    }

    case 'Concatenate': {
      if (ins.length < 1) unsupported('no inputs');
      const rank = ins[0]!.rank;
      const axis = Number(c['axis'] ?? -1);
      const onnxAxis = rank === 4 ? CHANNEL_AXIS[String(axis)] : axis === -1 ? 1 : axis;
      if (onnxAxis === undefined) unsupported(`axis ${axis}`);
      const onChannels = onnxAxis === 1;
      const channels = onChannels ? ins.reduce<number | undefined>((a, t) => (a === undefined || t.channels === undefined ? undefined : a + t.channels), 0) : ins[0]!.channels;
      return { name: g.op('Concat', ins.map((t) => t.name), { axis: attr.int(onnxAxis!) }, out), rank, channels, stride: Math.max(...ins.map((t) => t.stride)) };
    }

    case 'Dropout':
    case 'SpatialDropout2D':
    case 'GaussianNoise':
    case 'GaussianDropout':
    case 'AlphaDropout':
    case 'ActivityRegularization':
      // Identity at inference.
      return one();

    default:
      return unsupported();
  }
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
