/**
 * Cuts an ONNX graph down to named tensors: they become the graph outputs and every node, initializer,
 * input and value info not needed to compute them is dropped. onnxruntime computes a model's classifier
 * head even when only feature outputs are requested, so a cut graph is faster; `backbone import` uses the
 * same cut to expose a network's internal tensors as feature maps.
 * (No Identity nodes are added: onnxruntime 1.30 fails to load a graph where a tensor feeding a Pad also
 * reaches an output through an Identity.)
 */
import { existsSync, readFileSync } from 'node:fs';
import { StationFault } from '../../common/result.js';
import { decodeModel, encodeModel, onnx, DataType, type GraphProto, type ModelProto, type NodeProto, type TensorProto, type ValueInfoProto } from './proto.js';

/** Reads and decodes an ONNX file; a clear `bad-model` fault for anything else. */
export function readOnnxModel(file: string): ModelProto {
  return decodeOnnx(readModelFile(file), file);
}

function readModelFile(file: string): Uint8Array {
  if (!existsSync(file)) throw new StationFault('not-found', `ONNX file not found: ${file}`);
  return readFileSync(file);
}

export function decodeOnnx(bytes: Uint8Array, what: string): ModelProto {
  let model: ModelProto;
  try {
    model = decodeModel(bytes);
  } catch (e) {
    throw new StationFault('bad-model', `${what} is not an ONNX model (${e instanceof Error ? e.message : String(e)})`);
  }
  // Random bytes sometimes decode as an empty protobuf message: insist on a real graph.
  if (!model.graph || (model.graph.node ?? []).length === 0 || model.opsetImport.length === 0) {
    throw new StationFault('bad-model', `${what} is not an ONNX model (no graph, nodes or opset)`);
  }
  return model;
}

/** Names a tensor the graph computes (node outputs), in graph order. */
export function tensorNames(model: ModelProto): string[] {
  const out: string[] = [];
  for (const n of nodesOf(graphOf(model))) for (const o of n.output) if (o) out.push(o);
  return out;
}

/**
 * Returns the model cut down to `outputs`: those tensors become the graph outputs (in the given order),
 * and nodes, initializers, inputs and value infos they do not depend on are removed.
 */
export function pruneToOutputs(modelBytes: Uint8Array, outputs: readonly string[]): Uint8Array {
  const model = decodeOnnx(modelBytes, 'model');
  pruneModel(model, outputs);
  return encodeModel(model);
}

/** In-place version of pruneToOutputs on a decoded model. */
export function pruneModel(model: ModelProto, outputs: readonly string[]): void {
  const g = graphOf(model);
  if (outputs.length === 0) throw new StationFault('invalid-input', 'no outputs given');
  const nodes = nodesOf(g);
  const initializers = g.initializer as TensorProto[];
  const inputs = g.input as ValueInfoProto[];
  if (initializers.some((t) => t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL)) {
    throw new StationFault('bad-model', 'models with external weight files are not supported; save the model as a single .onnx file');
  }
  const producer = new Map<string, number>();
  nodes.forEach((n, i) => n.output.forEach((o) => o && producer.set(o, i)));
  const graphInputs = new Set(inputs.map((v) => v.name));
  const seen = new Set<string>();
  for (const name of outputs) {
    if (seen.has(name)) throw new StationFault('invalid-input', `output "${name}" given twice`);
    seen.add(name);
    if (!producer.has(name) && !graphInputs.has(name)) {
      throw new StationFault('invalid-input', `no tensor named "${name}" in the model; candidates: ${candidates(g, name).join(', ')}`);
    }
  }

  // Walk back from the outputs; nodes with subgraphs (If, Loop, Scan) also depend on the outer names those use.
  const keepNode = new Set<number>();
  const used = new Set<string>();
  const stack = [...outputs];
  while (stack.length > 0) {
    const t = stack.pop()!;
    if (used.has(t)) continue;
    used.add(t);
    const i = producer.get(t);
    if (i === undefined || keepNode.has(i)) continue;
    keepNode.add(i);
    for (const dep of nodeDependencies(nodes[i]!)) if (!used.has(dep)) stack.push(dep);
  }

  const byName = new Map<string, ValueInfoProto>();
  const valueInfo = g.valueInfo as ValueInfoProto[];
  for (const v of [...valueInfo, ...(g.output as ValueInfoProto[]), ...inputs]) byName.set(v.name, v);
  const newOutputs = outputs.map((name) => byName.get(name) ?? untypedFloat(name));
  g.node = nodes.filter((_, i) => keepNode.has(i));
  g.initializer = initializers.filter((t) => used.has(t.name));
  g.sparseInitializer = (g.sparseInitializer ?? []).filter((t) => used.has(t.values?.name ?? ''));
  const initNames = new Set(g.initializer.map((t) => t.name!));
  const keptInputs = inputs.filter((v) => used.has(v.name));
  if (!keptInputs.some((v) => !initNames.has(v.name))) {
    throw new StationFault('invalid-input', `the outputs ${outputs.join(', ')} do not depend on any model input`);
  }
  g.input = keptInputs;
  const outNames = new Set(outputs);
  g.valueInfo = valueInfo.filter((v) => used.has(v.name) && !outNames.has(v.name));
  g.output = newOutputs;
}

function graphOf(model: ModelProto): GraphProto {
  return model.graph as GraphProto;
}

function nodesOf(g: GraphProto): NodeProto[] {
  return g.node as NodeProto[];
}

function nodeDependencies(n: NodeProto): string[] {
  const deps = n.input.filter((x) => x !== '');
  const visitGraph = (sub: GraphProto): void => {
    for (const sn of nodesOf(sub)) deps.push(...nodeDependencies(sn));
  };
  for (const a of n.attribute) {
    if (a.g) visitGraph(a.g as GraphProto);
    for (const sg of a.graphs ?? []) visitGraph(sg as GraphProto);
  }
  return deps;
}

function untypedFloat(name: string): ValueInfoProto {
  // Type only; onnxruntime infers the shape.
  return onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType: DataType.FLOAT } } });
}

/** A few tensor names to suggest: those resembling `wanted`, else typical feature-map producers. */
function candidates(g: GraphProto, wanted: string): string[] {
  const lower = wanted.toLowerCase();
  // Skip tensors computed from weights only (dequantized kernels and the like).
  const constant = new Set((g.initializer as TensorProto[]).map((t) => t.name));
  const all: { name: string; op: string }[] = [];
  for (const n of nodesOf(g)) {
    const isConst = n.input.every((i) => i === '' || constant.has(i));
    for (const o of n.output) {
      if (!o) continue;
      if (isConst) constant.add(o);
      else all.push({ name: o, op: n.opType ?? '' });
    }
  }
  const similar = all.filter((t) => t.name.toLowerCase().includes(lower) || lower.includes(t.name.toLowerCase()));
  const features = all.filter((t) => /^(Relu|Add|Concat|Clip|Sum|BatchNormalization|Conv)$/.test(t.op));
  const pick = (similar.length > 0 ? similar : features.length > 0 ? features : all).map((t) => `"${t.name}"`);
  const shown = pick.length > 10 ? [...pick.slice(0, 5), '...', ...pick.slice(-5)] : pick;
  return [...shown, `(${all.length} computed tensors in all)`];
}

