/**
 * Flattens a Keras model config (functional `Model`/`Functional` or `Sequential`, Keras 2 inbound-node
 * lists or the Keras 2.13+/3 `args` form) into a list of layers in topological order, each naming the
 * layers whose outputs it consumes.
 */

export interface KerasLayer {
  readonly name: string;
  readonly className: string;
  readonly config: Record<string, any>;
  /** Names of the layers feeding this one (their first output tensor), in call order. */
  readonly inbound: readonly string[];
}

export interface KerasGraph {
  readonly layers: readonly KerasLayer[];
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
}

export function parseKerasTopology(topology: Record<string, unknown>): KerasGraph {
  const mc = (topology['model_config'] ?? topology) as { class_name?: string; config?: unknown };
  const cls = mc.class_name;
  if (cls === 'Model' || cls === 'Functional') return functional(mc.config as Record<string, any>);
  if (cls === 'Sequential') return sequential(mc.config);
  throw new Error(`model class ${String(cls)} is not supported (expected Model, Functional or Sequential)`);
}

function functional(config: Record<string, any>): KerasGraph {
  const layers: KerasLayer[] = [];
  for (const l of config['layers'] as any[]) {
    const nodes = (l.inbound_nodes ?? []) as any[];
    if (nodes.length > 1) throw new Error(`layer "${l.name}" (${l.class_name}) is called ${nodes.length} times; shared layers are not supported`);
    const inbound = nodes.length === 0 ? [] : inboundOf(l.name, nodes[0]);
    layers.push({ name: l.name, className: l.class_name, config: l.config ?? {}, inbound });
  }
  const ref = (r: any): string => {
    if (Array.isArray(r) && typeof r[0] === 'string') {
      if ((r[2] ?? 0) !== 0) throw new Error(`model output ${r[0]}[${r[2]}]: multi-output layers are not supported`);
      return r[0];
    }
    throw new Error(`cannot read model input/output reference ${JSON.stringify(r)}`);
  };
  const list = (x: any): any[] => (Array.isArray(x) && typeof x[0] === 'string' ? [x] : (x ?? []));
  return {
    layers: order(layers),
    inputs: list(config['input_layers']).map(ref),
    outputs: list(config['output_layers']).map(ref),
  };
}

/** Keras 2: `[[name, nodeIndex, tensorIndex, kwargs], ...]`; Keras 3: `{args: [...keras tensors], kwargs}`. */
function inboundOf(layer: string, node: any): string[] {
  const out: string[] = [];
  const take = (name: string, tensorIndex: number): void => {
    if (tensorIndex !== 0) throw new Error(`layer "${layer}" uses output ${tensorIndex} of "${name}"; multi-output layers are not supported`);
    out.push(name);
  };
  if (Array.isArray(node)) {
    for (const t of node) take(t[0], t[2] ?? 0);
    return out;
  }
  const walk = (x: any): void => {
    if (!x || typeof x !== 'object') return;
    if (x.class_name === '__keras_tensor__') {
      const [name, , tensorIndex] = x.config.keras_history;
      take(name, tensorIndex ?? 0);
      return;
    }
    for (const v of Array.isArray(x) ? x : Object.values(x)) walk(v);
  };
  walk(node.args);
  return out;
}

function sequential(config: unknown): KerasGraph {
  const list = (Array.isArray(config) ? config : (config as any).layers) as any[];
  const layers: KerasLayer[] = [];
  let prev: string | undefined;
  for (const l of list) {
    if (l.class_name === 'InputLayer') {
      layers.push({ name: l.config.name, className: 'InputLayer', config: l.config, inbound: [] });
      prev = l.config.name;
      continue;
    }
    if (prev === undefined) {
      const shape = l.config.batch_input_shape ?? l.config.batch_shape;
      if (!shape) throw new Error('Sequential model without an input shape');
      prev = `${l.config.name}_input`;
      layers.push({ name: prev, className: 'InputLayer', config: { batch_input_shape: shape }, inbound: [] });
    }
    layers.push({ name: l.config.name, className: l.class_name, config: l.config, inbound: [prev] });
    prev = l.config.name;
  }
  return { layers, inputs: [layers[0]!.name], outputs: [prev!] };
}

/** Topological order (Keras configs are usually already ordered; this makes sure). */
function order(layers: KerasLayer[]): KerasLayer[] {
  const byName = new Map(layers.map((l) => [l.name, l]));
  const done = new Set<string>();
  const out: KerasLayer[] = [];
  const visit = (l: KerasLayer, stack: Set<string>): void => {
    if (done.has(l.name)) return;
    if (stack.has(l.name)) throw new Error(`cycle through layer "${l.name}"`);
    stack.add(l.name);
    for (const i of l.inbound) {
      const src = byName.get(i);
      if (!src) throw new Error(`layer "${l.name}" consumes unknown layer "${i}"`);
      visit(src, stack);
    }
    stack.delete(l.name);
    done.add(l.name);
    out.push(l);
  };
  for (const l of layers) visit(l, new Set());
  return out;
}
