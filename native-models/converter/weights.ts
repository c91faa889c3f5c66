/**
 * Splits a tfjs weight blob into named tensors. uint8-quantized weights keep their codes with `min` and
 * `scale`, so the ONNX graph can store them as uint8; `floatValues` gives exactly the float32 values
 * TensorFlow.js computes (`code * scale + min` in double precision, rounded once).
 */
import type { WeightSpec } from './tfjs-source.js';

export interface KerasWeight {
  readonly name: string;
  /** Keras (channels-last) shape, e.g. Conv2D kernel [kh, kw, cin, cout]. */
  readonly shape: readonly number[];
  /** Float32 values, row-major in `shape`; absent for uint8-quantized weights (see `floatValues`). */
  readonly values?: Float32Array;
  /** Present for uint8-quantized weights: the codes (row-major in `shape`); value = code * scale + min. */
  readonly uint8?: { readonly codes: Uint8Array; readonly scale: number; readonly min: number };
}

/** The weight as float32, dequantizing uint8 codes through their table (exactly tfjs' values). */
export function floatValues(w: KerasWeight): Float32Array {
  if (w.values) return w.values;
  const { codes, scale, min } = w.uint8!;
  const table = new Float32Array(256);
  for (let v = 0; v < 256; v++) table[v] = v * scale + min; // the expression of tfjs-core decodeWeights
  const values = new Float32Array(codes.length);
  for (let i = 0; i < codes.length; i++) values[i] = table[codes[i]!]!;
  return values;
}

const BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2, int8: 1 };

/** Decodes every weight of the manifest; throws when the blob is shorter or longer than the manifest says. */
export function decodeWeights(specs: readonly WeightSpec[], data: Uint8Array): Map<string, KerasWeight> {
  const out = new Map<string, KerasWeight>();
  let off = 0;
  for (const spec of specs) {
    const n = spec.shape.reduce((a, b) => a * b, 1);
    const stored = spec.quantization?.dtype ?? spec.dtype;
    const width = BYTES[stored];
    if (width === undefined) throw new Error(`weight ${spec.name}: unsupported storage dtype ${stored}`);
    const bytes = n * width;
    if (off + bytes > data.byteLength) throw new Error(`weight ${spec.name}: data ends at ${data.byteLength} bytes, need ${off + bytes}`);
    // Copy so the typed views are aligned whatever the offset.
    const raw = data.slice(off, off + bytes);
    off += bytes;
    out.set(spec.name, decodeOne(spec, raw, n));
  }
  if (off !== data.byteLength) throw new Error(`weight data has ${data.byteLength} bytes, the manifest describes ${off}`);
  return out;
}

function decodeOne(spec: WeightSpec, raw: Uint8Array, n: number): KerasWeight {
  const q = spec.quantization;
  const base = { name: spec.name, shape: [...spec.shape] };
  if (!q) {
    if (spec.dtype === 'float32') return { ...base, values: new Float32Array(raw.buffer, 0, n) };
    if (spec.dtype === 'int32') return { ...base, values: Float32Array.from(new Int32Array(raw.buffer, 0, n)) };
    throw new Error(`weight ${spec.name}: dtype ${spec.dtype} not supported`);
  }
  if (q.dtype === 'float16') return { ...base, values: float16ToFloat32(new Uint16Array(raw.buffer, 0, n)) };
  if (q.dtype === 'uint8' || q.dtype === 'uint16') {
    if (typeof q.min !== 'number' || typeof q.scale !== 'number') throw new Error(`weight ${spec.name}: ${q.dtype} quantization without min/scale`);
    const { min, scale } = q;
    if (q.dtype === 'uint8') return { ...base, uint8: { codes: raw, scale, min } };
    const codes = new Uint16Array(raw.buffer, 0, n);
    const values = new Float32Array(n);
    for (let i = 0; i < n; i++) values[i] = codes[i]! * scale + min;
    return { ...base, values };
  }
  throw new Error(`weight ${spec.name}: quantization dtype ${q.dtype} not supported`);
}

function float16ToFloat32(h: Uint16Array): Float32Array {
  const out = new Float32Array(h.length);
  for (let i = 0; i < h.length; i++) {
    const x = h[i]!;
    const s = x & 0x8000 ? -1 : 1;
    const e = (x >> 10) & 0x1f;
    const f = x & 0x3ff;
    out[i] = e === 0 ? s * f * 2 ** -24 : e === 31 ? (f ? NaN : s * Infinity) : s * (1 + f / 1024) * 2 ** (e - 15);
  }
  return out;
}

/**
 * Reorders a row-major tensor by `perm` (out.shape[i] = shape[perm[i]]). Works on any typed array, so uint8
 * codes are permuted without touching their values.
 */
export function permute<T extends Float32Array | Uint8Array>(src: T, shape: readonly number[], perm: readonly number[]): T {
  const rank = shape.length;
  const outShape = perm.map((p) => shape[p]!);
  const srcStrides = new Array<number>(rank);
  let s = 1;
  for (let i = rank - 1; i >= 0; i--) {
    srcStrides[i] = s;
    s *= shape[i]!;
  }
  // Stride in the source for each output axis.
  const st = perm.map((p) => srcStrides[p]!);
  const out = new (src.constructor as { new (n: number): T })(src.length);
  const idx = new Array<number>(rank).fill(0);
  let srcOff = 0;
  for (let o = 0; o < src.length; o++) {
    out[o] = src[srcOff]!;
    // Odometer increment over the output shape.
    for (let a = rank - 1; a >= 0; a--) {
      idx[a]!++;
      srcOff += st[a]!;
      if (idx[a]! < outShape[a]!) break;
      srcOff -= st[a]! * outShape[a]!;
      idx[a] = 0;
    }
  }
  return out;
}
