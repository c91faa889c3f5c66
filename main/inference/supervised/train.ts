/**
 * Trains the supervised defect model from annotated defect images and good images, in seconds:
 * frozen backbone patch features (3x3-averaged), per-patch labels from masks or boxes, class-balanced
 * weighted BCE, an MLP trained with Adam, then one round of hard-negative mining (the good patches the
 * first model scores highest join the training set), since the image score is the maximum over patches.
 */
import { randomUUID } from 'node:crypto';
import { StationFault } from '../../common/result.js';
import type { ProgressFn, RawImage } from '../../common/types.js';
import type { ModelInfo, ValidationScore } from '../model.js';
import { dihedralSet, transformImage, transformPixels } from './augment.js';
import { computeStandardisation, predict, rng, trainClassifier, type ClassifierParams } from './classifier.js';
import { createFeatureExtractor, type FeatureExtractor } from './features.js';
import { boxesToMask, cellCoverage, LABEL_DEFECT, LABEL_GOOD, patchLabels, type RectLike } from './labels.js';
import { SUPERVISED_FORMAT_VERSION, SupervisedModel, type SupervisedParams } from './model.js';

export interface SupervisedSample {
  readonly name: string;
  readonly image: RawImage;
  /** Defect region as a 0/non-zero mask at the image's resolution (MVTec ground truth) ... */
  readonly mask?: Uint8Array;
  /** ... or as boxes in image pixels. Neither = a good image. */
  readonly boxes?: readonly RectLike[];
}

export interface SupervisedTrainOptions {
  readonly backbone: string;
  readonly layers: readonly string[];
  readonly inputSize: number;
  /** Augmentation of defect images / good images. */
  readonly augmentDefects: 'none' | 'rot4' | 'dihedral8';
  readonly augmentGood: 'none' | 'rot4' | 'dihedral8';
  /** Cell coverage at or above which a patch is a defect. */
  readonly positiveFraction: number;
  readonly hidden: number;
  readonly epochs: number;
  readonly hardNegativeEpochs: number;
  readonly learningRate: number;
  readonly l2: number;
  /** Good patches kept per (augmented) image, drawn at random; bounds memory (cells x dims floats). */
  readonly goodPerImage: number;
  /** Random good patches in the first round. */
  readonly negatives: number;
  /** Highest-scoring good patches added in the mining round. */
  readonly hardNegatives: number;
  readonly sigma: number;
  readonly boxThreshold: number;
  readonly label: string;
  readonly seed: number;
  readonly id?: string;
  readonly onProgress?: ProgressFn;
  readonly signal?: AbortSignal;
  /** Images scored after training to fill ModelInfo.validation. */
  readonly validation?: readonly (SupervisedSample & { defectType?: string })[];
}

export const DEFAULT_SUPERVISED_OPTIONS: SupervisedTrainOptions = {
  backbone: 'mobilenet_v2_imagenet',
  layers: ['feat_s8'],
  inputSize: 512,
  augmentDefects: 'dihedral8',
  augmentGood: 'rot4',
  positiveFraction: 0.2,
  hidden: 32,
  epochs: 8,
  hardNegativeEpochs: 6,
  learningRate: 0.003,
  l2: 1e-4,
  goodPerImage: 1024,
  negatives: 20000,
  hardNegatives: 8000,
  sigma: 1,
  boxThreshold: 0.5,
  label: 'defect',
  seed: 1,
};

function checkAbort(signal?: AbortSignal): void {
  if (signal?.aborted) throw new StationFault('cancelled', 'training cancelled');
}

