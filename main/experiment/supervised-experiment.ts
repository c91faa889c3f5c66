/**
 * The supervised side of `station experiment`: on an MVTec-layout folder, train on a few annotated defect
 * images of one defect type (masks from ground_truth) plus good training images, then score every other
 * image of test/good and test/<defect> and report the image AUROC. Defect images used for training are
 * never tested.
 */
import { StationFault } from '../common/result.js';
import type { ProgressFn } from '../common/types.js';
import { decodeImage } from '../node/image-io.js';
import { maskFromImage } from '../inference/supervised/labels.js';
import { masksToBoxes } from '../annotation/masks.js';
import { listMvtec, type DatasetImage, type MvtecListing } from '../dataset/mvtec.js';
import { protocolTake, scoreImages, selectTrainImages, variantResult, type Protocol, type VariantResult } from './patchcore-experiment.js';
import { trainSupervised, type SupervisedSample, type SupervisedTrainOptions } from '../inference/supervised/train.js';

/** Indices of k items spread evenly over n (k <= n). */
export function spread(n: number, k: number): number[] {
  if (k > n) throw new StationFault('invalid-input', `asked for ${k} images, only ${n} exist`);
  return Array.from({ length: k }, (_, i) => Math.floor((i * n) / k));
}

/**
 * The training set of the supervised model on an MVTec-layout folder: `trainDefects` annotated images of `defect`
 * spread evenly over test/<defect> (masks from ground_truth) plus the first `train` images of train/good.
 * @returns the samples, the indices (into test/<defect> by name) of the defect images used, and every file used
 */
export async function supervisedTrainingSet(opts: {
  dir: string;
  defect: string;
  train: number;
  trainDefects?: number;
  labels?: 'mask' | 'boxes';
}): Promise<{ samples: SupervisedSample[]; trainIdx: Set<number>; defects: DatasetImage[]; listing: MvtecListing; files: string[] }> {
  if (opts.defect === 'all') throw new StationFault('invalid-input', "the supervised model is trained per defect type: give --defect <type>, not 'all'");
  const listing = await listMvtec(opts.dir);
  if (!listing.defectTypes.includes(opts.defect)) {
    throw new StationFault('invalid-input', `defect type '${opts.defect}' not in the dataset (it has: ${listing.defectTypes.join(', ')})`);
  }
  const defects = listing.test.filter((i) => i.defectType === opts.defect).sort((a, b) => a.name.localeCompare(b.name));
  const trainIdx = new Set(spread(defects.length, opts.trainDefects ?? 10));
  if (trainIdx.size === defects.length) throw new StationFault('invalid-input', `all ${defects.length} ${opts.defect} images would be used for training; none left to test`);
  const samples: SupervisedSample[] = [];
  const files: string[] = [];
  for (const i of trainIdx) {
    const d = defects[i]!;
    if (!d.maskPath) throw new StationFault('invalid-input', `${d.path} has no ground-truth mask to train from`);
    const maskImage = await decodeImage(d.maskPath, { channels: 1 });
    const image = await decodeImage(d.path);
    const name = `${d.defectType}/${d.name}`;
    samples.push(opts.labels === 'boxes' ? { name, image, boxes: masksToBoxes(maskImage, { label: d.defectType }) } : { name, image, mask: maskFromImage(maskImage) });
    files.push(d.path);
  }
  for (const g of selectTrainImages(listing.train, opts.train)) {
    samples.push({ name: `train/${g.name}`, image: await decodeImage(g.path) });
    files.push(g.path);
  }
  return { samples, trainIdx, defects, listing, files };
}

/**
 * One variant of `station experiment --model supervised`, in the lead's VariantResult shape: train on
 * `trainDefects` annotated images of `defect` (spread evenly over test/<defect>, masks from ground_truth)
 * plus the first `train` images of train/good, test on test/good and every other test/<defect> image.
 * The protocol picks among the good and among the untrained defect images (protocolTake).
 */
export async function runSupervisedVariant(opts: {
  dir: string;
  variant: string;
  defect: string;
  train: number;
  trainDefects?: number;
  protocol: Protocol;
  labels?: 'mask' | 'boxes';
  model?: Partial<SupervisedTrainOptions>;
  onProgress?: ProgressFn;
  signal?: AbortSignal;
}): Promise<VariantResult> {
  const { samples, trainIdx, defects, listing } = await supervisedTrainingSet(opts);
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
    const test = [...protocolTake(goods, opts.protocol), ...protocolTake(rest, opts.protocol)];
    const { scores, pixel } = await scoreImages(model, test, { onProgress: opts.onProgress, signal: opts.signal, variant: opts.variant });
    return variantResult(opts.variant, 'supervised', scores, pixel, trainSeconds);
  } finally {
    await model.dispose();
  }
}
