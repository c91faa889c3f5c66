/**
 * The supervised model on disk: a folder with `model.json` (ModelInfo + classifier layout) and
 * `weights.bin` (float32 little-endian: mean, std, w1, b1, w2 in that order). Both are written to temp
 * names and renamed, weights first, so a folder with a model.json always has its weights.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { StationFault } from '../../common/result.js';
import type { ModelInfo } from '../model.js';
import { firstIssue, ModelInfoSchema, readModelJson, verifyChecksum, withChecksum } from '../artifact-json.js';
import type { ProviderName } from '../execution-provider.js';
import type { ClassifierParams } from './classifier.js';
import { createFeatureExtractor } from './features.js';
import { SUPERVISED_FORMAT_VERSION, SupervisedModel, type SupervisedParams } from './model.js';
import { writeFileAtomicSync } from '../../node/atomic-write.js';

const ModelJsonSchema = z.object({
  info: ModelInfoSchema.extend({
    kind: z.literal('supervised'),
    backbone: z.string().min(1),
    defaultThreshold: z.number().finite().min(0).max(1),
    params: z.looseObject({
      layers: z.array(z.string()).min(1),
      inputSize: z.number().int().positive().max(1024),
      sigma: z.number().nonnegative().max(64),
      boxThreshold: z.number().finite().min(0).max(1),
      label: z.string(),
      hidden: z.number().int().nonnegative(),
      dims: z.number().int().positive(),
    }),
  }),
  classifier: z.object({
    dims: z.number().int().positive(),
    hidden: z.number().int().nonnegative(),
    b2: z.number(),
    weights: z.string().regex(/^[\w.-]+$/, 'a file name beside model.json'),
    byteLength: z.number().int().positive(),
  }),
  checksum: z.string().optional(),
});

const WEIGHTS = 'weights.bin';

function layout(c: { dims: number; hidden: number }): { name: 'mean' | 'std' | 'w1' | 'b1' | 'w2'; length: number }[] {
  const rows = Math.max(1, c.hidden);
  return [
    { name: 'mean', length: c.dims },
    { name: 'std', length: c.dims },
    { name: 'w1', length: rows * c.dims },
    { name: 'b1', length: rows },
    { name: 'w2', length: c.hidden },
  ];
}


export async function saveSupervisedModel(model: SupervisedModel, dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const c = model.classifier;
  const parts = layout(c);
  const total = parts.reduce((a, p) => a + p.length, 0);
  const buf = new Float32Array(total);
  let off = 0;
  for (const p of parts) {
    const src = c[p.name];
    if (src.length !== p.length) throw new StationFault('internal', `classifier ${p.name} has ${src.length} values, expected ${p.length}`);
    buf.set(src, off);
    off += p.length;
  }
  const bytes = new Uint8Array(buf.buffer);
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new StationFault('internal', 'big-endian hosts are not supported');
  writeFileAtomicSync(join(dir, WEIGHTS), bytes);
  const json = withChecksum({
    info: model.info,
    classifier: { dims: c.dims, hidden: c.hidden, b2: c.b2, weights: WEIGHTS, byteLength: bytes.byteLength },
  });
  writeFileAtomicSync(join(dir, 'model.json'), JSON.stringify(json, null, 1));
}

/** Reads the classifier and info without loading the backbone (for listing and export). */
export function readSupervisedArtifact(dir: string): { info: ModelInfo; classifier: ClassifierParams } {
  const jsonPath = join(dir, 'model.json');
  const raw = readModelJson(jsonPath);
  const parsed = ModelJsonSchema.safeParse(raw);
  if (!parsed.success) throw new StationFault('bad-model', `${jsonPath} is not a valid supervised model: ${firstIssue(parsed.error)}`);
  const { info, classifier } = parsed.data;
  if (info.formatVersion > SUPERVISED_FORMAT_VERSION) {
    throw new StationFault('bad-model', `${jsonPath}: format version ${info.formatVersion} is newer than this station reads (${SUPERVISED_FORMAT_VERSION})`);
  }
  verifyChecksum(raw, jsonPath, info.formatVersion >= 2);
  const wPath = join(dir, classifier.weights);
  if (!existsSync(wPath)) throw new StationFault('bad-model', `supervised model ${dir}: weights file ${classifier.weights} missing`);
  const bytes = readFileSync(wPath);
  const parts = layout(classifier);
  const total = parts.reduce((a, p) => a + p.length, 0);
  if (bytes.byteLength !== classifier.byteLength || bytes.byteLength !== total * 4) {
    throw new StationFault('bad-model', `supervised model ${dir}: ${classifier.weights} has ${bytes.byteLength} bytes, expected ${total * 4}`);
  }
  const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const arrays: Record<string, Float32Array> = {};
  let off = 0;
  for (const p of parts) {
    arrays[p.name] = all.slice(off, off + p.length);
    off += p.length;
  }
  if (classifier.dims !== info.params.dims) throw new StationFault('bad-model', `supervised model ${dir}: classifier dims differ from params`);
  return {
    info: info as unknown as ModelInfo,
    classifier: {
      dims: classifier.dims,
      hidden: classifier.hidden,
      b2: classifier.b2,
      mean: arrays.mean!,
      std: arrays.std!,
      w1: arrays.w1!,
      b1: arrays.b1!,
      w2: arrays.w2!,
    },
  };
}

/** Loads a saved model with its backbone; scores equal the model that was saved. */
export async function loadSupervisedModel(dir: string, provider?: ProviderName, opts: { backbone?: string } = {}): Promise<SupervisedModel> {
  const { info, classifier } = readSupervisedArtifact(dir);
  const p = info.params as unknown as SupervisedParams;
  const extractor = await createFeatureExtractor({ backbone: opts.backbone ?? info.backbone, layers: p.layers, inputSize: p.inputSize, provider });
  if (extractor.dims !== classifier.dims) {
    await extractor.dispose();
    throw new StationFault('bad-model', `supervised model ${dir}: backbone gives ${extractor.dims} feature dims, classifier expects ${classifier.dims}`);
  }
  return new SupervisedModel(info, classifier, extractor);
}
