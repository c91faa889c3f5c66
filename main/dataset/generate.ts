/**
 * Writes dataset variants of an MVTec-layout folder, each in MVTec layout itself (so `listMvtec` and the
 * training/evaluation code read them like the original), plus `out/manifest.json` recording what was
 * drawn for every image.
 *
 * Determinism: each output depends only on (seed, variant, source-relative path), never on processing
 * order. Robustness: every file is written to a temp name and renamed; an image that cannot be read is
 * skipped and listed with its reason; cancellation stops between images (files already written stay whole,
 * the manifest is written only by a completed run).
 */
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, parse, relative, resolve, sep } from 'node:path';
import sharp from 'sharp';
import { StationFault, toStationError } from '../common/result.js';
import type { ErrorKind } from '../common/result.js';
import type { ProgressFn, RawImage } from '../common/types.js';
import { decodeImage, encodePng } from '../node/image-io.js';
import { writeFileAtomic } from '../node/atomic-write.js';
import { repoRoot } from '../node/paths.js';
import { foregroundMask } from '../imaging/segment.js';
import type { ForegroundMask } from '../imaging/segment.js';
import { listMvtec } from './mvtec.js';
import type { DatasetImage } from './mvtec.js';
import { applyVariant, DEFAULT_VARIANT_OPTIONS, parseVariant } from './variants.js';
import type { VariantOptions, VariantParams, VariantSpec } from './variants.js';
import { createRng, hashSeed } from '../common/random.js';

export interface GenerateOptions {
  /** MVTec-layout source folder (e.g. ../shared/datasets/mvtec-screw). */
  readonly source: string;
  /** Output folder; gets one MVTec-layout folder per variant and manifest.json. Must not be inside `source`. */
  readonly out: string;
  /** Variant names, e.g. ['original', 'misalignment', 'brightness', 'background', 'misalignment+brightness']. */
  readonly variants: readonly string[];
  readonly seed: number;
  readonly onProgress?: ProgressFn;
  readonly signal?: AbortSignal;
  /** Take only the first N train images (by name) / N test images (round-robin over defect types). */
  readonly limit?: { readonly train?: number; readonly test?: number };
  /** Override the random ranges of the transforms. */
  readonly variantOptions?: Partial<VariantOptions>;
}

export interface ManifestImage {
  readonly variant: string;
  readonly split: 'train' | 'test';
  readonly defectType: string;
  /** Source image, relative to `source`, '/'-separated. */
  readonly source: string;
  /** Written image, relative to `out`, '/'-separated. */
  readonly output: string;
  /** Written mask relative to `out`; null for images without a ground-truth mask. */
  readonly mask: string | null;
  /** The per-image seed (from run seed, variant and source path). */
  readonly seed: number;
  readonly params: VariantParams;
}

export interface ManifestSkip {
  readonly source: string;
  /** Absent when the image was skipped for every variant (e.g. it does not decode). */
  readonly variant?: string;
  readonly kind: ErrorKind;
  readonly reason: string;
}

export interface VariantCounts {
  train: number;
  test: number;
  masks: number;
  skipped: number;
}

export interface GenerateManifest {
  readonly tool: string;
  readonly toolVersion: string;
  readonly createdAt: string;
  /** Absolute source folder. */
  readonly source: string;
  readonly seed: number;
  /** Canonical variant names, in the order given. */
  readonly variants: string[];
  readonly limit: { train?: number; test?: number } | null;
  readonly variantOptions: VariantOptions;
  readonly counts: Record<string, VariantCounts>;
  readonly images: ManifestImage[];
  readonly skipped: ManifestSkip[];
}

export const MANIFEST_FILE = 'manifest.json';


