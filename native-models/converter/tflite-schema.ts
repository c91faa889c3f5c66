/**
 * A minimal reader for TensorFlow Lite model files (the `schema.fbs` flatbuffer of tensorflow/lite/schema),
 * written by hand over the `flatbuffers` runtime: only the tables and fields a convolutional backbone needs
 * (model, subgraph, tensor with quantization, operator with its builtin options, buffer). Field numbers are
 * those of schema.fbs; a field this reader does not know is simply not read, so newer files still parse.
 */
import { ByteBuffer } from 'flatbuffers';

/** TensorType (schema.fbs). */
export const TensorType = { FLOAT32: 0, FLOAT16: 1, INT32: 2, UINT8: 3, INT64: 4, INT8: 9 } as const;

/** BuiltinOperator codes this project converts, and a few common ones for error messages. */
export const BuiltinOperator = {
  ADD: 0,
  AVERAGE_POOL_2D: 1,
  CONCATENATION: 2,
  CONV_2D: 3,
  DEPTHWISE_CONV_2D: 4,
  DEQUANTIZE: 6,
  FULLY_CONNECTED: 9,
  LOGISTIC: 14,
  MAX_POOL_2D: 17,
  MUL: 18,
  RELU: 19,
  RELU6: 21,
  RESHAPE: 22,
  SOFTMAX: 25,
  PAD: 34,
  MEAN: 40,
  SQUEEZE: 43,
  QUANTIZE: 114,
} as const;

export function builtinName(code: number): string {
  return Object.entries(BuiltinOperator).find(([, c]) => c === code)?.[0] ?? `builtin ${code}`;
}

/** ActivationFunctionType (schema.fbs). */
export const Activation = { NONE: 0, RELU: 1, RELU_N1_TO_1: 2, RELU6: 3, TANH: 4 } as const;
/** Padding (schema.fbs). */
export const Padding = { SAME: 0, VALID: 1 } as const;

export interface Quantization {
  readonly scale: Float32Array;
  readonly zeroPoint: readonly number[];
  readonly quantizedDimension: number;
}

export interface TfliteTensor {
  readonly index: number;
  readonly name: string;
  readonly shape: readonly number[];
  readonly type: number;
  /** Index into the model's buffers; buffer 0 is the empty sentinel. */
  readonly buffer: number;
  readonly quantization: Quantization | undefined;
}

/** Builtin options, read per operator kind (fields absent from the file take schema.fbs's defaults). */
export interface ConvOptions {
  readonly padding: number;
  readonly strideW: number;
  readonly strideH: number;
  readonly dilationW: number;
  readonly dilationH: number;
  readonly depthMultiplier: number;
  readonly activation: number;
}
export interface PoolOptions {
  readonly padding: number;
  readonly strideW: number;
  readonly strideH: number;
  readonly filterW: number;
  readonly filterH: number;
  readonly activation: number;
}

export interface TfliteOperator {
  readonly index: number;
  readonly opcode: number;
  readonly inputs: readonly number[];
  readonly outputs: readonly number[];
  /** The builtin_options table, read lazily by the op's kind (see convOptions/poolOptions/...). */
  readonly options: Table | undefined;
}

export interface TfliteModel {
  readonly version: number;
  readonly description: string;
  readonly tensors: readonly TfliteTensor[];
  readonly operators: readonly TfliteOperator[];
  readonly inputs: readonly number[];
  readonly outputs: readonly number[];
  /** Constant data of a tensor (empty when the tensor is computed). */
  data(tensor: TfliteTensor): Uint8Array;
}

/** One flatbuffer table: typed access to field `i` (vtable slot 4 + 2i), default when absent. */
export class Table {
  constructor(
    private readonly bb: ByteBuffer,
    private readonly pos: number,
  ) {}

  private off(field: number): number {
    return this.bb.__offset(this.pos, 4 + 2 * field);
  }
  int8(field: number, def = 0): number {
    const o = this.off(field);
    return o ? this.bb.readInt8(this.pos + o) : def;
  }
  uint8(field: number, def = 0): number {
    const o = this.off(field);
    return o ? this.bb.readUint8(this.pos + o) : def;
  }
  int32(field: number, def = 0): number {
    const o = this.off(field);
    return o ? this.bb.readInt32(this.pos + o) : def;
  }
  uint32(field: number, def = 0): number {
    const o = this.off(field);
    return o ? this.bb.readUint32(this.pos + o) : def;
  }
  float32(field: number, def = 0): number {
    const o = this.off(field);
    return o ? this.bb.readFloat32(this.pos + o) : def;
  }
  string(field: number): string {
    const o = this.off(field);
    return o ? (this.bb.__string(this.pos + o) as string) : '';
  }
  table(field: number): Table | undefined {
    const o = this.off(field);
    return o ? new Table(this.bb, this.bb.__indirect(this.pos + o)) : undefined;
  }
  /** Start (absolute byte position) and length of a vector field; length 0 when absent. */
  private vector(field: number): { start: number; length: number } {
    const o = this.off(field);
    if (!o) return { start: 0, length: 0 };
    return { start: this.bb.__vector(this.pos + o), length: this.bb.__vector_len(this.pos + o) };
  }
  tables(field: number): Table[] {
    const { start, length } = this.vector(field);
    return Array.from({ length }, (_, i) => new Table(this.bb, this.bb.__indirect(start + 4 * i)));
  }
  int32s(field: number): number[] {
    const { start, length } = this.vector(field);
    return Array.from({ length }, (_, i) => this.bb.readInt32(start + 4 * i));
  }
  int64s(field: number): number[] {
    const { start, length } = this.vector(field);
    return Array.from({ length }, (_, i) => Number(this.bb.readInt64(start + 8 * i)));
  }
  float32s(field: number): Float32Array {
    const { start, length } = this.vector(field);
    return Float32Array.from({ length }, (_, i) => this.bb.readFloat32(start + 4 * i));
  }
  bytes(field: number): Uint8Array {
    const { start, length } = this.vector(field);
    return this.bb.bytes().subarray(start, start + length);
  }
}