/** Growable row store for feature samples. */
class Rows {
  data: Float32Array;
  n = 0;
  constructor(readonly d: number, capacity: number) {
    this.data = new Float32Array(d * capacity);
  }
  push(src: Float32Array, offset: number): number {
    if ((this.n + 1) * this.d > this.data.length) {
      const next = new Float32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data.set(src.subarray(offset, offset + this.d), this.n * this.d);
    return this.n++;
  }
}

/** Features and labels of every training cell of every (augmented) image. */
export async function collectTrainingCells(
  extractor: FeatureExtractor,
  samples: readonly SupervisedSample[],
  opts: Pick<SupervisedTrainOptions, 'augmentDefects' | 'augmentGood' | 'positiveFraction' | 'goodPerImage' | 'seed' | 'onProgress' | 'signal'>,
): Promise<{ rows: Rows; labels: Uint8Array }> {
  const rows = new Rows(extractor.dims, 1 << 16);
  const lab: number[] = [];
  const jobs: { s: SupervisedSample; t: ReturnType<typeof dihedralSet>[number] }[] = [];
  for (const s of samples) {
    const defect = !!s.mask || (s.boxes?.length ?? 0) > 0;
    for (const t of dihedralSet(defect ? opts.augmentDefects : opts.augmentGood)) jobs.push({ s, t });
  }
  let done = 0;
  const rand = rng(opts.seed ^ 0x5eed);
  for (const { s, t } of jobs) {
    checkAbort(opts.signal);
    const { image } = s;
    let mask: Uint8Array | undefined = s.mask;
    if (!mask && s.boxes && s.boxes.length > 0) mask = boxesToMask(s.boxes, image.width, image.height);
    if (mask && mask.length !== image.width * image.height) {
      throw new StationFault('invalid-input', `${s.name}: mask is ${mask.length} pixels, image ${image.width}x${image.height}`);
    }
    const img = transformImage(image, t);
    const grid = await extractor.extract(img);
    const n = grid.width * grid.height;
    let labels: Int8Array;
    if (mask) {
      const m = transformPixels(mask, image.width, image.height, 1, t);
      labels = patchLabels(cellCoverage(m.data, m.width, m.height, grid.width, grid.height), grid.width, grid.height, opts.positiveFraction);
    } else {
      labels = new Int8Array(n); // all good
    }
    const good: number[] = [];
    for (let i = 0; i < n; i++) {
      if (labels[i] === LABEL_DEFECT) {
        rows.push(grid.data, i * grid.dims);
        lab.push(1);
      } else if (labels[i] === LABEL_GOOD) good.push(i);
    }
    const keep = Math.min(good.length, opts.goodPerImage);
    for (let i = 0; i < keep; i++) {
      const j = i + Math.floor(rand() * (good.length - i));
      const t = good[i]!;
      good[i] = good[j]!;
      good[j] = t;
      rows.push(grid.data, t * grid.dims);
      lab.push(0);
    }
    opts.onProgress?.({ stage: 'features', done: ++done, total: jobs.length, message: s.name });
  }
  return { rows, labels: Uint8Array.from(lab) };
}

/** Class-balanced weights over the chosen rows: positives and negatives each sum to half. */
function balancedWeights(index: Int32Array, y: Uint8Array, total: number): Float32Array {
  let pos = 0;
  for (const r of index) pos += y[r];
  const neg = index.length - pos;
  const w = new Float32Array(total);
  for (const r of index) w[r] = y[r] ? index.length / (2 * Math.max(1, pos)) : index.length / (2 * Math.max(1, neg));
  return w;
}

export async function trainSupervised(
  samples: readonly SupervisedSample[],
  options: Partial<SupervisedTrainOptions> = {},
): Promise<SupervisedModel> {
  const opts: SupervisedTrainOptions = { ...DEFAULT_SUPERVISED_OPTIONS, ...options };
  const nDefect = samples.filter((s) => !!s.mask || (s.boxes?.length ?? 0) > 0).length;
  if (nDefect === 0) throw new StationFault('invalid-input', 'the supervised model needs at least one annotated defect image');
  if (nDefect === samples.length) throw new StationFault('invalid-input', 'the supervised model needs at least one good image');
  const extractor = await createFeatureExtractor({ backbone: opts.backbone, layers: opts.layers, inputSize: opts.inputSize });
  try {
    const { rows, labels } = await collectTrainingCells(extractor, samples, opts);
    const d = rows.d;
    const pos: number[] = [];
    const neg: number[] = [];
    for (let i = 0; i < rows.n; i++) (labels[i] ? pos : neg).push(i);
    if (pos.length === 0) throw new StationFault('invalid-input', 'no defect patches: the annotated regions are too small for the patch grid');
    const rand = rng(opts.seed);
    // Fisher-Yates prefix: a random subset of good patches for the first round
    const negShuffled = Int32Array.from(neg);
    const k = Math.min(opts.negatives, negShuffled.length);
    for (let i = 0; i < k; i++) {
      const j = i + Math.floor(rand() * (negShuffled.length - i));
      const t = negShuffled[i];
      negShuffled[i] = negShuffled[j];
      negShuffled[j] = t;
    }
    let index = Int32Array.from([...pos, ...negShuffled.subarray(0, k)]);
    const norm = computeStandardisation(rows.data, rows.n, d);
    const base = { hidden: opts.hidden, batchSize: 256, learningRate: opts.learningRate, l2: opts.l2, seed: opts.seed };
    opts.onProgress?.({ stage: 'train', done: 0, total: 2 });
    let params: ClassifierParams = trainClassifier(rows.data, d, index, labels, balancedWeights(index, labels, rows.n), norm, {
      ...base,
      epochs: opts.epochs,
    });
    checkAbort(opts.signal);
    if (opts.hardNegativeEpochs > 0 && opts.hardNegatives > 0) {
      // Hard-negative mining: score every good patch, add the highest-scoring ones.
      const negRows = Int32Array.from(neg);
      const feats = new Float32Array(negRows.length * d);
      negRows.forEach((r, i) => feats.set(rows.data.subarray(r * d, (r + 1) * d), i * d));
      const p = predict(params, feats, negRows.length);
      const order = Array.from(negRows.keys()).sort((a, b) => p[b] - p[a]);
      const chosen = new Set<number>(index);
      for (const i of order.slice(0, opts.hardNegatives)) chosen.add(negRows[i]);
      index = Int32Array.from(chosen);
      opts.onProgress?.({ stage: 'train', done: 1, total: 2 });
      params = trainClassifier(rows.data, d, index, labels, balancedWeights(index, labels, rows.n), norm, {
        ...base,
        epochs: opts.hardNegativeEpochs,
        learningRate: opts.learningRate / 2,
        seed: opts.seed + 1,
      }, params);
    }
    opts.onProgress?.({ stage: 'train', done: 2, total: 2 });
    const modelParams: SupervisedParams = {
      layers: [...opts.layers],
      inputSize: opts.inputSize,
      sigma: opts.sigma,
      boxThreshold: opts.boxThreshold,
      label: opts.label,
      hidden: opts.hidden,
      dims: d,
      positiveFraction: opts.positiveFraction,
      augmentDefects: opts.augmentDefects,
      augmentGood: opts.augmentGood,
      trainPatches: { defect: pos.length, good: neg.length, used: index.length },
      defectImages: nDefect,
    };
    const info: ModelInfo = {
      id: opts.id ?? `supervised-${randomUUID().slice(0, 8)}`,
      kind: 'supervised',
      formatVersion: SUPERVISED_FORMAT_VERSION,
      backbone: extractor.manifest.id,
      createdAt: new Date().toISOString(),
      trainImages: samples.length,
      defaultThreshold: opts.boxThreshold,
      params: modelParams,
    };
    let model = new SupervisedModel(info, params, extractor);
    if (opts.validation && opts.validation.length > 0) {
      const validation: ValidationScore[] = [];
      for (const v of opts.validation) {
        checkAbort(opts.signal);
        const defect = !!v.mask || (v.boxes?.length ?? 0) > 0;
        const score = model.scoreGrid(await extractor.extract(v.image));
        validation.push({ name: v.name, score, label: defect ? 1 : 0, ...(v.defectType ? { defectType: v.defectType } : {}) });
      }
      model = new SupervisedModel({ ...info, validation }, params, extractor);
    }
    return model;
  } catch (e) {
    await extractor.dispose();
    throw e;
  }
}
