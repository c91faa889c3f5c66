/**
 * Image-level detection metrics: AUROC, ROC curve, confusion counts, best F1 and the
 * zero-escape ("full recall") threshold. Pure: no runtime imports.
 *
 * Conventions (same as the rest of the station):
 * - label 1 = defective part (positive), 0 = good part (negative); labels are any ArrayLike<number>
 *   (a Uint8Array is fine) and are checked to be exactly 0 or 1;
 * - a part is predicted NG when `score >= threshold`; higher score = more anomalous.
 *
 * 0/0 conventions (chosen so a ratio with nothing to judge never reports a mistake):
 * - precision = tp/(tp+fp) is 1 when nothing is predicted NG (no wrong NG call was made);
 * - recall    = tp/(tp+fn) is 1 when there are no defects (no defect was missed);
 * - f1        = 2tp/(2tp+fp+fn) is 1 when tp = fp = fn = 0, otherwise the usual value
 *               (this equals 2PR/(P+R) with the two conventions above, and 0 when P+R = 0);
 * - falseRejectRate = fp/(fp+tn) is 0 when there are no good parts;
 * - accuracy = (tp+tn)/n is 1 when n = 0.
 */
import { StationFault } from '../common/result.js';

export type Label = 0 | 1;

export interface RocCurve {
  /** False-positive rate fp/(fp+tn) per point, non-decreasing, from 0 to 1. */
  readonly fpr: number[];
  /** True-positive rate tp/(tp+fn) per point, non-decreasing, from 0 to 1. */
  readonly tpr: number[];
  /** Threshold of each point (NG when score >= threshold); the first is +Infinity (nothing NG). */
  readonly thresholds: number[];
}

export interface Confusion {
  readonly threshold: number;
  readonly tp: number;
  readonly fp: number;
  readonly tn: number;
  readonly fn: number;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  /** fp/(fp+tn): share of good parts rejected as NG. */
  readonly falseRejectRate: number;
  readonly accuracy: number;
}

export interface FullRecall {
  /** The lowest defect score: every defect is NG at this threshold. */
  readonly threshold: number;
  /** Precision at that threshold, every score >= threshold (ties included) counted NG. */
  readonly precision: number;
  readonly recall: 1;
  /** Good parts rejected at that threshold (fp/(fp+tn)). */
  readonly falseRejectRate: number;
}

export interface BestF1 {
  readonly threshold: number;
  readonly f1: number;
  readonly precision: number;
  readonly recall: number;
}

/** Checks shapes and values; returns the class counts. */
function validate(scores: ArrayLike<number>, labels: ArrayLike<number>, what: string): { pos: number; neg: number } {
  if (scores.length !== labels.length) {
    throw new StationFault('invalid-input', `${what}: ${scores.length} scores but ${labels.length} labels`);
  }
  let pos = 0;
  let neg = 0;
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i];
    if (typeof s !== 'number' || Number.isNaN(s)) {
      throw new StationFault('invalid-input', `${what}: score ${i} is not a number (${String(s)})`);
    }
    const l = labels[i];
    if (l === 1) pos++;
    else if (l === 0) neg++;
    else throw new StationFault('invalid-input', `${what}: label ${i} is ${String(l)}, expected 0 or 1`);
  }
  return { pos, neg };
}

function requireBothClasses(pos: number, neg: number, what: string): void {
  if (pos === 0 || neg === 0) {
    throw new StationFault(
      'invalid-input',
      `${what} needs both defective and good samples (got ${pos} defective, ${neg} good)`,
    );
  }
}

/** Indices sorted by score, highest first. */
function orderDescending(scores: ArrayLike<number>): number[] {
  const idx = Array.from({ length: scores.length }, (_, i) => i);
  idx.sort((a, b) => scores[b] - scores[a]);
  return idx;
}

/**
 * Operating points at every distinct score, highest first: cumulative tp and fp when
 * every sample with score >= threshold is NG. Tied scores move together.
 */
function sweep(scores: ArrayLike<number>, labels: ArrayLike<number>): { threshold: number; tp: number; fp: number }[] {
  const order = orderDescending(scores);
  const out: { threshold: number; tp: number; fp: number }[] = [];
  let tp = 0;
  let fp = 0;
  for (let k = 0; k < order.length; ) {
    const t = scores[order[k]];
    while (k < order.length && scores[order[k]] === t) {
      if (labels[order[k]] === 1) tp++;
      else fp++;
      k++;
    }
    out.push({ threshold: t, tp, fp });
  }
  return out;
}

/**
 * Area under the ROC curve by the Mann-Whitney statistic:
 * AUROC = P(s_defect > s_good) + 1/2 P(s_defect = s_good), over all (defect, good) pairs.
 * O(n log n). Throws 'invalid-input' if a class is empty or lengths differ.
 */