/** Parses a .tflite file (first subgraph). Throws with a specific message on a file that is not one. */
export function readTflite(bytes: Uint8Array): TfliteModel {
  if (bytes.byteLength < 8 || String.fromCharCode(...bytes.subarray(4, 8)) !== 'TFL3') {
    throw new Error('not a TensorFlow Lite model (file identifier TFL3 missing)');
  }
  const bb = new ByteBuffer(bytes);
  const model = new Table(bb, bb.readInt32(bb.position()) + bb.position());
  // Model: version 0, operator_codes 1, subgraphs 2, description 3, buffers 4.
  const opcodes = model.tables(1).map((c) => {
    // OperatorCode: deprecated_builtin_code 0 (int8), custom_code 1, version 2, builtin_code 3 (int32).
    const deprecated = c.int8(0);
    return Math.max(deprecated, c.int32(3));
  });
  const subgraphs = model.tables(2);
  if (subgraphs.length === 0) throw new Error('TensorFlow Lite model has no subgraph');
  const sg = subgraphs[0]!;
  const buffers = model.tables(4);
  // SubGraph: tensors 0, inputs 1, outputs 2, operators 3, name 4.
  const tensors: TfliteTensor[] = sg.tables(0).map((t, index) => {
    // Tensor: shape 0, type 1, buffer 2, name 3, quantization 4.
    const q = t.table(4);
    // QuantizationParameters: min 0, max 1, scale 2, zero_point 3 (int64), details 4/5, quantized_dimension 6.
    const scale = q?.float32s(2);
    return {
      index,
      name: t.string(3),
      shape: t.int32s(0),
      type: t.int8(1),
      buffer: t.uint32(2),
      quantization: q && scale && scale.length > 0 ? { scale, zeroPoint: q.int64s(3), quantizedDimension: q.int32(6) } : undefined,
    };
  });
  const operators: TfliteOperator[] = sg.tables(3).map((op, index) => {
    // Operator: opcode_index 0, inputs 1, outputs 2, builtin_options_type 3, builtin_options 4.
    const opcodeIndex = op.uint32(0);
    const opcode = opcodes[opcodeIndex];
    if (opcode === undefined) throw new Error(`operator ${index}: opcode index ${opcodeIndex} out of range`);
    return { index, opcode, inputs: op.int32s(1), outputs: op.int32s(2), options: op.table(4) };
  });
  return {
    version: model.uint32(0),
    description: model.string(3),
    tensors,
    operators,
    inputs: sg.int32s(1),
    outputs: sg.int32s(2),
    data(tensor) {
      const b = buffers[tensor.buffer];
      if (!b) return new Uint8Array(0);
      // Buffer: data 0; files over 2 GB keep data outside the flatbuffer (offset 1, size 2), not supported here.
      return b.bytes(0);
    },
  };
}

/** Conv2DOptions / DepthwiseConv2DOptions (the latter has depth_multiplier at field 3, shifting the rest). */
export function convOptions(op: TfliteOperator): ConvOptions {
  const t = op.options;
  if (op.opcode === BuiltinOperator.DEPTHWISE_CONV_2D) {
    return {
      padding: t?.int8(0) ?? 0,
      strideW: t?.int32(1) ?? 0,
      strideH: t?.int32(2) ?? 0,
      depthMultiplier: t?.int32(3) ?? 0,
      activation: t?.int8(4) ?? 0,
      dilationW: t?.int32(5, 1) ?? 1,
      dilationH: t?.int32(6, 1) ?? 1,
    };
  }
  return {
    padding: t?.int8(0) ?? 0,
    strideW: t?.int32(1) ?? 0,
    strideH: t?.int32(2) ?? 0,
    activation: t?.int8(3) ?? 0,
    dilationW: t?.int32(4, 1) ?? 1,
    dilationH: t?.int32(5, 1) ?? 1,
    depthMultiplier: 1,
  };
}

/** Pool2DOptions: padding 0, stride_w 1, stride_h 2, filter_width 3, filter_height 4, activation 5. */
export function poolOptions(op: TfliteOperator): PoolOptions {
  const t = op.options;
  return {
    padding: t?.int8(0) ?? 0,
    strideW: t?.int32(1) ?? 0,
    strideH: t?.int32(2) ?? 0,
    filterW: t?.int32(3) ?? 0,
    filterH: t?.int32(4) ?? 0,
    activation: t?.int8(5) ?? 0,
  };
}

/** AddOptions: fused_activation_function 0. */
export function addActivation(op: TfliteOperator): number {
  return op.options?.int8(0) ?? 0;
}

/** SoftmaxOptions: beta 0. */
export function softmaxBeta(op: TfliteOperator): number {
  return op.options?.float32(0, 0) ?? 0;
}
