/**
 * Install-time build of the default backbones: converts the TensorFlow.js models bundled in the installed
 * `nsfwjs` package, and the TensorFlow Lite files shipped in native-models/<id>/ (tflite.ts), to feature-only
 * ONNX files with manifests, under native-models/<id>/. A stamp per backbone
 * (native-models/.build-stamp-<id>.json: converter version, a hash of the converter's sources, nsfwjs version,
 * sha256 of the file) makes a rebuild happen only when something is missing or stale. scripts/postinstall.mjs
 * repeats the freshness check in plain node and runs this through tsx when needed.
 *
 * CLI: tsx native-models/converter/build.ts [--force] [--only ID[,ID]] [--out DIR] [--nsfwjs DIR]
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BackboneManifestSchema, type BackboneManifest } from '../../main/inference/backbone/manifest.js';
import { convertLayersModel } from './convert.js';
import { NSFWJS_BACKBONES, type NsfwjsBackboneSpec } from './nsfwjs.js';
import { readTfjsLayersModel } from './tfjs-source.js';
import { TFLITE_BACKBONES, buildTfliteBackbone, readSpecFile } from './tflite.js';
import versionInfo from './version.json' with { type: 'json' };
import { writeFileAtomicSync } from '../../main/node/atomic-write.js';

export const CONVERTER_VERSION: number = versionInfo.converterVersion;

const here = dirname(fileURLToPath(import.meta.url));

export interface BuildOptions {
  /** Folder receiving <id>/ and the stamps (default: the repository's native-models/). */
  readonly outDir?: string;
  /** Installed nsfwjs package folder (default: found in node_modules above this file). */
  readonly nsfwjsDir?: string;
  /** Backbone ids to build (default: all). */
  readonly only?: readonly string[];
  /** Rebuild even when up to date. */
  readonly force?: boolean;
  readonly log?: (line: string) => void;
}

export interface BuildResult {
  readonly id: string;
  readonly status: 'built' | 'up-to-date';
  readonly modelFile: string;
  readonly sha256: string;
  readonly bytes: number;
  /** Conversion time (0 when up to date). */
  readonly ms: number;
}

export interface BuildStamp {
  readonly converterVersion: number;
  /** sha256 over the converter's source files (see converterSourceHash). */
  readonly sourceHash: string;
  /** nsfwjs backbones: the installed nsfwjs version. */
  readonly nsfwjsVersion?: string;
  /** TFLite backbones: sha256 of the shipped .tflite file. */
  readonly tfliteSha256?: string;
  readonly sha256: string;
}

/** Files whose content decides the built bytes, relative to the repository root (mirrored in postinstall.mjs). */
const SOURCE_DIRS = ['native-models/converter', 'main/inference/onnx'];

/** sha256 over the sorted .ts/.json files of SOURCE_DIRS under `root` (the folder holding native-models/). */
export function converterSourceHash(root: string): string {
  const h = createHash('sha256');
  for (const dir of SOURCE_DIRS) {
    const abs = join(root, dir);
    if (!existsSync(abs)) continue;
    for (const f of readdirSync(abs).filter((n) => /\.(ts|json)$/.test(n)).sort()) {
      h.update(`${dir}/${f}\0`);
      h.update(readFileSync(join(abs, f)));
      h.update('\0');
    }
  }
  return h.digest('hex');
}

export function defaultOutDir(): string {
  // Source: native-models/converter; compiled: dist/native-models/converter. Both sit under a root holding package.json.
  for (let dir = here; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'native-models', 'converter'))) return join(dir, 'native-models');
    if (dirname(dir) === dir) return resolve(here, '..');
  }
}

