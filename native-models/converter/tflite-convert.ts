/**
 * TensorFlow Lite (NHWC, quantized) -> ONNX (opset 13, NCHW, float activations).
 *
 * The graph takes a float32 image [N, C, H, W] in [0, 1] with dynamic N, H, W. A quantized model input
 * (uint8 code q meaning (q - zero_point) * scale) is reached by x * 255 * scale - zero_point * scale in the
 * graph itself. Weights keep their uint8/int8 codes, with per-tensor or per-channel scale and zero point, behind
 * DequantizeLinear (onnxruntime folds it at session load); int32 biases become float (code * scale).
 * Activations stay float: the fake-quantized ranges of a quantization-aware model are not re-imposed, which is
 * what the reference conversion in ../shared/models/mobilenet_v2_imagenet does too.
 *
 * Kernels are transposed once here (TFLite [O, kh, kw, I] -> [O, I, kh, kw]; depthwise [1, kh, kw, C] ->
 * [C, 1, kh, kw]). SAME padding is ONNX SAME_UPPER, which like TensorFlow puts the odd pixel at the end and
 * adapts to the input size. Only the operators the requested outputs depend on are converted, so a classifier
 * head that is not asked for costs nothing.
 */
import { GraphBuilder, attr, floatTensor, type Attr, type Dim } from '../../main/inference/onnx/graph-builder.js';
import { onnx, DataType } from '../../main/inference/onnx/proto.js';
import {
  Activation,
  BuiltinOperator,
  Padding,
  TensorType,
  addActivation,
  builtinName,
  convOptions,
  poolOptions,
  softmaxBeta,
  type TfliteModel,
  type TfliteOperator,
  type TfliteTensor,
} from './tflite-schema.js';

export interface TfliteOutputRequest {
  /** TFLite tensor: its full name, or the part before the first ';' (TFLite joins fused op names with ';'). */
  readonly tensor: string;
  /** Graph output name. */
  readonly as: string;
}

export interface TfliteConvertOptions {
  readonly outputs: readonly TfliteOutputRequest[];
  /** Name of the graph input (default `image`). */
  readonly inputName?: string;
  readonly graphName?: string;
}

export interface TfliteConvertedOutput {
  readonly name: string;
  readonly tensor: string;
  /** 4 for feature maps [N, C, h, w], 2 for vectors [N, C]. */
  readonly rank: number;
  readonly channels: number;
  /** Input pixels per map cell, from the file's static shapes. */
  readonly stride: number;
}

export interface TfliteConvertedModel {
  readonly onnx: Uint8Array;
  readonly inputName: string;
  readonly outputs: readonly TfliteConvertedOutput[];
  /** TFLite operators converted (the ones the outputs need). */
  readonly operatorsConverted: number;
}

export class UnsupportedTfliteOpError extends Error {
  constructor(op: TfliteOperator, detail?: string) {
    super(`TFLite operator ${op.index} (${builtinName(op.opcode)}) is not supported by the TFLite -> ONNX converter${detail ? `: ${detail}` : ''}`);
    this.name = 'UnsupportedTfliteOpError';
  }
}

/** Finds a computed tensor by full name or by its first ';'-separated part; errors name near matches. */
export function findTensor(model: TfliteModel, name: string): TfliteTensor {
  // Constants (weights, biases) often share the first name part with the activation they feed: skip them.
  const hits = model.tensors.filter((t) => (t.name === name || t.name.split(';')[0] === name) && model.data(t).length === 0);
  if (hits.length === 1) return hits[0]!;
  if (hits.length > 1) throw new Error(`TFLite tensor name "${name}" is ambiguous (${hits.length} tensors)`);
  const tail = name.split('/').slice(-2).join('/');
  const near = model.tensors.map((t) => t.name.split(';')[0]!).filter((n) => n.includes(tail)).slice(0, 6);
  throw new Error(`no TFLite tensor named "${name}"${near.length ? ` (similar: ${near.join(', ')})` : ''}`);
}

