/**
 * The supervised side of `station experiment`: on an MVTec-layout folder, train on a few annotated defect
 * images of one defect type (masks from ground_truth) plus good training images, then score every other
 * image of test/good and test/<defect> and report the image AUROC. Defect images used for training are
 * never tested.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { StationFault } from '../../common/result.js';
import type { ProgressFn } from '../../common/types.js';
import { decodeImage, isImagePath } from '../../node/image-io.js';
import { auroc, thresholdAtFullRecall } from '../../evaluation/metrics.js';
import { maskFromImage } from './labels.js';
import { masksToBoxes } from '../../annotation/masks.js';
import { listMvtec } from '../../dataset/mvtec.js';
import { pixelAuroc, type PixelPair } from '../../evaluation/pixel-metrics.js';
import { selectTrainImages, variantResult, type ImageScore, type VariantResult } from '../../experiment/patchcore-experiment.js';
import { trainSupervised, type SupervisedSample, type SupervisedTrainOptions } from './train.js';
import type { SupervisedModel } from './model.js';

export interface SupervisedExperimentOptions {
  /** MVTec-layout dataset folder (train/good, test/<type>, ground_truth/<type>). */
  readonly dataset: string;
  readonly defectType: string;
  /** Annotated defect images to train on, spread evenly over test/<defectType>. */
  readonly trainDefects?: number;
  /** Good images to train on: the first N of train/good. */
  readonly trainGood?: number;
  /** Also test on the rest of train/good (more negatives). Default false. */
  readonly testUnusedTrainGood?: boolean;
  /** Train from the ground-truth masks (default) or from the boxes around them, as an annotator would draw. */
  readonly labels?: 'mask' | 'boxes';
  readonly model?: Partial<SupervisedTrainOptions>;
  readonly onProgress?: ProgressFn;
  readonly signal?: AbortSignal;
}

export interface ScoredImage {
  readonly name: string;
  readonly label: 0 | 1;
  readonly score: number;
  readonly boxes: number;
}

export interface SupervisedExperimentResult {
  readonly auroc: number;
  /** Fraction of flagged images that are defects at the threshold that catches every defect. */
  readonly precisionAtFullRecall: number;
  readonly trainImages: { readonly defect: readonly string[]; readonly good: readonly string[] };
  readonly scores: readonly ScoredImage[];
  readonly trainSeconds: number;
  readonly inferMsPerImage: number;
  readonly model: SupervisedModel;
}

function listImages(dir: string): string[] {
  if (!existsSync(dir)) throw new StationFault('not-found', `folder not found: ${dir}`);
  return readdirSync(dir).filter(isImagePath).sort();
}

/** Indices of k items spread evenly over n (k <= n). */
export function spread(n: number, k: number): number[] {
  if (k > n) throw new StationFault('invalid-input', `asked for ${k} images, only ${n} exist`);
  return Array.from({ length: k }, (_, i) => Math.floor((i * n) / k));
}

function maskPath(dataset: string, type: string, file: string): string {
  const stem = file.replace(/\.[^.]+$/, '');
  return join(dataset, 'ground_truth', type, `${stem}_mask.png`);
}

