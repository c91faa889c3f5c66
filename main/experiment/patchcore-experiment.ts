/**
 * The reference experiment for PatchCore: for each dataset variant, train on the first N normal images
 * (sorted by name), score the test protocol's images, and compute image AUROC, precision at recall = 1,
 * best F1, pixel AUROC (where masks exist) and per-defect-type figures.
 */
import type { ProgressFn } from '../common/types.js';
import { StationFault } from '../common/result.js';
import { listMvtec, type DatasetImage } from '../dataset/mvtec.js';
import { decodeImage } from '../node/image-io.js';
import { trainPatchCore, type PatchCoreConfig, type PatchCoreModel } from '../inference/patchcore/index.js';
import type { DeepPartial } from '../inference/patchcore/config.js';
import { auroc, bestF1, thresholdAtFullRecall } from '../evaluation/metrics.js';
import { pixelAuroc, type PixelPair } from '../evaluation/pixel-metrics.js';
import { summarize, type EvalSummary } from '../evaluation/summarize.js';

export type Protocol = 'seed' | 'full';

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

/** The test images a protocol takes: 'seed' = first 5 good + first 5 of each requested defect type (by name). */
export function selectTestImages(test: readonly DatasetImage[], defect: string, protocol: Protocol, defectTypes: readonly string[]): DatasetImage[] {
  const types = defect === 'all' ? defectTypes : [defect];
  for (const t of types) {
    if (!defectTypes.includes(t)) throw new StationFault('invalid-input', `defect type '${t}' not in the dataset (it has: ${defectTypes.join(', ')})`);
  }
  const take = (type: string): DatasetImage[] => {
    const list = test.filter((i) => i.defectType === type).sort((a, b) => a.name.localeCompare(b.name));
    return protocol === 'seed' ? list.slice(0, 5) : list;
  };
  return [...take('good'), ...types.flatMap(take)];
}

export function selectTrainImages(train: readonly DatasetImage[], n: number): DatasetImage[] {
  const good = train.filter((i) => i.defectType === 'good').sort((a, b) => a.name.localeCompare(b.name));
  if (good.length < n) throw new StationFault('invalid-input', `asked for ${n} training images, the dataset has ${good.length} in train/good`);
  return good.slice(0, n);
}

/** Nearest-neighbour downsampling of a 0/1 mask image to the anomaly map's grid. */
async function maskAtMapSize(path: string, width: number, height: number): Promise<Uint8Array> {
  const m = await decodeImage(path, { channels: 1 });
  const out = new Uint8Array(width * height);
  const sx = m.width / width, sy = m.height / height;
  for (let y = 0; y < height; y++) {
    const row = Math.min(m.height - 1, Math.floor((y + 0.5) * sy)) * m.width;
    for (let x = 0; x < width; x++) out[y * width + x] = m.data[row + Math.min(m.width - 1, Math.floor((x + 0.5) * sx))]! > 127 ? 1 : 0;
  }
  return out;
}

export async function scoreImages(
  model: PatchCoreModel,
  images: readonly DatasetImage[],
  opts: { onProgress?: ProgressFn; signal?: AbortSignal; variant: string; pixel?: boolean },
): Promise<{ scores: ImageScore[]; pixel: number | null }> {
  const scores: ImageScore[] = [];
  const pairs: PixelPair[] = [];
  for (const [i, im] of images.entries()) {
    if (opts.signal?.aborted) throw new StationFault('cancelled', 'experiment cancelled');
    opts.onProgress?.({ stage: `test ${opts.variant}`, done: i, total: images.length, message: `${im.defectType}/${im.name}` });
    const img = await decodeImage(im.path);
    const t0 = performance.now();
    const out = await model.infer(img);
    const ms = performance.now() - t0;
    scores.push({ name: `${im.defectType}/${im.name}`, defectType: im.defectType, label: im.defectType === 'good' ? 0 : 1, score: out.score, ms });
    if (opts.pixel !== false && out.map) {
      const mask = im.maskPath ? await maskAtMapSize(im.maskPath, out.map.width, out.map.height) : null;
      pairs.push({ map: out.map, mask });
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