export function convertTflite(model: TfliteModel, options: TfliteConvertOptions): TfliteConvertedModel {
  if (options.outputs.length === 0) throw new Error('no outputs requested');
  if (model.inputs.length !== 1) throw new Error(`expected one model input, found ${model.inputs.length}`);
  const input = model.tensors[model.inputs[0]!]!;
  if (input.shape.length !== 4) throw new Error(`model input "${input.name}" is not an image [N, H, W, C] (shape [${input.shape}])`);
  const inputH = input.shape[1]!;
  const inputName = options.inputName ?? 'image';

  const names = new Set<string>();
  for (const r of options.outputs) {
    if (names.has(r.as)) throw new Error(`output name "${r.as}" requested twice`);
    names.add(r.as);
  }
  const requested = options.outputs.map((r) => findTensor(model, r.tensor));

  // Operators the outputs depend on, in file order (TFLite stores them topologically sorted).
  const producer = new Map<number, TfliteOperator>();
  for (const op of model.operators) for (const o of op.outputs) producer.set(o, op);
  const needed = new Set<number>();
  const visit = (tensor: number): void => {
    const op = producer.get(tensor);
    if (!op || needed.has(op.index)) return;
    needed.add(op.index);
    for (const i of op.inputs) if (i >= 0) visit(i);
  };
  for (const t of requested) visit(t.index);

  const g = new GraphBuilder(options.graphName ?? 'tflite_model');
  const ctx = new Ctx(g, model);
  g.input(inputName, ['N', input.shape[3]!, 'H', 'W']);
  ctx.values.set(input.index, ctx.inputValue(input, inputName));

  let converted = 0;
  for (const op of model.operators) {
    if (!needed.has(op.index)) continue;
    convertOp(ctx, op);
    converted++;
  }

  const outputs: TfliteConvertedOutput[] = [];
  options.outputs.forEach((r, k) => {
    const t = requested[k]!;
    const v = ctx.values.get(t.index);
    if (!v) throw new Error(`output ${r.as}: tensor "${t.name}" is not computed from the model input`);
    g.op('Identity', [v], {}, r.as);
    const rank = t.shape.length === 4 ? 4 : 2;
    const channels = t.shape[t.shape.length - 1]!;
    const dims: Dim[] = rank === 4 ? ['N', channels, `${r.as}_h`, `${r.as}_w`] : ['N', channels];
    g.output(r.as, dims);
    outputs.push({ name: r.as, tensor: t.name, rank, channels, stride: rank === 4 ? Math.round(inputH / t.shape[1]!) : inputH });
  });
  return { onnx: g.build(), inputName, outputs, operatorsConverted: converted };
}

class Ctx {
  /** ONNX value name per TFLite tensor index. */
  readonly values = new Map<number, string>();
  private readonly consts = new Map<string, string>();

  constructor(
    readonly g: GraphBuilder,
    readonly model: TfliteModel,
  ) {}

  value(op: TfliteOperator, tensor: number): string {
    const v = this.values.get(tensor);
    if (!v) throw new UnsupportedTfliteOpError(op, `input tensor "${this.model.tensors[tensor]?.name}" is not computed (constant activations are not supported)`);
    return v;
  }

  scalar(name: string, v: number): string {
    const key = `${name}=${v}`;
    if (!this.consts.has(key)) this.consts.set(key, this.g.initializer(floatTensor(name, [], [v])));
    return this.consts.get(key)!;
  }

  /** Graph input [0, 1] -> the model's input domain (dequantized codes of a quantized input). */
  inputValue(t: TfliteTensor, name: string): string {
    if (t.type === TensorType.FLOAT32) return name;
    const q = t.quantization;
    if ((t.type !== TensorType.UINT8 && t.type !== TensorType.INT8) || !q || q.scale.length !== 1) {
      throw new Error(`model input "${t.name}": only float32 or per-tensor quantized uint8/int8 inputs are supported`);
    }
    // uint8 code = 255 x; int8 code = 255 x - 128.
    const scale = q.scale[0]!;
    const zp = q.zeroPoint[0] ?? 0;
    const offset = t.type === TensorType.INT8 ? -128 - zp : -zp;
    const scaled = this.g.op('Mul', [name, this.scalar('in_mul', Math.fround(255 * scale))], {}, 'image_scaled');
    return this.g.op('Add', [scaled, this.scalar('in_add', Math.fround(offset * scale))], {}, 'image_norm');
  }

