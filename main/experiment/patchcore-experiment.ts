/**
 * The reference experiment for PatchCore: for each dataset variant, train on the first N normal images
 * (sorted by name), score the test protocol's images, and compute image AUROC, precision at recall = 1,
 * best F1, pixel AUROC (where masks exist) and per-defect-type figures.
 */
import type { ProgressFn } from '../common/types.js';
import { StationFault } from '../common/result.js';
import { listMvtec, type DatasetImage } from '../dataset/mvtec.js';
import { decodeImage } from '../node/image-io.js';
import { trainPatchCore, type PatchCoreConfig } from '../inference/patchcore/index.js';
import type { InspectionModel } from '../inference/model.js';
import type { DeepPartial } from '../inference/patchcore/config.js';
import { auroc, bestF1, thresholdAtFullRecall } from '../evaluation/metrics.js';
import { pixelAuroc, type PixelPair } from '../evaluation/pixel-metrics.js';
import { summarize, type EvalSummary } from '../evaluation/summarize.js';

/**
 * Which test images an experiment scores: 'seed' = the first 5 of each folder (the reference experiment's own
 * protocol), 'full' = all, 'even' / 'odd' = every other image by name within each folder (positions 0, 2, … / 1, 3, …;
 * the feedback experiment's validation / test halves): settings are chosen on one half and reported on the other.
 */
export type Protocol = 'seed' | 'full' | 'even' | 'odd';
export const PROTOCOLS: readonly Protocol[] = ['seed', 'full', 'even', 'odd'];

/** The images of one folder (sorted by name) that `protocol` takes. */
export function protocolTake<T>(sorted: readonly T[], protocol: Protocol): T[] {
  if (protocol === 'seed') return sorted.slice(0, 5);
  if (protocol === 'full') return [...sorted];
  const parity = protocol === 'even' ? 0 : 1;
  return sorted.filter((_, i) => i % 2 === parity);
}

export interface ImageScore {
  readonly name: string;
  readonly defectType: string;
  readonly label: 0 | 1;
  readonly score: number;
  readonly ms: number;
}

export interface VariantResult {
  readonly variant: string;
  readonly model: 'patchcore' | 'supervised';
  readonly auroc: number;
  readonly precisionAtFullRecall: number;
  readonly thresholdAtFullRecall: number;
  readonly f1: number;
  readonly bestF1Threshold: number;
  readonly pixelAuroc: number | null;
  readonly nGood: number;
  readonly nDefect: number;
  readonly trainSeconds: number;
  readonly medianInferMs: number;
  readonly summary: EvalSummary;
  readonly images: ImageScore[];
}

/** The test images a protocol takes from good and each requested defect type (each folder sorted by name). */
export function selectTestImages(test: readonly DatasetImage[], defect: string, protocol: Protocol, defectTypes: readonly string[]): DatasetImage[] {
  const types = defect === 'all' ? defectTypes : [defect];
  for (const t of types) {
    if (!defectTypes.includes(t)) throw new StationFault('invalid-input', `defect type '${t}' not in the dataset (it has: ${defectTypes.join(', ')})`);
  }
  const take = (type: string): DatasetImage[] => {
    const list = test.filter((i) => i.defectType === type).sort((a, b) => a.name.localeCompare(b.name));
    return protocolTake(list, protocol);
  };
  return [...take('good'), ...types.flatMap(take)];
}

export function selectTrainImages(train: readonly DatasetImage[], n: number): DatasetImage[] {
  const good = train.filter((i) => i.defectType === 'good').sort((a, b) => a.name.localeCompare(b.name));
  if (good.length < n) throw new StationFault('invalid-input', `asked for ${n} training images, the dataset has ${good.length} in train/good`);
  return good.slice(0, n);
}

/** Nearest-neighbour sample of a map or mask on a width x height grid (pixel AUROC needs no more; memory stays small). */
function sampleGrid<T extends Float32Array | Uint8Array>(src: T, sw: number, sh: number, width: number, height: number, make: (n: number) => T): T {
  const out = make(width * height);
  for (let y = 0; y < height; y++) {
    const row = Math.min(sh - 1, Math.floor(((y + 0.5) * sh) / height)) * sw;
    for (let x = 0; x < width; x++) out[y * width + x] = src[row + Math.min(sw - 1, Math.floor(((x + 0.5) * sw) / width))]!;
  }
  return out;
}

