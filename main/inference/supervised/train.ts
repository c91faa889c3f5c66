/**
 * Trains the supervised defect model from annotated defect images and good images: frozen backbone patch
 * features (3x3-averaged; every image also in right-angle rotations/flips), per-patch labels from masks or
 * boxes, class-balanced weighted BCE, a small MLP trained with Adam, then rounds of hard-negative mining
 * (the good patches the current model scores highest join the training set), since the image score is the
 * maximum over patches. Cost: one backbone run per augmented image, then ~10-30 s of plain-TS fitting.
 */
import { randomUUID } from 'node:crypto';
import { StationFault } from '../../common/result.js';
import type { ProgressFn, RawImage } from '../../common/types.js';
import type { ModelInfo, ValidationScore } from '../model.js';
import type { ProviderName } from '../execution-provider.js';
import { dihedralSet, transformImage, transformPixels } from './augment.js';
import { computeStandardisation, toGraphParams, trainClassifier, type ClassifierParams } from './classifier.js';
import { MlpSessions } from './mlp-graph.js';
import { mulberry32 } from '../../common/random.js';
import { createFeatureExtractor, resizeImage, type FeatureExtractor } from './features.js';
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
  /** Rounds of hard-negative mining, each followed by hardNegativeEpochs of training. */
  readonly miningRounds: number;
  readonly learningRate: number;
  readonly l2: number;
  /** Random good patches in the first round. */
  readonly negatives: number;
  /** Highest-scoring good patches added in the mining round. */
  readonly hardNegatives: number;
  readonly sigma: number;
  readonly boxThreshold: number;
  readonly label: string;
  readonly seed: number;
  readonly id?: string;
  readonly provider?: ProviderName;
  readonly onProgress?: ProgressFn;
  readonly signal?: AbortSignal;
  /** Content hashes (sha256) of the training image files, kept in the model so evaluation can leave them out. */
  readonly trainedOn?: readonly string[];
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
  miningRounds: 2,
  learningRate: 0.003,
  l2: 1e-4,
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

/**
 * Growable store of feature rows, each quantised to 8 bits with its own offset and step (error <= step/2,
 * ~1/500 of the row's range): every cell of every augmented image fits in memory (~d bytes a cell), so hard
 * negatives can be mined from all of them rather than from a random subset.
 */
export class QuantRows {
  q: Uint8Array;
  lo: Float32Array;
  step: Float32Array;
  n = 0;
  constructor(readonly d: number, capacity: number) {
    this.q = new Uint8Array(d * capacity);
    this.lo = new Float32Array(capacity);
    this.step = new Float32Array(capacity);
  }
  push(src: Float32Array, offset: number): number {
    const d = this.d;
    if (this.n >= this.lo.length) {
      const cap = this.lo.length * 2;
      const q = new Uint8Array(d * cap);
      q.set(this.q);
      this.q = q;
      const lo = new Float32Array(cap);
      lo.set(this.lo);
      this.lo = lo;
      const st = new Float32Array(cap);
      st.set(this.step);
      this.step = st;
    }
    let mn = Infinity;
    let mx = -Infinity;
    for (let k = 0; k < d; k++) {
      const v = src[offset + k]!;
      if (v < mn) mn = v;
      if (v > mx) mx = v;
    }
    const step = mx > mn ? (mx - mn) / 255 : 1;
    const inv = 1 / step;
    const base = this.n * d;
    const q = this.q;
    // Rounds half up, as Math.round does for these non-negative values; values reach 255 at most.
    for (let k = 0; k < d; k++) q[base + k] = ((src[offset + k]! - mn) * inv + 0.5) | 0;
    this.lo[this.n] = mn;
    this.step[this.n] = step;
    return this.n++;
  }
  /** Dequantises rows `index` into a dense [index.length, d] matrix. */
  gather(index: ArrayLike<number>): Float32Array {
    const d = this.d;
    const out = new Float32Array(index.length * d);
    for (let i = 0; i < index.length; i++) {
      const r = index[i]!;
      const lo = this.lo[r]!;
      const st = this.step[r]!;
      const base = r * d;
      for (let k = 0; k < d; k++) out[i * d + k] = lo + st * this.q[base + k]!;
    }
    return out;
  }
}

function isDefect(s: SupervisedSample): boolean {
  return !!s.mask || (s.boxes?.length ?? 0) > 0;
}