export async function runSupervisedExperiment(opts: SupervisedExperimentOptions): Promise<SupervisedExperimentResult> {
  const nDef = opts.trainDefects ?? 10;
  const nGood = opts.trainGood ?? 20;
  const defDir = join(opts.dataset, 'test', opts.defectType);
  const defFiles = listImages(defDir);
  const goodTrainFiles = listImages(join(opts.dataset, 'train', 'good'));
  const goodTestFiles = listImages(join(opts.dataset, 'test', 'good'));
  if (nGood > goodTrainFiles.length) throw new StationFault('invalid-input', `asked for ${nGood} good images, train/good has ${goodTrainFiles.length}`);
  const trainIdx = new Set(spread(defFiles.length, nDef));
  const samples: SupervisedSample[] = [];
  for (const i of trainIdx) {
    const f = defFiles[i]!;
    const image = await decodeImage(join(defDir, f));
    const maskImage = await decodeImage(maskPath(opts.dataset, opts.defectType, f), { channels: 1 });
    const name = `test/${opts.defectType}/${f}`;
    if (opts.labels === 'boxes') samples.push({ name, image, boxes: masksToBoxes(maskImage, { label: opts.defectType }) });
    else samples.push({ name, image, mask: maskFromImage(maskImage) });
  }
  for (const f of goodTrainFiles.slice(0, nGood)) {
    samples.push({ name: `train/good/${f}`, image: await decodeImage(join(opts.dataset, 'train', 'good', f)) });
  }
  const t0 = performance.now();
  const model = await trainSupervised(samples, { ...opts.model, onProgress: opts.onProgress, signal: opts.signal });
  const trainSeconds = (performance.now() - t0) / 1000;

  const tests: { name: string; path: string; label: 0 | 1 }[] = [
    ...defFiles.filter((_, i) => !trainIdx.has(i)).map((f) => ({ name: `test/${opts.defectType}/${f}`, path: join(defDir, f), label: 1 as const })),
    ...goodTestFiles.map((f) => ({ name: `test/good/${f}`, path: join(opts.dataset, 'test', 'good', f), label: 0 as const })),
    ...(opts.testUnusedTrainGood
      ? goodTrainFiles.slice(nGood).map((f) => ({ name: `train/good/${f}`, path: join(opts.dataset, 'train', 'good', f), label: 0 as const }))
      : []),
  ];
  const scores: ScoredImage[] = [];
  let inferMs = 0;
  for (const [k, t] of tests.entries()) {
    if (opts.signal?.aborted) throw new StationFault('cancelled', 'experiment cancelled');
    const image = await decodeImage(t.path);
    const s = performance.now();
    const out = await model.infer(image);
    inferMs += performance.now() - s;
    scores.push({ name: t.name, label: t.label, score: out.score, boxes: out.boxes.length });
    opts.onProgress?.({ stage: 'test', done: k + 1, total: tests.length, message: t.name });
  }
  const sv = scores.map((s) => s.score);
  const lv = scores.map((s) => s.label);
  return {
    auroc: auroc(sv, lv),
    precisionAtFullRecall: thresholdAtFullRecall(sv, lv).precision,
    trainImages: {
      defect: samples.filter((s) => s.mask || s.boxes).map((s) => s.name),
      good: samples.filter((s) => !s.mask && !s.boxes).map((s) => s.name),
    },
    scores,
    trainSeconds,
    inferMsPerImage: inferMs / Math.max(1, tests.length),
    model,
  };
}

/** Nearest-neighbour sample of a map or mask at size x size (pixel AUROC needs no more, and memory stays small). */
function sampleGrid<T extends Float32Array | Uint8Array>(src: T, w: number, h: number, size: number, make: (n: number) => T): T {
  const out = make(size * size);
  for (let y = 0; y < size; y++) {
    const row = Math.min(h - 1, Math.floor(((y + 0.5) * h) / size)) * w;
    for (let x = 0; x < size; x++) out[y * size + x] = src[row + Math.min(w - 1, Math.floor(((x + 0.5) * w) / size))]!;
  }
  return out;
}

/**
 * One variant of `station experiment --model supervised`, in the lead's VariantResult shape: train on
 * `trainDefects` annotated images of `defect` (spread evenly over test/<defect>, masks from ground_truth)
 * plus the first `train` images of train/good, test on test/good and every other test/<defect> image.
 * The protocol 'seed' keeps the first 5 good and first 5 untrained defect images.
 */