/** Largest side of the maps kept for pixel AUROC. */
const PIXEL_GRID = 256;

/** Scores test images with any model kind; pixel AUROC from the maps where masks exist. */
export async function scoreImages(
  model: InspectionModel,
  images: readonly DatasetImage[],
  opts: { onProgress?: ProgressFn; signal?: AbortSignal; variant: string; pixel?: boolean },
): Promise<{ scores: ImageScore[]; pixel: number | null }> {
  const scores: ImageScore[] = [];
  const pairs: PixelPair[] = [];
  for (const [i, im] of images.entries()) {
    if (opts.signal?.aborted) throw new StationFault('cancelled', 'experiment cancelled');
    opts.onProgress?.({ stage: `test ${opts.variant}`, done: i, total: images.length, message: `${im.defectType}/${im.name}` });
    const img = await decodeImage(im.path, { channels: model.inputChannels ?? 3 });
    const t0 = performance.now();
    const out = await model.infer(img);
    const ms = performance.now() - t0;
    scores.push({ name: `${im.defectType}/${im.name}`, defectType: im.defectType, label: im.defectType === 'good' ? 0 : 1, score: out.score, ms });
    if (opts.pixel !== false && out.map) {
      const f = Math.max(1, Math.max(out.map.width, out.map.height) / PIXEL_GRID);
      const w = Math.round(out.map.width / f), h = Math.round(out.map.height / f);
      const map = f === 1 ? out.map : { width: w, height: h, data: sampleGrid(out.map.data, out.map.width, out.map.height, w, h, (n) => new Float32Array(n)) };
      let mask: Uint8Array | null = null;
      if (im.maskPath) {
        const m = await decodeImage(im.maskPath, { channels: 1 });
        mask = sampleGrid(m.data, m.width, m.height, w, h, (n) => new Uint8Array(n)).map((v) => (v > 127 ? 1 : 0));
      }
      pairs.push({ map, mask });
    }
  }
  let pixel: number | null = null;
  if (pairs.some((p) => p.mask)) pixel = pixelAuroc(pairs).auroc;
  return { scores, pixel };
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

export function variantResult(variant: string, model: 'patchcore' | 'supervised', scores: ImageScore[], pixel: number | null, trainSeconds: number): VariantResult {
  const s = scores.map((x) => x.score);
  const l = scores.map((x) => x.label);
  const fr = thresholdAtFullRecall(s, l);
  const f1 = bestF1(s, l);
  return {
    variant,
    model,
    auroc: auroc(s, l),
    precisionAtFullRecall: fr.precision,
    thresholdAtFullRecall: fr.threshold,
    f1: f1.f1,
    bestF1Threshold: f1.threshold,
    pixelAuroc: pixel,
    nGood: l.filter((x) => x === 0).length,
    nDefect: l.filter((x) => x === 1).length,
    trainSeconds,
    medianInferMs: median(scores.map((x) => x.ms)),
    summary: summarize(scores.map((x) => ({ score: x.score, label: x.label, defectType: x.defectType }))),
    images: scores,
  };
}

/** Trains and tests PatchCore on one MVTec-layout folder (one variant). */
export async function runPatchCoreVariant(opts: {
  dir: string;
  variant: string;
  defect: string;
  train: number;
  protocol: Protocol;
  config?: DeepPartial<PatchCoreConfig>;
  onProgress?: ProgressFn;
  signal?: AbortSignal;
}): Promise<VariantResult> {
  const listing = await listMvtec(opts.dir);
  const train = selectTrainImages(listing.train, opts.train);
  const test = selectTestImages(listing.test, opts.defect, opts.protocol, listing.defectTypes);
  const t0 = performance.now();
  const { model } = await trainPatchCore({
    images: train.map((t) => t.path),
    config: opts.config,
    onProgress: (p) => opts.onProgress?.({ ...p, stage: `train ${opts.variant}: ${p.stage}` }),
    signal: opts.signal,
  });
  const trainSeconds = (performance.now() - t0) / 1000;
  try {
    const { scores, pixel } = await scoreImages(model, test, { onProgress: opts.onProgress, signal: opts.signal, variant: opts.variant });
    return variantResult(opts.variant, 'patchcore', scores, pixel, trainSeconds);
  } finally {
    await model.dispose();
  }
}