export function findNsfwjs(): string {
  for (let dir = here; ; dir = dirname(dir)) {
    const p = join(dir, 'node_modules', 'nsfwjs');
    if (existsSync(join(p, 'package.json'))) return p;
    if (dirname(dir) === dir) throw new Error('the npm package nsfwjs is not installed (it is a dependency: run npm install)');
  }
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function stampPath(outDir: string, id: string): string {
  return join(outDir, `.build-stamp-${id}.json`);
}

export function modelFileName(id: string): string {
  return `${id}.onnx`;
}

/** True when the backbone's ONNX, manifest and stamp exist and agree with the given versions. */
export function isUpToDate(outDir: string, id: string, version: string, sourceHash: string, source: 'nsfwjsVersion' | 'tfliteSha256' = 'nsfwjsVersion'): boolean {
  try {
    const stamp = JSON.parse(readFileSync(stampPath(outDir, id), 'utf8')) as BuildStamp;
    if (stamp.converterVersion !== CONVERTER_VERSION || stamp[source] !== version || stamp.sourceHash !== sourceHash) return false;
    const manifest = JSON.parse(readFileSync(join(outDir, id, 'manifest.json'), 'utf8')) as BackboneManifest;
    if (manifest.sha256 !== stamp.sha256) return false;
    return sha256Hex(readFileSync(join(outDir, id, manifest.model))) === stamp.sha256;
  } catch {
    return false;
  }
}


/** Converts one nsfwjs model to its feature-only ONNX and manifest (in memory). */
export function buildBackbone(spec: NsfwjsBackboneSpec, nsfwjsDir: string, nsfwjsVersion: string): { onnx: Uint8Array; manifest: BackboneManifest } {
  const model = readTfjsLayersModel(join(nsfwjsDir, 'dist', 'models', spec.bundle));
  const converted = convertLayersModel(model, { outputs: spec.features, graphName: spec.id });
  const sha256 = sha256Hex(converted.onnx);
  const manifest = BackboneManifestSchema.parse({
    schemaVersion: 1,
    id: spec.id,
    description: spec.description,
    model: modelFileName(spec.id),
    sha256,
    input: {
      name: converted.inputName,
      colour: 'rgb',
      layout: 'NCHW',
      scale: 1 / 255,
      mean: [0, 0, 0],
      std: [1, 1, 1],
      multipleOf: spec.multipleOf,
    },
    features: converted.outputs.map((o) => ({ name: o.name, channels: o.channels!, stride: o.stride })),
    recommendedLayers: spec.recommendedLayers,
    license: `MIT (nsfwjs ${nsfwjsVersion}, https://github.com/infinitered/nsfwjs); ImageNet-initialised weights`,
    provenance: `Built at npm install by native-models/converter (version ${CONVERTER_VERSION}) from node_modules/nsfwjs/dist/models/${spec.bundle} (nsfwjs ${nsfwjsVersion}).`,
  });
  return { onnx: converted.onnx, manifest };
}

export function buildNsfwjsBackbones(options: BuildOptions = {}): BuildResult[] {
  const outDir = options.outDir ?? defaultOutDir();
  const nsfwjsDir = options.nsfwjsDir ?? findNsfwjs();
  const nsfwjsVersion = String((JSON.parse(readFileSync(join(nsfwjsDir, 'package.json'), 'utf8')) as { version: string }).version);
  const log = options.log ?? (() => {});
  const sourceHash = converterSourceHash(dirname(defaultOutDir()));
  const specs = NSFWJS_BACKBONES.filter((s) => !options.only || options.only.includes(s.id));
  if (options.only) for (const id of options.only) if (!NSFWJS_BACKBONES.some((s) => s.id === id)) throw new Error(`unknown backbone id ${id} (known: ${NSFWJS_BACKBONES.map((s) => s.id).join(', ')})`);
  const results: BuildResult[] = [];
  for (const spec of specs) {
    const modelFile = join(outDir, spec.id, modelFileName(spec.id));
    if (!options.force && isUpToDate(outDir, spec.id, nsfwjsVersion, sourceHash)) {
      const bytes = readFileSync(modelFile);
      results.push({ id: spec.id, status: 'up-to-date', modelFile, sha256: sha256Hex(bytes), bytes: bytes.byteLength, ms: 0 });
      log(`native-models: ${spec.id} up to date`);
      continue;
    }
    const t0 = performance.now();
    const { onnx, manifest } = buildBackbone(spec, nsfwjsDir, nsfwjsVersion);
    writeFileAtomicSync(modelFile, onnx);
    writeFileAtomicSync(join(outDir, spec.id, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    const stamp: BuildStamp = { converterVersion: CONVERTER_VERSION, sourceHash, nsfwjsVersion, sha256: manifest.sha256! };
    writeFileAtomicSync(stampPath(outDir, spec.id), `${JSON.stringify(stamp, null, 2)}\n`);
    const ms = performance.now() - t0;
    results.push({ id: spec.id, status: 'built', modelFile, sha256: manifest.sha256!, bytes: onnx.byteLength, ms });
    log(`native-models: built ${spec.id} from nsfwjs ${nsfwjsVersion} (${(onnx.byteLength / 1e6).toFixed(1)} MB, ${manifest.features.length} feature outputs) in ${(ms / 1000).toFixed(1)} s`);
  }
  return results;
}

/**
 * Converts the .tflite files shipped in native-models/<id>/ (TFLITE_BACKBONES); same stamps and freshness rule
 * as the nsfwjs backbones, with the .tflite file's sha256 in place of the nsfwjs version.
 */
export function buildTfliteBackbones(options: Omit<BuildOptions, 'nsfwjsDir'> & { readonly sourceDir?: string } = {}): BuildResult[] {
  const outDir = options.outDir ?? defaultOutDir();
  const sourceDir = options.sourceDir ?? defaultOutDir();
  const log = options.log ?? (() => {});
  const sourceHash = converterSourceHash(dirname(defaultOutDir()));
  const results: BuildResult[] = [];
  for (const spec of TFLITE_BACKBONES.filter((s) => !options.only || options.only.includes(s.id))) {
    const modelFile = join(outDir, spec.id, modelFileName(spec.id));
    if (!options.force && isUpToDate(outDir, spec.id, spec.fileSha256, sourceHash, 'tfliteSha256')) {
      const bytes = readFileSync(modelFile);
      results.push({ id: spec.id, status: 'up-to-date', modelFile, sha256: sha256Hex(bytes), bytes: bytes.byteLength, ms: 0 });
      log(`native-models: ${spec.id} up to date`);
      continue;
    }
    const t0 = performance.now();
    const { onnx, manifest } = buildTfliteBackbone(spec, readSpecFile(spec, sourceDir), modelFileName(spec.id), CONVERTER_VERSION);
    writeFileAtomicSync(modelFile, onnx);
    writeFileAtomicSync(join(outDir, spec.id, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    const stamp: BuildStamp = { converterVersion: CONVERTER_VERSION, sourceHash, tfliteSha256: spec.fileSha256, sha256: manifest.sha256! };
    writeFileAtomicSync(stampPath(outDir, spec.id), `${JSON.stringify(stamp, null, 2)}\n`);
    const ms = performance.now() - t0;
    results.push({ id: spec.id, status: 'built', modelFile, sha256: manifest.sha256!, bytes: onnx.byteLength, ms });
    log(`native-models: built ${spec.id} from ${spec.file} (${(onnx.byteLength / 1e6).toFixed(1)} MB, ${manifest.features.length} feature outputs) in ${(ms / 1000).toFixed(1)} s`);
  }
  return results;
}

function main(argv: string[]): void {
  let force = false;
  let only: string[] | undefined;
  let outDir: string | undefined;
  let nsfwjsDir: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--force') force = true;
    else if (a === '--only') only = (argv[++i] ?? '').split(',').filter(Boolean);
    else if (a === '--out') outDir = resolve(argv[++i] ?? '.');
    else if (a === '--nsfwjs') nsfwjsDir = resolve(argv[++i] ?? '.');
    else throw new Error(`unknown argument ${a}`);
  }
  const tfliteIds = TFLITE_BACKBONES.map((s) => s.id);
  const log = (l: string): void => console.log(l);
  const nsfwjsOnly = only?.filter((id) => !tfliteIds.includes(id));
  if (!only || nsfwjsOnly!.length > 0) buildNsfwjsBackbones({ force, only: nsfwjsOnly, outDir, nsfwjsDir, log });
  if (!only || only.some((id) => tfliteIds.includes(id))) buildTfliteBackbones({ force, only: only?.filter((id) => tfliteIds.includes(id)), outDir, log });
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  try {
    main(process.argv.slice(2));
  } catch (e) {
    console.error(`native-models: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
  }
}