export async function runSupervisedVariant(opts: {
  dir: string;
  variant: string;
  defect: string;
  train: number;
  trainDefects?: number;
  protocol: 'seed' | 'full';
  labels?: 'mask' | 'boxes';
  model?: Partial<SupervisedTrainOptions>;
  onProgress?: ProgressFn;
  signal?: AbortSignal;
}): Promise<VariantResult> {
  if (opts.defect === 'all') throw new StationFault('invalid-input', "the supervised model is trained per defect type: give --defect <type>, not 'all'");
  const listing = await listMvtec(opts.dir);
  if (!listing.defectTypes.includes(opts.defect)) {
    throw new StationFault('invalid-input', `defect type '${opts.defect}' not in the dataset (it has: ${listing.defectTypes.join(', ')})`);
  }
  const defects = listing.test.filter((i) => i.defectType === opts.defect).sort((a, b) => a.name.localeCompare(b.name));
  const trainIdx = new Set(spread(defects.length, opts.trainDefects ?? 10));
  if (trainIdx.size === defects.length) throw new StationFault('invalid-input', `all ${defects.length} ${opts.defect} images would be used for training; none left to test`);
  const samples: SupervisedSample[] = [];
  for (const i of trainIdx) {
    const d = defects[i]!;
    if (!d.maskPath) throw new StationFault('invalid-input', `${d.path} has no ground-truth mask to train from`);
    const maskImage = await decodeImage(d.maskPath, { channels: 1 });
    const image = await decodeImage(d.path);
    const name = `${d.defectType}/${d.name}`;
    samples.push(opts.labels === 'boxes' ? { name, image, boxes: masksToBoxes(maskImage, { label: d.defectType }) } : { name, image, mask: maskFromImage(maskImage) });
  }
  for (const g of selectTrainImages(listing.train, opts.train)) samples.push({ name: `train/${g.name}`, image: await decodeImage(g.path) });
  const t0 = performance.now();
  const model = await trainSupervised(samples, {
    ...opts.model,
    label: opts.defect,
    onProgress: (p) => opts.onProgress?.({ ...p, stage: `train ${opts.variant}: ${p.stage}` }),
    signal: opts.signal,
  });
  const trainSeconds = (performance.now() - t0) / 1000;
  try {
    const goods = listing.test.filter((i) => i.defectType === 'good').sort((a, b) => a.name.localeCompare(b.name));
    const rest = defects.filter((_, i) => !trainIdx.has(i));
    const test = opts.protocol === 'seed' ? [...goods.slice(0, 5), ...rest.slice(0, 5)] : [...goods, ...rest];
    const scores: ImageScore[] = [];
    const pairs: PixelPair[] = [];
    const S = 256;
    for (const [i, im] of test.entries()) {
      if (opts.signal?.aborted) throw new StationFault('cancelled', 'experiment cancelled');
      opts.onProgress?.({ stage: `test ${opts.variant}`, done: i, total: test.length, message: `${im.defectType}/${im.name}` });
      const img = await decodeImage(im.path);
      const s = performance.now();
      const out = await model.infer(img);
      const ms = performance.now() - s;
      scores.push({ name: `${im.defectType}/${im.name}`, defectType: im.defectType, label: im.defectType === 'good' ? 0 : 1, score: out.score, ms });
      if (out.map) {
        let mask: Uint8Array | null = null;
        if (im.maskPath) {
          const m = await decodeImage(im.maskPath, { channels: 1 });
          mask = sampleGrid(m.data, m.width, m.height, S, (n) => new Uint8Array(n)).map((v) => (v > 127 ? 1 : 0));
        }
        pairs.push({ map: { width: S, height: S, data: sampleGrid(out.map.data, out.map.width, out.map.height, S, (n) => new Float32Array(n)) }, mask });
      }
    }
    const pixel = pairs.some((p) => p.mask) ? pixelAuroc(pairs).auroc : null;
    return variantResult(opts.variant, 'supervised', scores, pixel, trainSeconds);
  } finally {
    await model.dispose();
  }
}
