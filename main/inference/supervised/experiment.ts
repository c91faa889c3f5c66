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
import { maskFromImage } from './labels.js';
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

/** Image AUROC by ranks (ties count half): P(score of a defect > score of a good image). */
export function auroc(scores: readonly { score: number; label: 0 | 1 }[]): number {
  const pos = scores.filter((s) => s.label === 1).map((s) => s.score);
  const neg = scores.filter((s) => s.label === 0).map((s) => s.score);
  if (pos.length === 0 || neg.length === 0) throw new StationFault('invalid-input', 'AUROC needs both defect and good images');
  let wins = 0;
  for (const p of pos) for (const n of neg) wins += p > n ? 1 : p === n ? 0.5 : 0;
  return wins / (pos.length * neg.length);
}

export function precisionAtFullRecall(scores: readonly { score: number; label: 0 | 1 }[]): number {
  const minPos = Math.min(...scores.filter((s) => s.label === 1).map((s) => s.score));
  const flagged = scores.filter((s) => s.score >= minPos);
  return flagged.filter((s) => s.label === 1).length / flagged.length;
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
    const mask = maskFromImage(await decodeImage(maskPath(opts.dataset, opts.defectType, f), { channels: 1 }));
    samples.push({ name: `test/${opts.defectType}/${f}`, image, mask });
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
  return {
    auroc: auroc(scores),
    precisionAtFullRecall: precisionAtFullRecall(scores),
    trainImages: { defect: samples.filter((s) => s.mask).map((s) => s.name), good: samples.filter((s) => !s.mask).map((s) => s.name) },
    scores,
    trainSeconds,
    inferMsPerImage: inferMs / Math.max(1, tests.length),
    model,
  };
}