  /**
   * A constant kernel, reordered by `perm` (a permutation of the TFLite axes) into ONNX `dims`. Quantized codes
   * stay uint8/int8 behind DequantizeLinear; `axis` is the ONNX axis of per-channel scales.
   */
  kernel(op: TfliteOperator, t: TfliteTensor, perm: readonly number[]): string {
    const dims = perm.map((p) => t.shape[p]!);
    const base = `t${t.index}`;
    const raw = this.model.data(t);
    if (t.type === TensorType.FLOAT32) {
      const f = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
      return this.g.initializer(floatTensor(`${base}_W`, dims, permute(f, t.shape, perm)));
    }
    if (t.type !== TensorType.UINT8 && t.type !== TensorType.INT8) throw new UnsupportedTfliteOpError(op, `weight type ${t.type}`);
    const q = t.quantization;
    if (!q) throw new UnsupportedTfliteOpError(op, `quantized weight "${t.name}" without scale`);
    const codes = permute(raw, t.shape, perm);
    const elemType = t.type === TensorType.UINT8 ? DataType.UINT8 : DataType.INT8;
    const perChannel = q.scale.length > 1;
    const qdims = perChannel ? [q.scale.length] : [];
    const zp = perChannel ? q.zeroPoint : [q.zeroPoint[0] ?? 0];
    const zpBytes = t.type === TensorType.UINT8 ? Uint8Array.from(zp) : new Uint8Array(Int8Array.from(zp).buffer);
    this.g.initializer(onnx.TensorProto.create({ name: `${base}_Wq`, dims, dataType: elemType, rawData: codes }));
    this.g.initializer(floatTensor(`${base}_Ws`, qdims, perChannel ? q.scale : [q.scale[0]!]));
    this.g.initializer(onnx.TensorProto.create({ name: `${base}_Wz`, dims: qdims, dataType: elemType, rawData: zpBytes }));
    const attrs: Record<string, Attr> = {};
    if (perChannel) {
      const axis = perm.indexOf(q.quantizedDimension);
      if (axis < 0) throw new UnsupportedTfliteOpError(op, `quantized dimension ${q.quantizedDimension} of "${t.name}"`);
      attrs['axis'] = attr.int(axis);
    }
    return this.g.op('DequantizeLinear', [`${base}_Wq`, `${base}_Ws`, `${base}_Wz`], attrs, `${base}_W`);
  }

  /** A bias: float32 as stored, or int32 codes times their scale (in float32, as a numpy conversion rounds). */
  bias(op: TfliteOperator, t: TfliteTensor): string {
    const raw = this.model.data(t);
    const n = t.shape[0]!;
    const out = new Float32Array(n);
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    if (t.type === TensorType.FLOAT32) for (let i = 0; i < n; i++) out[i] = view.getFloat32(4 * i, true);
    else if (t.type === TensorType.INT32) {
      const q = t.quantization;
      if (!q) throw new UnsupportedTfliteOpError(op, `int32 bias "${t.name}" without scale`);
      for (let i = 0; i < n; i++) {
        const s = q.scale.length > 1 ? q.scale[i]! : q.scale[0]!;
        out[i] = Math.fround(Math.fround(view.getInt32(4 * i, true)) * s);
      }
    } else throw new UnsupportedTfliteOpError(op, `bias type ${t.type}`);
    return this.g.initializer(floatTensor(`t${t.index}_B`, [n], out));
  }

  activation(x: string, act: number, op: TfliteOperator, out: string): string {
    if (act === Activation.NONE) return x;
    if (act === Activation.RELU) return this.g.op('Relu', [x], {}, out);
    if (act === Activation.RELU6) return this.g.op('Clip', [x, this.scalar('c_zero', 0), this.scalar('c_six', 6)], {}, out);
    if (act === Activation.RELU_N1_TO_1) return this.g.op('Clip', [x, this.scalar('c_minus_one', -1), this.scalar('c_one', 1)], {}, out);
    if (act === Activation.TANH) return this.g.op('Tanh', [x], {}, out);
    throw new UnsupportedTfliteOpError(op, `fused activation ${act}`);
  }
}

/** Reorders a dense row-major array of `shape` so that output axis k is input axis perm[k]. */
function permute<T extends Uint8Array | Float32Array>(src: T, shape: readonly number[], perm: readonly number[]): T {
  const rank = shape.length;
  const inStrides = new Array<number>(rank);
  for (let k = rank - 1, s = 1; k >= 0; k--) {
    inStrides[k] = s;
    s *= shape[k]!;
  }
  const outShape = perm.map((p) => shape[p]!);
  const strideOf = perm.map((p) => inStrides[p]!);
  // Not src.constructor: file bytes may be a Node Buffer, whose constructor is deprecated.
  const dst = (src instanceof Float32Array ? new Float32Array(src.length) : new Uint8Array(src.length)) as T;
  const idx = new Array<number>(rank).fill(0);
  for (let o = 0; o < dst.length; o++) {
    let off = 0;
    for (let k = 0; k < rank; k++) off += idx[k]! * strideOf[k]!;
    dst[o] = src[off]!;
    for (let k = rank - 1; k >= 0; k--) {
      if (++idx[k]! < outShape[k]!) break;
      idx[k] = 0;
    }
  }
  return dst;
}