/** Features and labels of every training cell of every (augmented) image. */
export async function collectTrainingCells(
  extractor: FeatureExtractor,
  samples: readonly SupervisedSample[],
  opts: Pick<SupervisedTrainOptions, 'augmentDefects' | 'augmentGood' | 'positiveFraction' | 'onProgress' | 'signal'>,
): Promise<{ rows: QuantRows; labels: Uint8Array }> {
  const rows = new QuantRows(extractor.dims, 1 << 16);
  const lab: number[] = [];
  const total = samples.reduce((n, s) => n + dihedralSet(isDefect(s) ? opts.augmentDefects : opts.augmentGood).length, 0);
  let done = 0;
  for (const s of samples) {
    const { image } = s;
    let mask: Uint8Array | undefined = s.mask;
    if (!mask && s.boxes && s.boxes.length > 0) mask = boxesToMask(s.boxes, image.width, image.height);
    if (mask && mask.length !== image.width * image.height) {
      throw new StationFault('invalid-input', `${s.name}: mask is ${mask.length} pixels, image ${image.width}x${image.height}`);
    }
    // Resized once: right-angle turns and flips commute with the resize, so each pose costs a turn of the small
    // input, and the mask's cell coverage turns with it (cells are whole blocks of the input).
    const [h, w] = extractor.inputShape(image.width, image.height);
    const small = await resizeImage(image, w, h);
    let coverage: Float32Array | undefined;
    for (const t of dihedralSet(isDefect(s) ? opts.augmentDefects : opts.augmentGood)) {
      checkAbort(opts.signal);
      const grid = await extractor.extract(transformImage(small, t));
      const n = grid.width * grid.height;
      let labels: Int8Array;
      if (mask) {
        const gw = w / grid.stride, gh = h / grid.stride;
        coverage ??= cellCoverage(mask, image.width, image.height, gw, gh);
        const c = transformPixels(coverage, gw, gh, 1, t);
        if (c.width !== grid.width || c.height !== grid.height) {
          throw new StationFault('bad-model', `${s.name}: a ${grid.width}x${grid.height} feature grid for a ${c.width}x${c.height} label grid`);
        }
        labels = patchLabels(c.data, grid.width, grid.height, opts.positiveFraction);
      } else {
        labels = new Int8Array(n); // all good
      }
      for (let i = 0; i < n; i++) {
        if (labels[i] !== LABEL_GOOD && labels[i] !== LABEL_DEFECT) continue;
        rows.push(grid.data, i * grid.dims);
        lab.push(labels[i]);
      }
      opts.onProgress?.({ stage: 'features', done: ++done, total, message: s.name });
    }
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

/**
 * Indices of the k largest values, largest first (ties: lower index first). A native sort of the values finds the
 * k-th largest; only the indices above it are then ordered (hundreds of thousands of cells, thousands wanted).
 */
export function topIndices(values: Float32Array, k: number): number[] {
  if (k <= 0 || values.length === 0) return [];
  k = Math.min(k, values.length);
  const kth = Float32Array.from(values).sort()[values.length - k]!;
  const above: number[] = [];
  const tied: number[] = [];
  for (let i = 0; i < values.length; i++) {
    if (values[i]! > kth) above.push(i);
    else if (values[i] === kth) tied.push(i);
  }
  above.sort((a, b) => values[b]! - values[a]! || a - b);
  return [...above, ...tied.slice(0, k - above.length)];
}

/**
 * Fits the patch classifier on collected cells: all defect cells + random good cells, then rounds of
 * hard-negative mining over every good cell.
 */
export async function fitPatchClassifier(
  rows: QuantRows,
  labels: Uint8Array,
  opts: SupervisedTrainOptions,
): Promise<{ params: ClassifierParams; counts: { defect: number; good: number; used: number } }> {
  const d = rows.d;
  const pos: number[] = [];
  const neg: number[] = [];
  for (let i = 0; i < rows.n; i++) (labels[i] ? pos : neg).push(i);
  if (pos.length === 0) throw new StationFault('invalid-input', 'no defect patches: the annotated regions are too small for the patch grid');
  const rand = mulberry32(opts.seed);
  // Fisher-Yates prefix: a random subset of good patches for the first round
  const negShuffled = Int32Array.from(neg);
  const k = Math.min(opts.negatives, negShuffled.length);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rand() * (negShuffled.length - i));
    const t = negShuffled[i];
    negShuffled[i] = negShuffled[j];
    negShuffled[j] = t;
  }
  let chosen = [...pos, ...negShuffled.subarray(0, k)];
  // the first training set (all defects + random good cells) also sets the standardisation
  let x = rows.gather(chosen);
  let y = Uint8Array.from(chosen, (r) => labels[r]!);
  const all = (m: number) => Int32Array.from({ length: m }, (_, i) => i);
  const norm = computeStandardisation(x, chosen.length, d);
  const base = { hidden: opts.hidden, batchSize: 256, learningRate: opts.learningRate, l2: opts.l2, seed: opts.seed };
  opts.onProgress?.({ stage: 'train', done: 0, total: opts.miningRounds + 1 });
  const sessions = await MlpSessions.create(d, opts.hidden, opts.provider);
  try {
    let params: ClassifierParams = await trainClassifier(x, d, all(chosen.length), y, balancedWeights(all(chosen.length), y, chosen.length), norm, {
      ...base,
      epochs: opts.epochs,
    }, undefined, sessions);
    checkAbort(opts.signal);
    for (let round = 0; round < opts.miningRounds && opts.hardNegativeEpochs > 0 && opts.hardNegatives > 0; round++) {
      checkAbort(opts.signal);
      // Hard-negative mining over every good cell: the image score is a maximum, so the good cells the
      // first model likes least are the ones that decide false alarms.
      const p = new Float32Array(neg.length);
      const chunk = 8192;
      const graphParams = toGraphParams(params);
      for (let s0 = 0; s0 < neg.length; s0 += chunk) {
        const part = neg.slice(s0, s0 + chunk);
        p.set(await sessions.scores(rows.gather(part), part.length, graphParams, params), s0);
      }
      const set = new Set<number>(chosen);
      for (const i of topIndices(p, opts.hardNegatives)) set.add(neg[i]!);
      chosen = [...set];
      x = rows.gather(chosen);
      y = Uint8Array.from(chosen, (r) => labels[r]!);
      opts.onProgress?.({ stage: 'train', done: round + 1, total: opts.miningRounds + 1 });
      params = await trainClassifier(x, d, all(chosen.length), y, balancedWeights(all(chosen.length), y, chosen.length), norm, {
        ...base,
        epochs: opts.hardNegativeEpochs,
        learningRate: opts.learningRate / 2,
        seed: opts.seed + 1 + round,
      }, params, sessions);
    }
    return { params, counts: { defect: pos.length, good: neg.length, used: chosen.length } };
  } finally {
    await sessions.dispose();
  }
}

