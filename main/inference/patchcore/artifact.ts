/**
 * On-disk form of a trained PatchCore model: a folder with `model.json` (format version, info, config,
 * backbone identity, bank layout and checksum) and either `bank.f32` (little-endian float32 [count, dim]; a
 * standalone folder, formats 1-2) or, for the station's models folder (format 3), the bank's segments in the
 * content-addressed chunk store beside the model folders (bank-chunks.ts), so versions share unchanged rows.
 * Written to a temporary folder then renamed, so a crash never leaves a half-written model.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join, basename, relative, resolve } from 'node:path';
import { z } from 'zod';
import { StationFault } from '../../common/result.js';
import type { ModelInfo } from '../model.js';
import { firstIssue, ModelInfoSchema, readModelJson, verifyChecksum, withChecksum } from '../artifact-json.js';
import { PatchCoreConfigSchema, type PatchCoreConfig } from './config.js';
import { PatchExtractor } from './patch-extractor.js';
import { PatchCoreModel, type MemoryBank } from './model.js';
import type { ProviderName } from '../execution-provider.js';
import { readSegments, SegmentSchema, writeSegments, type BaseBank, type Segment } from './bank-chunks.js';

/**
 * 2: model.json carries a checksum of itself (format 1, written before, has none and still loads).
 * 3: the bank may be segments of the shared chunk store instead of a file (whole-file folders are still written as 2).
 */
export const PATCHCORE_FORMAT_VERSION = 3;
const WHOLE_FILE_FORMAT = 2;

const ArtifactSchema = z.object({
  formatVersion: z.number().int().min(1),
  kind: z.literal('patchcore'),
  info: ModelInfoSchema,
  config: PatchCoreConfigSchema,
  bank: z.union([
    z.object({
      file: z.string().regex(/^[\w.-]+$/, 'a file name beside model.json'),
      count: z.number().int().positive().max(10_000_000),
      dim: z.number().int().positive().max(8192),
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
    }),
    z.object({
      chunkDir: z.string().regex(/^[\w./-]+$/, 'a folder relative to the model folder'),
      segments: z.array(SegmentSchema).min(1).max(1_000_000),
      count: z.number().int().positive().max(10_000_000),
      dim: z.number().int().positive().max(8192),
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
    }),
  ]),
  checksum: z.string().optional(),
});

export interface SaveOptions {
  /** The chunk store (absolute): the bank is written as segments there (format 3), not as bank.f32. */
  readonly chunkDir?: string;
  /** A saved model this one was made from: rows they share are referred to, not written again. */
  readonly base?: string;
}

/** The segments and bytes of a format-3 model folder's bank (null for a whole-file folder). */
async function baseBankOf(dir: string): Promise<(BaseBank & { chunkDir: string }) | null> {
  const jsonPath = join(dir, 'model.json');
  const parsed = ArtifactSchema.safeParse(readModelJson(jsonPath));
  if (!parsed.success || !('segments' in parsed.data.bank)) return null;
  const b = parsed.data.bank;
  const chunkDir = resolve(dir, b.chunkDir);
  return { segments: b.segments, bytes: await readSegments(chunkDir, b.segments, b.dim, dir), chunkDir };
}

export async function savePatchCore(model: PatchCoreModel, dir: string, opts: SaveOptions = {}): Promise<void> {
  const { bank } = model;
  const bytes = new Uint8Array(bank.features.buffer, bank.features.byteOffset, bank.count * bank.dim * 4);
  const head = { count: bank.count, dim: bank.dim, sha256: createHash('sha256').update(bytes).digest('hex') };
  let segments: Segment[] | null = null;
  if (opts.chunkDir) {
    const base = opts.base ? await baseBankOf(opts.base).catch(() => null) : null;
    const shared = base && base.chunkDir === resolve(opts.chunkDir) ? base : undefined;
    segments = await writeSegments(opts.chunkDir, bytes, bank.dim, shared);
  }
  const doc = withChecksum({
    formatVersion: segments ? PATCHCORE_FORMAT_VERSION : WHOLE_FILE_FORMAT,
    kind: 'patchcore' as const,
    info: model.info,
    config: model.config,
    // The chunk store is referred to relative to the model folder: the station's data folder may move.
    bank: segments ? { chunkDir: relative(resolve(dir), resolve(opts.chunkDir!)), segments, ...head } : { file: 'bank.f32', ...head },
  });
  const tmp = join(dirname(dir), `.${basename(dir)}.tmp-${process.pid}-${Date.now()}`);
  await mkdir(tmp, { recursive: true });
  try {
    if (!segments) await writeFile(join(tmp, 'bank.f32'), bytes);
    await writeFile(join(tmp, 'model.json'), JSON.stringify(doc, null, 2));
    if (existsSync(dir)) {
      const old = `${tmp}.old`;
      await rename(dir, old);
      await rename(tmp, dir);
      await rm(old, { recursive: true, force: true });
    } else {
      await rename(tmp, dir);
    }
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
}

export async function loadPatchCore(dir: string, provider?: ProviderName): Promise<PatchCoreModel> {
  const jsonPath = join(dir, 'model.json');
  const raw = readModelJson(jsonPath);
  const parsed = ArtifactSchema.safeParse(raw);
  if (!parsed.success) throw new StationFault('bad-model', `${jsonPath} is not a valid PatchCore model: ${firstIssue(parsed.error)}`);
  const doc = parsed.data;
  if (doc.formatVersion > PATCHCORE_FORMAT_VERSION) {
    throw new StationFault('bad-model', `${dir} was written by a newer version (format ${doc.formatVersion}; this build reads up to ${PATCHCORE_FORMAT_VERSION})`);
  }
  verifyChecksum(raw, jsonPath, doc.formatVersion >= 2);
  let bytes: Uint8Array;
  const where = 'segments' in doc.bank ? 'chunks' : doc.bank.file;
  if ('segments' in doc.bank) {
    bytes = await readSegments(resolve(dir, doc.bank.chunkDir), doc.bank.segments, doc.bank.dim, dir);
  } else {
    try {
      bytes = await readFile(join(dir, doc.bank.file));
    } catch {
      throw new StationFault('bad-model', `${dir}: memory bank file ${doc.bank.file} is missing`);
    }
  }
  if (bytes.byteLength !== doc.bank.count * doc.bank.dim * 4 || createHash('sha256').update(bytes).digest('hex') !== doc.bank.sha256) {
    throw new StationFault('bad-model', `${dir}: memory bank ${where} is corrupt (size or checksum mismatch)`);
  }
  // Copy into an aligned buffer: Buffer slices may start at any byte offset.
  const features = new Float32Array(doc.bank.count * doc.bank.dim);
  new Uint8Array(features.buffer).set(bytes);
  const bank: MemoryBank = { features, count: doc.bank.count, dim: doc.bank.dim };
  const config: PatchCoreConfig = doc.config;
  const extractor = await PatchExtractor.create(config, provider);
  if (extractor.dim !== bank.dim) {
    await extractor.dispose();
    throw new StationFault('bad-model', `${dir}: bank has ${bank.dim} dims but backbone '${config.backbone}' with layers ${config.layers.join('+')} gives ${extractor.dim}`);
  }
  return PatchCoreModel.create(doc.info as unknown as ModelInfo, config, extractor, bank);
}