function padAttr(padding: number): Attr {
  return attr.str(padding === Padding.VALID ? 'VALID' : 'SAME_UPPER');
}

function convertOp(ctx: Ctx, op: TfliteOperator): void {
  const { g, model } = ctx;
  const outT = model.tensors[op.outputs[0]!]!;
  const out = `t${outT.index}`;
  let result: string;
  switch (op.opcode) {
    case BuiltinOperator.CONV_2D:
    case BuiltinOperator.DEPTHWISE_CONV_2D: {
      const o = convOptions(op);
      const x = ctx.value(op, op.inputs[0]!);
      const w = model.tensors[op.inputs[1]!]!;
      const depthwise = op.opcode === BuiltinOperator.DEPTHWISE_CONV_2D;
      // Depthwise [1, kh, kw, C*m] -> [C*m, 1, kh, kw]; conv [O, kh, kw, I] -> [O, I, kh, kw].
      const W = ctx.kernel(op, w, depthwise ? [3, 0, 1, 2] : [0, 3, 1, 2]);
      const inputs = [x, W];
      const b = op.inputs[2];
      if (b !== undefined && b >= 0) inputs.push(ctx.bias(op, model.tensors[b]!));
      const inC = model.tensors[op.inputs[0]!]!.shape[3]!;
      const group = depthwise ? inC : 1;
      const pre = g.op(
        'Conv',
        inputs,
        {
          auto_pad: padAttr(o.padding),
          dilations: attr.ints([o.dilationH, o.dilationW]),
          group: attr.int(group),
          kernel_shape: attr.ints([w.shape[1]!, w.shape[2]!]),
          strides: attr.ints([o.strideH, o.strideW]),
        },
        o.activation === Activation.NONE ? out : `${out}_preact`,
      );
      result = ctx.activation(pre, o.activation, op, out);
      break;
    }
    case BuiltinOperator.ADD: {
      const act = addActivation(op);
      const sum = g.op('Add', [ctx.value(op, op.inputs[0]!), ctx.value(op, op.inputs[1]!)], {}, act === Activation.NONE ? out : `${out}_preact`);
      result = ctx.activation(sum, act, op, out);
      break;
    }
    case BuiltinOperator.AVERAGE_POOL_2D:
    case BuiltinOperator.MAX_POOL_2D: {
      const o = poolOptions(op);
      const inT = model.tensors[op.inputs[0]!]!;
      const x = ctx.value(op, op.inputs[0]!);
      const global = o.padding === Padding.VALID && o.filterH === inT.shape[1] && o.filterW === inT.shape[2] && outT.shape[1] === 1 && outT.shape[2] === 1;
      const avg = op.opcode === BuiltinOperator.AVERAGE_POOL_2D;
      // A pool over the whole (static) map becomes a global pool, so that other input sizes still work.
      const pooled = global
        ? g.op(avg ? 'GlobalAveragePool' : 'GlobalMaxPool', [x], {}, o.activation === Activation.NONE ? out : `${out}_preact`)
        : g.op(
            avg ? 'AveragePool' : 'MaxPool',
            [x],
            { auto_pad: padAttr(o.padding), kernel_shape: attr.ints([o.filterH, o.filterW]), strides: attr.ints([o.strideH, o.strideW]) },
            o.activation === Activation.NONE ? out : `${out}_preact`,
          );
      result = ctx.activation(pooled, o.activation, op, out);
      break;
    }
    case BuiltinOperator.RESHAPE:
    case BuiltinOperator.SQUEEZE: {
      const inT = model.tensors[op.inputs[0]!]!;
      // Only the classifier's squeeze of a 1 x 1 map to a vector: anything else would need NHWC semantics.
      if (!(inT.shape.length === 4 && inT.shape[1] === 1 && inT.shape[2] === 1 && outT.shape.length === 2)) {
        throw new UnsupportedTfliteOpError(op, `reshape [${inT.shape}] -> [${outT.shape}] (only [N,1,1,C] -> [N,C])`);
      }
      result = g.op('Flatten', [ctx.value(op, op.inputs[0]!)], { axis: attr.int(1) }, out);
      break;
    }
    case BuiltinOperator.SOFTMAX: {
      const beta = softmaxBeta(op);
      let x = ctx.value(op, op.inputs[0]!);
      if (beta !== 1 && beta !== 0) x = g.op('Mul', [x, ctx.scalar(`beta_${op.index}`, beta)]);
      result = g.op('Softmax', [x], { axis: attr.int(-1) }, out);
      break;
    }
    default:
      throw new UnsupportedTfliteOpError(op);
  }
  ctx.values.set(outT.index, result);
}