export function auroc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const { pos, neg } = validate(scores, labels, 'auroc');
  requireBothClasses(pos, neg, 'auroc');
  // Walk from the lowest score up; each defect beats every good seen strictly below it, ties count 1/2.
  const order = orderDescending(scores).reverse();
  let goodBelow = 0;
  let wins = 0;
  for (let k = 0; k < order.length; ) {
    const t = scores[order[k]];
    let p = 0;
    let n = 0;
    while (k < order.length && scores[order[k]] === t) {
      if (labels[order[k]] === 1) p++;
      else n++;
      k++;
    }
    wins += p * (goodBelow + 0.5 * n);
    goodBelow += n;
  }
  return wins / (pos * neg);
}

/**
 * ROC curve with one point per distinct score (ties grouped), starting at (0, 0) with
 * threshold +Infinity and ending at (1, 1) at the lowest score.
 */
export function rocCurve(scores: ArrayLike<number>, labels: ArrayLike<number>): RocCurve {
  const { pos, neg } = validate(scores, labels, 'rocCurve');
  requireBothClasses(pos, neg, 'rocCurve');
  const fpr = [0];
  const tpr = [0];
  const thresholds = [Number.POSITIVE_INFINITY];
  for (const p of sweep(scores, labels)) {
    fpr.push(p.fp / neg);
    tpr.push(p.tp / pos);
    thresholds.push(p.threshold);
  }
  return { fpr, tpr, thresholds };
}

function ratio(num: number, den: number, whenEmpty: number): number {
  return den === 0 ? whenEmpty : num / den;
}

function fromCounts(threshold: number, tp: number, fp: number, tn: number, fn: number): Confusion {
  const n = tp + fp + tn + fn;
  return {
    threshold,
    tp,
    fp,
    tn,
    fn,
    precision: ratio(tp, tp + fp, 1),
    recall: ratio(tp, tp + fn, 1),
    f1: ratio(2 * tp, 2 * tp + fp + fn, 1),
    falseRejectRate: ratio(fp, fp + tn, 0),
    accuracy: ratio(tp + tn, n, 1),
  };
}

/** Confusion counts and rates when every sample with score >= threshold is NG. One class may be empty. */
export function confusionAt(scores: ArrayLike<number>, labels: ArrayLike<number>, threshold: number): Confusion {
  validate(scores, labels, 'confusionAt');
  if (Number.isNaN(threshold)) throw new StationFault('invalid-input', 'confusionAt: threshold is NaN');
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  for (let i = 0; i < scores.length; i++) {
    const ng = scores[i] >= threshold;
    if (labels[i] === 1) {
      if (ng) tp++;
      else fn++;
    } else if (ng) fp++;
    else tn++;
  }
  return fromCounts(threshold, tp, fp, tn, fn);
}

/**
 * The highest threshold that still catches every defect (the lowest defect score) and the
 * precision there. Needs at least one defect; with no good samples precision is 1.
 */
export function thresholdAtFullRecall(scores: ArrayLike<number>, labels: ArrayLike<number>): FullRecall {
  const { pos } = validate(scores, labels, 'thresholdAtFullRecall');
  if (pos === 0) throw new StationFault('invalid-input', 'thresholdAtFullRecall needs at least one defective sample');
  let threshold = Number.POSITIVE_INFINITY;
  for (let i = 0; i < scores.length; i++) if (labels[i] === 1 && scores[i] < threshold) threshold = scores[i];
  const c = confusionAt(scores, labels, threshold);
  return { threshold, precision: c.precision, recall: 1, falseRejectRate: c.falseRejectRate };
}

/**
 * The threshold (one of the scores) with the highest F1. Among equal F1 the lower threshold wins
 * (more recall: an escaped defect costs more than a re-checked good part). Needs at least one defect.
 */
export function bestF1(scores: ArrayLike<number>, labels: ArrayLike<number>): BestF1 {
  const { pos } = validate(scores, labels, 'bestF1');
  if (pos === 0) throw new StationFault('invalid-input', 'bestF1 needs at least one defective sample');
  let best: BestF1 | null = null;
  for (const p of sweep(scores, labels)) {
    const fn = pos - p.tp;
    const f1 = (2 * p.tp) / (2 * p.tp + p.fp + fn);
    // Sweep runs from high to low thresholds, so `>=` keeps the lowest threshold among ties.
    if (best === null || f1 >= best.f1) {
      best = { threshold: p.threshold, f1, precision: ratio(p.tp, p.tp + p.fp, 1), recall: p.tp / pos };
    }
  }
  return best as BestF1;
}
