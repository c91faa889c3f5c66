/**
 * Cuts an ONNX graph down to the named tensors: they become the graph's outputs and every node not needed
 * to compute them is dropped. onnxruntime computes a model's classifier head even when only feature
 * outputs are requested, so a cut graph is faster.
 */
import { StationFault } from '../../common/result.js';
import { DataType, decodeModel, encodeModel, type ModelProto } from './proto.js';
import { valueInfo } from './graph-builder.js';

/** Names of every tensor produced in the graph (node outputs, inputs, initializers). */
export function tensorNames(model: ModelProto): Set<string> {
  const g = model.graph!;
  const names = new Set<string>();
  for (const i of g.input ?? []) names.add(i.name!);
  for (const t of g.initializer ?? []) names.add(t.name!);
  for (const n of g.node ?? []) for (const o of n.output ?? []) if (o) names.add(o);
  return names;
}

export function pruneModel(model: ModelProto, outputs: readonly string[]): ModelProto {
  const g = model.graph;
  if (!g) throw new StationFault('bad-model', 'ONNX file has no graph');
  const known = tensorNames(model);
  const missing = outputs.filter((o) => !known.has(o));
  if (missing.length > 0) {
    const sample = [...known].filter((n) => !n.includes('/') || n.length < 60).slice(0, 8).join(', ');
    throw new StationFault('bad-model', `tensor(s) ${missing.join(', ')} not in the model (some names it has: ${sample} ...)`);
  }
  const producer = new Map<string, number>();
  g.node!.forEach((n, i) => n.output!.forEach((o) => producer.set(o, i)));
  const keep = new Set<number>();
  const needed = [...outputs];
  const seen = new Set<string>();
  while (needed.length > 0) {
    const t = needed.pop()!;
    if (seen.has(t)) continue;
    seen.add(t);
    const i = producer.get(t);
    if (i === undefined || keep.has(i)) continue;
    keep.add(i);
    for (const inp of g.node![i]!.input!) if (inp) needed.push(inp);
  }
  const existing = new Map((g.output ?? []).map((o) => [o.name!, o]));
  const nodes = g.node!.filter((_, i) => keep.has(i));
  return {
    ...model,
    graph: {
      ...g,
      node: nodes,
      initializer: (g.initializer ?? []).filter((t) => seen.has(t.name!)),
      input: (g.input ?? []).filter((t) => seen.has(t.name!)),
      output: outputs.map((o) => existing.get(o) ?? valueInfo(o, DataType.FLOAT)),
      valueInfo: (g.valueInfo ?? []).filter((v) => seen.has(v.name!) && !outputs.includes(v.name!)),
    },
  } as ModelProto;
}

export function pruneToOutputs(bytes: Uint8Array, outputs: readonly string[]): Uint8Array {
  return encodeModel(pruneModel(decodeModel(bytes), outputs));
}