async function toolVersion(): Promise<string> {
  try {
    return (JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

function posix(p: string): string {
  return p.split(sep).join('/');
}

/** First `n` per list, taken round-robin over defect types so every type stays represented. */
function limitTest(test: DatasetImage[], n: number | undefined): DatasetImage[] {
  if (n === undefined || n >= test.length) return test;
  const byType = new Map<string, DatasetImage[]>();
  for (const img of test) {
    const list = byType.get(img.defectType) ?? [];
    list.push(img);
    byType.set(img.defectType, list);
  }
  const picked: DatasetImage[] = [];
  for (let round = 0; picked.length < n; round++) {
    for (const list of byType.values()) if (round < list.length && picked.length < n) picked.push(list[round]);
  }
  // Keep the listing's order (type, then name).
  const chosen = new Set(picked);
  return test.filter((img) => chosen.has(img));
}

function checkLimit(v: number | undefined, what: string): void {
  if (v !== undefined && !(Number.isInteger(v) && v >= 0)) {
    throw new StationFault('invalid-input', `limit.${what} must be a non-negative integer, got ${v}`);
  }
}

/** Decodes keeping grayscale sources single-channel (MVTec screw is 8-bit gray). */
async function decodeKeepingChannels(path: string): Promise<RawImage> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new StationFault('not-found', `cannot read ${path}: ${(e as Error).message}`);
  }
  let gray: boolean;
  try {
    const meta = await sharp(bytes).metadata();
    gray = meta.space === 'b-w' || (meta.channels ?? 3) <= 2;
  } catch (e) {
    throw new StationFault('corrupt-image', `cannot decode image ${path}: ${(e as Error).message}`);
  }
  const img = await decodeImage(bytes, { channels: gray ? 1 : 3 });
  return img;
}

async function decodeMask(path: string, image: RawImage): Promise<RawImage> {
  const m = await decodeImage(path, { channels: 1 });
  if (m.width !== image.width || m.height !== image.height) {
    throw new StationFault('invalid-input', `mask ${path} is ${m.width}x${m.height} but its image is ${image.width}x${image.height}`);
  }
  // Binarise: anything nonzero is defect, written back as 255 like MVTec.
  const data = new Uint8Array(m.data.length);
  for (let i = 0; i < data.length; i++) data[i] = m.data[i] !== 0 ? 255 : 0;
  return { ...m, data };
}

/**
 * Generates every requested variant of the source dataset under `out` and returns (and writes) the manifest.
 * @throws StationFault 'not-found' (source missing / not MVTec layout), 'invalid-input' (bad variant,
 *         limit, or `out` inside `source`), 'cancelled' (signal aborted), 'io' (cannot write).
 */
export async function generateDataset(opts: GenerateOptions): Promise<GenerateManifest> {
  const source = resolve(opts.source);
  const out = resolve(opts.out);
  if (!Number.isFinite(opts.seed)) throw new StationFault('invalid-input', `seed must be a finite number, got ${opts.seed}`);
  if (opts.variants.length === 0) throw new StationFault('invalid-input', 'no dataset variants requested');
  const specs: VariantSpec[] = opts.variants.map((v) => ({ ...parseVariant(v), options: opts.variantOptions }));
  const names = specs.map((s) => s.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new StationFault('invalid-input', `variant '${dup}' is requested twice`);
  checkLimit(opts.limit?.train, 'train');
  checkLimit(opts.limit?.test, 'test');
  const rel = relative(source, out);
  const outside = rel === '..' || rel.startsWith('..' + sep) || isAbsolute(rel);
  if (!outside) {
    throw new StationFault('invalid-input', `output folder ${out} must not be the source folder or inside it`);
  }

  const listing = await listMvtec(source);
  const train = opts.limit?.train === undefined ? listing.train : listing.train.slice(0, opts.limit.train);
  const images = [...train, ...limitTest(listing.test, opts.limit?.test)];

  const counts: Record<string, VariantCounts> = {};
  for (const n of names) counts[n] = { train: 0, test: 0, masks: 0, skipped: 0 };
  const written: ManifestImage[] = [];
  const skipped: ManifestSkip[] = [];
  const made = new Set<string>();
  const ensureDir = async (d: string) => {
    if (made.has(d)) return;
    await mkdir(d, { recursive: true });
    made.add(d);
  };
  const cancelled = () => new StationFault('cancelled', `dataset generation cancelled after ${done} of ${images.length} images`);

  let done = 0;
  opts.onProgress?.({ stage: 'generate', done, total: images.length });
  for (const img of images) {
    if (opts.signal?.aborted) throw cancelled();
    const srcRel = posix(relative(source, img.path));
    let image: RawImage;
    let mask: RawImage | null = null;
    try {
      image = await decodeKeepingChannels(img.path);
      if (img.maskPath) mask = await decodeMask(img.maskPath, image);
    } catch (e) {
      const err = toStationError(e);
      skipped.push({ source: srcRel, kind: err.kind, reason: err.message });
      for (const n of names) counts[n].skipped++;
      done++;
      opts.onProgress?.({ stage: 'generate', done, total: images.length, message: `skipped ${srcRel}` });
      continue;
    }

    // The part's mask depends on the source image only: segment once for all variants that need it.
    let fg: ForegroundMask | Error | undefined;
    for (const spec of specs) {
      if (opts.signal?.aborted) throw cancelled();
      try {
        if (spec.transforms.includes('misalignment') || spec.transforms.includes('background')) {
          if (fg === undefined) {
            try {
              fg = foregroundMask(image);
            } catch (e) {
              fg = e as Error;
            }
          }
          if (fg instanceof Error) throw fg;
        }
        const seed = hashSeed(opts.seed, spec.name, srcRel);
        const r = await applyVariant(image, mask, spec, createRng(seed), fg instanceof Error ? undefined : fg);
        const stem = parse(img.name).name;
        const outRel = `${spec.name}/${img.split}/${img.defectType}/${stem}.png`;
        const outPath = join(out, ...outRel.split('/'));
        await ensureDir(dirname(outPath));
        await writeFileAtomic(outPath, await encodePng(r.image));
        let maskRel: string | null = null;
        if (r.mask) {
          maskRel = `${spec.name}/ground_truth/${img.defectType}/${stem}_mask.png`;
          const maskPath = join(out, ...maskRel.split('/'));
          await ensureDir(dirname(maskPath));
          await writeFileAtomic(maskPath, await encodePng(r.mask));
          counts[spec.name].masks++;
        }
        counts[spec.name][img.split]++;
        written.push({
          variant: spec.name,
          split: img.split,
          defectType: img.defectType,
          source: srcRel,
          output: outRel,
          mask: maskRel,
          seed,
          params: r.params,
        });
      } catch (e) {
        const err = toStationError(e);
        // A full disk or a permission problem will fail every following image too: stop, don't skip.
        if (err.kind === 'io') throw e instanceof StationFault ? e : new StationFault('io', err.message, { cause: e });
        skipped.push({ source: srcRel, variant: spec.name, kind: err.kind, reason: err.message });
        counts[spec.name].skipped++;
      }
    }
    done++;
    opts.onProgress?.({ stage: 'generate', done, total: images.length, message: srcRel });
  }

  const manifest: GenerateManifest = {
    tool: 'inspection-station dataset generator',
    toolVersion: await toolVersion(),
    createdAt: new Date().toISOString(),
    source,
    seed: opts.seed,
    variants: names,
    limit: opts.limit ? { ...opts.limit } : null,
    variantOptions: { ...DEFAULT_VARIANT_OPTIONS, ...opts.variantOptions },
    counts,
    images: written,
    skipped,
  };
  await mkdir(out, { recursive: true });
  await writeFileAtomic(join(out, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n');
  return manifest;
}
