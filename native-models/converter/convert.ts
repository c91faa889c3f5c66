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
import { GraphBuilder, attr, floatTensor, type Dim } from '../../main/inference/onnx/graph-builder.js';
import { onnx, DataType } from '../../main/inference/onnx/proto.js';
import { parseKerasTopology, type KerasLayer } from './keras-topology.js';
import type { TfjsLayersModel } from './tfjs-source.js';
import { convertLayer, UnsupportedLayerError } from './layers.js';
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

export { UnsupportedLayerError };

/** What the converter knows about a tensor it produced. */
export interface Tensor {
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

export class Context {
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