export async function trainSupervised(
  samples: readonly SupervisedSample[],
  options: Partial<SupervisedTrainOptions> = {},
): Promise<SupervisedModel> {
  const opts: SupervisedTrainOptions = { ...DEFAULT_SUPERVISED_OPTIONS, ...options };
  const nDefect = samples.filter(isDefect).length;
  if (nDefect === 0) throw new StationFault('invalid-input', 'the supervised model needs at least one annotated defect image');
  if (nDefect === samples.length) throw new StationFault('invalid-input', 'the supervised model needs at least one good image');
  const extractor = await createFeatureExtractor({ backbone: opts.backbone, layers: opts.layers, inputSize: opts.inputSize, provider: opts.provider });
  try {
    const { rows, labels } = await collectTrainingCells(extractor, samples, opts);
    const { params, counts } = await fitPatchClassifier(rows, labels, opts);
    const d = rows.d;
    opts.onProgress?.({ stage: 'train', done: opts.miningRounds + 1, total: opts.miningRounds + 1 });
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
      miningRounds: opts.miningRounds,
      trainPatches: counts,
      defectImages: nDefect,
      ...(opts.trainedOn ? { trainedOn: [...opts.trainedOn] } : {}),
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
        const score = model.scoreGrid(await extractor.extract(v.image));
        validation.push({ name: v.name, score, label: isDefect(v) ? 1 : 0, ...(v.defectType ? { defectType: v.defectType } : {}) });
      }
      model = new SupervisedModel({ ...info, validation }, params, extractor);
    }
    return model;
  } catch (e) {
    await extractor.dispose();
    throw e;
  }
}
