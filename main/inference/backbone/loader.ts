/**
 * Loads a backbone: manifest (zod-checked) + ONNX file (checksum, graph checked against the manifest),
 * cut to the feature outputs a caller needs. Every mismatch is a 'bad-model' fault that names the file.
 */
import { jsonSyntaxWhere } from '../../common/json.js';
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { StationFault } from '../../common/result.js';
import type { RawImage } from '../../common/types.js';
import { nativeModelsDir } from '../../node/paths.js';
import { BackboneManifestSchema, type BackboneManifest, type FeatureOutput } from './manifest.js';
import type { ModelProto } from '../onnx/proto.js';
import { decodeOnnx, pruneModel, tensorNames } from '../onnx/prune.js';
import { encodeModel } from '../onnx/proto.js';
import { createSession, type ProviderName } from '../execution-provider.js';

export interface BackboneFiles {
  readonly manifest: BackboneManifest;
  /** Folder holding manifest.json. */
  readonly dir: string;
  readonly modelPath: string;
}

/** Finds and validates a manifest: `idOrDir` is a backbone id under native-models/, or a folder, or a manifest path. */
export async function readBackboneManifest(idOrDir: string): Promise<BackboneFiles> {
  let manifestPath: string;
  if (idOrDir.endsWith('.json')) manifestPath = resolve(idOrDir);
  else if (isAbsolute(idOrDir) || idOrDir.includes('/') || idOrDir.includes('\\')) manifestPath = join(resolve(idOrDir), 'manifest.json');
  else manifestPath = nativeModelsDir(idOrDir, 'manifest.json');
  if (!existsSync(manifestPath)) {
    throw new StationFault('not-found', `backbone '${idOrDir}' not found (no ${manifestPath}); available: ${(await listBackboneIds()).join(', ') || 'none'}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(await readFile(manifestPath, 'utf8'));
  } catch (e) {
    throw new StationFault('bad-model', `backbone manifest ${manifestPath} is not valid JSON${jsonSyntaxWhere(e)}`);
  }
  const parsed = BackboneManifestSchema.safeParse(json);
  if (!parsed.success) {
    const why = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new StationFault('bad-model', `backbone manifest ${manifestPath} is invalid: ${why}`);
  }
  const dir = dirname(manifestPath);
  return { manifest: parsed.data, dir, modelPath: resolve(dir, parsed.data.model) };
}

/** Ids of the backbones under native-models/ whose ONNX file is present. */
export async function listBackboneIds(): Promise<string[]> {
  const { readdir } = await import('node:fs/promises');
  const root = nativeModelsDir();
  const ids: string[] = [];
  for (const name of await readdir(root).catch(() => [] as string[])) {
    const m = join(root, name, 'manifest.json');
    if (!existsSync(m)) continue;
    try {
      const j = JSON.parse(await readFile(m, 'utf8')) as { model?: string };
      if (j.model && existsSync(resolve(root, name, j.model))) ids.push(name);
    } catch {
      /* a broken manifest is reported when it is loaded by id */
    }
  }
  return ids.sort();
}

/** Reads the ONNX file, checks checksum and graph against the manifest, and cuts it to `outputs`. */
export async function loadBackboneGraph(files: BackboneFiles, outputs: readonly string[]): Promise<ModelProto> {
  const { manifest, modelPath } = files;
  let bytes: Buffer;
  try {
    bytes = await readFile(modelPath);
  } catch {
    throw new StationFault('not-found', `backbone '${manifest.id}': model file ${modelPath} is missing`);
  }
  if (manifest.sha256) {
    const digest = createHash('sha256').update(bytes).digest('hex');
    if (digest !== manifest.sha256) {
      throw new StationFault('bad-model', `backbone '${manifest.id}': ${modelPath} has sha256 ${digest.slice(0, 12)}…, the manifest expects ${manifest.sha256.slice(0, 12)}…`);
    }
  }
  let model: ModelProto;
  try {
    model = decodeOnnx(bytes, modelPath);
  } catch (e) {
    throw new StationFault('bad-model', `backbone '${manifest.id}': ${(e as Error).message}`);
  }
  const inputs = (model.graph!.input ?? []).map((i) => i.name);
  if (!inputs.includes(manifest.input.name)) {
    throw new StationFault('bad-model', `backbone '${manifest.id}': the manifest's input '${manifest.input.name}' is not an input of ${modelPath} (it has: ${inputs.join(', ')})`);
  }
  for (const o of outputs) {
    if (!manifest.features.some((f) => f.name === o)) {
      throw new StationFault('invalid-input', `backbone '${manifest.id}' has no feature output '${o}' (manifest lists: ${manifest.features.map((f) => f.name).join(', ')})`);
    }
  }
  const names = new Set(tensorNames(model));
  const absent = manifest.features.filter((f) => !names.has(f.name)).map((f) => f.name);
  if (absent.length) throw new StationFault('bad-model', `backbone '${manifest.id}': feature tensor(s) ${absent.join(', ')} not found in ${modelPath}`);
  pruneModel(model, outputs);
  return model;
}

/**
 * Preprocesses a canvas (gray or RGB, already at the network's input size) into an NCHW float tensor:
 * value = (pixel * scale - mean[c]) / std[c], channels in the manifest's colour order.
 * @returns Float32Array of shape [1, 3, H, W].
 */
export function toInputTensor(img: RawImage, input: BackboneManifest['input']): Float32Array {
  const { width: w, height: h, channels: c, data } = img;
  const plane = w * h;
  const out = new Float32Array(3 * plane);
  const order = input.colour === 'rgb' ? [0, 1, 2] : [2, 1, 0];
  for (let k = 0; k < 3; k++) {
    const src = c === 1 ? 0 : order[k]!;
    const a = input.scale / input.std[k]!;
    const b = -input.mean[k]! / input.std[k]!;
    const base = k * plane;
    for (let i = 0, j = src; i < plane; i++, j += c) out[base + i] = data[j]! * a + b;
  }
  return out;
}

export interface FeatureMap {
  readonly name: string;
  /** NCHW with N = 1. */
  readonly channels: number;
  readonly height: number;
  readonly width: number;
  readonly data: Float32Array;
}

/** A backbone session producing raw feature maps; for heads built into the graph see patchcore/feature-graph. */
export class Backbone {
  private constructor(
    readonly files: BackboneFiles,
    readonly outputs: readonly FeatureOutput[],
    private readonly session: ort.InferenceSession,
    readonly executionProvider: ProviderName,
  ) {}

  static async load(idOrDir: string, outputs: readonly string[], provider?: ProviderName): Promise<Backbone> {
    const files = await readBackboneManifest(idOrDir);
    const graph = await loadBackboneGraph(files, outputs);
    const { session, provider: used } = await createSession(encodeModel(graph), provider, { foldQuantizedWeights: true });
    const feats = outputs.map((o) => files.manifest.features.find((f) => f.name === o)!);
    const backbone = new Backbone(files, feats, session, used);
    await backbone.checkShapes();
    return backbone;
  }

  get manifest(): BackboneManifest {
    return this.files.manifest;
  }

  /** Runs the canvas through the network. */
  async extract(canvas: RawImage): Promise<FeatureMap[]> {
    const m = this.manifest.input;
    if (canvas.width % m.multipleOf || canvas.height % m.multipleOf) {
      throw new StationFault('invalid-input', `backbone '${this.manifest.id}' needs sizes that are multiples of ${m.multipleOf}, got ${canvas.width}x${canvas.height}`);
    }
    const tensor = new ort.Tensor('float32', toInputTensor(canvas, m), [1, 3, canvas.height, canvas.width]);
    const result = await this.session.run({ [m.name]: tensor });
    return this.outputs.map((f) => {
      const t = result[f.name]!;
      const [, ch, hh, ww] = t.dims as number[];
      return { name: f.name, channels: ch!, height: hh!, width: ww!, data: t.data as Float32Array };
    });
  }

  /** Runs a small blank canvas once and checks each output's channel count against the manifest. */
  private async checkShapes(): Promise<void> {
    const s = this.manifest.input.multipleOf * 2;
    const maps = await this.extract({ width: s, height: s, channels: 1, data: new Uint8Array(s * s).fill(128) });
    for (const [i, f] of this.outputs.entries()) {
      const got = maps[i]!;
      if (got.channels !== f.channels) {
        throw new StationFault('bad-model', `backbone '${this.manifest.id}': output ${f.name} has ${got.channels} channels, the manifest says ${f.channels}`);
      }
    }
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}
