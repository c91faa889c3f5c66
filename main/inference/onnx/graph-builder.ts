/**
 * Builds small ONNX graphs in code, so that work such as nearest-neighbour search runs on the same
 * execution provider as the backbone, and tests can make models whose outputs are known exactly.
 */
import { onnx, DataType, encodeModel, type GraphProto, type NodeProto, type TensorProto, type ValueInfoProto, type IAttributeProto, type ModelProto } from './proto.js';

export type Dim = number | string;

/** A typed attribute value; ONNX needs int and float told apart, which plain numbers cannot. */
export type Attr =
  | { readonly i: number }
  | { readonly f: number }
  | { readonly s: string }
  | { readonly ints: readonly number[] }
  | { readonly floats: readonly number[] }
  | { readonly t: TensorProto }
  | { readonly g: GraphProto };

export const attr = {
  int: (i: number): Attr => ({ i }),
  float: (f: number): Attr => ({ f }),
  str: (s: string): Attr => ({ s }),
  ints: (ints: readonly number[]): Attr => ({ ints }),
  floats: (floats: readonly number[]): Attr => ({ floats }),
  /** A subgraph, e.g. the body of a Loop. */
  graph: (g: GraphProto): Attr => ({ g }),
};

export function valueInfo(name: string, elemType: number, dims?: readonly Dim[]): ValueInfoProto {
  return onnx.ValueInfoProto.create({
    name,
    type: {
      tensorType: {
        elemType,
        shape: dims
          ? { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) }
          : undefined,
      },
    },
  });
}

export function floatTensor(name: string, dims: readonly number[], data: Float32Array | readonly number[]): TensorProto {
  const values = data instanceof Float32Array ? data : Float32Array.from(data);
  checkSize(name, dims, values.length);
  // raw_data keeps large initializers compact and fast to encode.
  return onnx.TensorProto.create({
    name,
    dims: [...dims],
    dataType: DataType.FLOAT,
    rawData: new Uint8Array(values.buffer, values.byteOffset, values.byteLength),
  });
}

export function int64Tensor(name: string, dims: readonly number[], data: readonly number[]): TensorProto {
  checkSize(name, dims, data.length);
  return onnx.TensorProto.create({ name, dims: [...dims], dataType: DataType.INT64, int64Data: [...data] });
}

function checkSize(name: string, dims: readonly number[], n: number): void {
  const expected = dims.reduce((a, b) => a * b, 1);
  if (expected !== n) throw new Error(`tensor ${name}: dims [${dims.join(',')}] need ${expected} values, got ${n}`);
}

function toAttribute(name: string, a: Attr): IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if ('i' in a) return { name, type: T.INT, i: a.i };
  if ('f' in a) return { name, type: T.FLOAT, f: a.f };
  if ('s' in a) return { name, type: T.STRING, s: new TextEncoder().encode(a.s) };
  if ('ints' in a) return { name, type: T.INTS, ints: [...a.ints] };
  if ('floats' in a) return { name, type: T.FLOATS, floats: [...a.floats] };
  if ('g' in a) return { name, type: T.GRAPH, g: a.g };
  return { name, type: T.TENSOR, t: a.t };
}

export class GraphBuilder {
  private readonly nodes: NodeProto[] = [];
  private readonly inputs: ValueInfoProto[] = [];
  private readonly outputs: ValueInfoProto[] = [];
  private readonly initializers: TensorProto[] = [];
  private counter = 0;

  constructor(
    private readonly name: string,
    private readonly opset = 13,
  ) {}

  input(name: string, dims: readonly Dim[], elemType: number = DataType.FLOAT): string {
    this.inputs.push(valueInfo(name, elemType, dims));
    return name;
  }

  output(name: string, dims?: readonly Dim[], elemType: number = DataType.FLOAT): string {
    this.outputs.push(valueInfo(name, elemType, dims));
    return name;
  }

  initializer(tensor: TensorProto): string {
    this.initializers.push(tensor);
    return tensor.name;
  }

  /** Adds a node; returns its output names (fresh names unless given). */
  node(opType: string, inputs: readonly string[], attrs: Record<string, Attr> = {}, outputs?: readonly string[], nOutputs = 1): string[] {
    const outs = outputs ? [...outputs] : Array.from({ length: nOutputs }, () => `${opType.toLowerCase()}_${this.counter++}`);
    this.nodes.push(
      onnx.NodeProto.create({
        opType,
        name: `${opType}_${this.counter++}`,
        input: [...inputs],
        output: outs,
        attribute: Object.entries(attrs).map(([k, v]) => toAttribute(k, v)),
      }),
    );
    return outs;
  }

  /** Shorthand for a single-output node. */
  op(opType: string, inputs: readonly string[], attrs: Record<string, Attr> = {}, output?: string): string {
    return this.node(opType, inputs, attrs, output ? [output] : undefined)[0]!;
  }

  /**
   * Appends this builder's nodes, initializers and inputs to an existing model; the result's outputs are
   * this builder's outputs. Used to put a head (pooling, nearest-neighbour search) on a backbone.
   */
  buildOn(base: ModelProto): Uint8Array {
    const g = base.graph!;
    const baseOpset = (base.opsetImport ?? []).find((o) => !o.domain)?.version;
    const opset = Math.max(Number(baseOpset ?? 0), this.opset);
    const model = onnx.ModelProto.create({
      irVersion: base.irVersion,
      producerName: 'inspection-station',
      opsetImport: [...(base.opsetImport ?? []).filter((o) => o.domain), { domain: '', version: opset }],
      graph: {
        name: g.name,
        node: [...(g.node ?? []), ...this.nodes],
        input: [...(g.input ?? []), ...this.inputs],
        output: this.outputs,
        initializer: [...(g.initializer ?? []), ...this.initializers],
        valueInfo: g.valueInfo ?? [],
      },
    });
    return encodeModel(model);
  }

  /** This builder's nodes as a subgraph (a Loop body); it may read values of the enclosing graph by name. */
  subgraph(): GraphProto {
    return onnx.GraphProto.create({ name: this.name, node: this.nodes, input: this.inputs, output: this.outputs, initializer: this.initializers });
  }

  build(): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: 7,
      producerName: 'inspection-station',
      opsetImport: [{ domain: '', version: this.opset }],
      graph: {
        name: this.name,
        node: this.nodes,
        input: this.inputs,
        output: this.outputs,
        initializer: this.initializers,
      },
    });
    return encodeModel(model);
  }
}
