/**
 * Reads a TensorFlow.js *layers* model from disk: the Keras topology, the weight manifest and the
 * concatenated weight bytes. Two layouts are understood:
 *  - the standard one: `model.json` + binary shards named by the manifest's `paths`;
 *  - the nsfwjs 4.x bundles: `model.min.js` + `<path>.min.js` shards, browserify modules whose exports are a
 *    literal object and a base64 string. They are parsed as literals (js-literal.ts), never executed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseJsLiteral } from './js-literal.js';

/** One entry of a tfjs weight manifest (tfjs-core io types). */
export interface WeightSpec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: 'float32' | 'int32' | 'bool' | string;
  readonly quantization?: {
    readonly dtype: 'uint8' | 'uint16' | 'float16' | string;
    readonly min?: number;
    readonly scale?: number;
  };
}

export interface TfjsLayersModel {
  /** `modelTopology` of model.json: `{ model_config: { class_name, config }, keras_version, ... }`. */
  readonly topology: Record<string, unknown>;
  readonly weightSpecs: readonly WeightSpec[];
  /** All weight shards concatenated in manifest order. */
  readonly weightData: Uint8Array;
  /** Where it was read from, for messages. */
  readonly source: string;
}

interface ModelJson {
  modelTopology?: Record<string, unknown>;
  weightsManifest?: { paths: string[]; weights: WeightSpec[] }[];
  format?: string;
}

/** Reads a tfjs layers model from a folder in either layout (see file comment). */
export function readTfjsLayersModel(dir: string): TfjsLayersModel {
  if (existsSync(join(dir, 'model.json'))) {
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as ModelJson;
    return assemble(json, dir, (p) => readFileSync(join(dir, p)));
  }
  if (existsSync(join(dir, 'model.min.js'))) {
    const json = bundleExport(join(dir, 'model.min.js'), '{') as ModelJson;
    return assemble(json, dir, (p) => {
      const b64 = bundleExport(join(dir, `${p}.min.js`), '"');
      if (typeof b64 !== 'string') throw new Error(`${p}.min.js: expected a base64 string export`);
      return Buffer.from(b64, 'base64');
    });
  }
  throw new Error(`${dir}: no model.json or model.min.js (not a TensorFlow.js layers model folder)`);
}

function assemble(json: ModelJson, dir: string, readShard: (path: string) => Uint8Array): TfjsLayersModel {
  if (!json || typeof json !== 'object' || !json.modelTopology) throw new Error(`${dir}: model has no modelTopology`);
  if (json.format && json.format !== 'layers-model') throw new Error(`${dir}: format "${json.format}" is not a layers model`);
  const groups = json.weightsManifest ?? [];
  const specs: WeightSpec[] = [];
  const shards: Uint8Array[] = [];
  for (const g of groups) {
    specs.push(...g.weights);
    for (const p of g.paths) shards.push(readShard(p));
  }
  const total = shards.reduce((a, s) => a + s.byteLength, 0);
  const weightData = new Uint8Array(total);
  let off = 0;
  for (const s of shards) {
    weightData.set(s, off);
    off += s.byteLength;
  }
  return { topology: json.modelTopology, weightSpecs: specs, weightData, source: dir };
}

/**
 * The literal assigned to `<x>.exports` inside a browserify/UMD bundle. `opener` is the first character
 * of the expected literal (`{` for the model, `"` for a shard).
 */
function bundleExport(file: string, opener: '{' | '"'): unknown {
  const src = readFileSync(file, 'utf8');
  const re = opener === '{' ? /\.exports\s*=\s*\{/g : /\.exports\s*=\s*"/g;
  let lastError: unknown;
  for (let m = re.exec(src); m; m = re.exec(src)) {
    const at = m.index + m[0].length - 1;
    try {
      const { value } = parseJsLiteral(src, at);
      if (opener === '"' || (value && typeof value === 'object' && 'modelTopology' in value)) return value;
    } catch (e) {
      lastError = e;
    }
  }
  throw new Error(`${file}: no ${opener === '{' ? 'model object' : 'base64 string'} export found${lastError ? ` (${String(lastError)})` : ''}`);
}
