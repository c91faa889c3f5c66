/**
 * Learning on the line, measured (`station experiment --feedback N`): PatchCore trained on `train` good images
 * (train/good by name from position `trainFrom`, default the first ones), threshold at recall = 1 on a validation set;
 * then the other good images of train/good that the model falsely rejects are learned as good, one at a time as an operator would mark them (each one only if
 * it is still rejected by the model learned so far), up to N. Test images are never learned from. As on the station,
 * the validation defects' scoring patches are protected while learning, and a learned version that lets a validation
 * defect fall below the threshold is not promoted (the next image is tried).
 *
 * Validation / test: the MVTec test folder split by name within each defect type (and good), even positions to
 * validation, odd to test, so the threshold is chosen on images the figures are not measured on.
 */
import type { ProgressFn } from '../common/types.js';
import { StationFault } from '../common/result.js';
import { listMvtec, type DatasetImage } from '../dataset/mvtec.js';
import { decodeImage } from '../node/image-io.js';
import { trainPatchCore, type PatchCoreConfig } from '../inference/patchcore/index.js';
import type { DeepPartial } from '../inference/patchcore/config.js';
import { LEARN_COVER_FRACTION, concatRows, learnGood, scoringPatches } from '../inference/patchcore/incremental.js';
import type { PatchCoreModel } from '../inference/patchcore/model.js';
import { thresholdAtFullRecall } from '../evaluation/metrics.js';
import type { PatchSet } from '../inference/patchcore/patch-extractor.js';
import { protocolTake } from './patchcore-experiment.js';

export interface FeedbackFigures {
  /** Test good images at or above the threshold / test good images. */
  readonly testFalseRejectRate: number;
  readonly testFalseRejects: number;
  /** The test good images (defect type/name) rejected: testFalseRejects of them. */
  readonly testGoodRejected: string[];
  readonly testGood: number;
  /** Test defects at or above the threshold / test defects. */
  readonly testRecall: number;
  /** The test defects (defect type/name) below the threshold: the escapes, (1 - testRecall) x testDefects of them. */
  readonly testDefectsMissed: string[];
  readonly testDefects: number;
  /** Recall on the validation defects at the threshold in force. */
  readonly validationRecall: number;
  readonly validationFalseRejectRate: number;
  readonly bankSize: number;
}

export interface FeedbackResult {
  readonly threshold: number;
  /** The threshold in force after learning: `threshold`, or with `rechoose` the last promoted version's. */
  readonly thresholdAfter: number;
  readonly before: FeedbackFigures;
  readonly after: FeedbackFigures;
  /** Threshold at recall = 1 on the validation set re-chosen with the learned model, and the figures there. */
  readonly recalibrated: FeedbackFigures & { readonly threshold: number };
  readonly learned: { name: string; scoreBefore: number; scoreAfter: number; added: number; withheld: number; dropped: number; ms: number }[];
  /** Learned versions not promoted: a validation defect fell below the threshold in force (rechoose: more validation good parts rejected; escapes 0). */
  readonly refused: { name: string; validationEscapes: number }[];
  /** Good images beyond the training ones that the first model rejected. */
  readonly candidatesRejected: number;
  readonly candidates: number;
  readonly split: { validationGood: number; validationDefects: number; testGood: number; testDefects: number };
  readonly reach?: Reach[];
}

/**
 * Why learning did not fix a test false reject: each good candidate learned alone into the final model (as the
 * station would learn it); `helpers` are those after which the test good part scores below the threshold, with
 * whether the model rejected them (only rejected parts are marked good on a line) and the test defects that would
 * then escape.
 */
export interface Reach {
  readonly testGood: string;
  readonly score: number;
  readonly helpers: { name: string; candidateScore: number; rejected: boolean; scoreAfter: number; testDefectsMissed: string[] }[];
}

/** Even positions (by name, within each defect type) to validation, odd to test. */
export function splitValidationTest(test: readonly DatasetImage[]): { validation: DatasetImage[]; test: DatasetImage[] } {
  const byType = new Map<string, DatasetImage[]>();
  for (const im of test) byType.set(im.defectType, [...(byType.get(im.defectType) ?? []), im]);
  const validation: DatasetImage[] = [];
  const rest: DatasetImage[] = [];
  for (const list of byType.values()) {
    const sorted = list.sort((a, b) => a.name.localeCompare(b.name));
    validation.push(...protocolTake(sorted, 'even'));
    rest.push(...protocolTake(sorted, 'odd'));
  }
  return { validation, test: rest };
}

export type Scored = { score: number; label: 0 | 1; name: string };

/**
 * Patch features of the validation and test images, computed once: a learned version shares the extractor of the
 * model it was learned from (learnGood), so only the bank search differs between versions, and the image score equals
 * `model.infer(image).score`.
 */
class PatchCache {
  private readonly sets = new Map<string, PatchSet>();
  constructor(private readonly model: PatchCoreModel) {}
  async get(im: DatasetImage): Promise<PatchSet> {
    let ps = this.sets.get(im.path);
    if (!ps) this.sets.set(im.path, (ps = await this.model.extractor.extract(await decodeImage(im.path, { channels: 1 }))));
    return ps;
  }
}

/** The scoring patches of the validation defects under `model` (the version learning starts from), one block of rows. */
async function protectedRows(model: PatchCoreModel, cache: PatchCache, defects: readonly DatasetImage[]): Promise<Float32Array> {
  const blocks: Float32Array[] = [];
  for (const im of defects) blocks.push(await scoringPatches(model, await cache.get(im)));
  return concatRows(blocks);
}

async function reachOf(
  model: PatchCoreModel,
  cache: PatchCache,
  o: { candidates: readonly DatasetImage[]; test: readonly DatasetImage[]; validationDefects: readonly DatasetImage[]; threshold: number; cover?: number; protect?: boolean; rejectedGood: readonly string[]; onProgress?: ProgressFn },
): Promise<Reach[]> {
  const named = (n: string): DatasetImage => o.test.find((t) => `${t.defectType}/${t.name}` === n)!;
  const goods = o.rejectedGood.map(named);
  const defects = o.test.filter((t) => t.defectType !== 'good');
  const out: Reach[] = [];
  for (const g of goods) out.push({ testGood: `good/${g.name}`, score: (await model.scorePatches(await cache.get(g))).score, helpers: [] });
  if (goods.length === 0) return out;
  const protect = o.protect === false ? undefined : await protectedRows(model, cache, o.validationDefects);
  for (const [i, c] of o.candidates.entries()) {
    o.onProgress?.({ stage: 'reach', done: i, total: o.candidates.length, message: c.name });
    const img = await decodeImage(c.path, { channels: 1 });
    const candidateScore = (await model.infer(img)).score;
    const { model: next } = await learnGood(model, [img], { id: `${model.info.id}+reach`, coverTo: (o.cover ?? LEARN_COVER_FRACTION) * o.threshold, protect });
    try {
      const after = await Promise.all(goods.map(async (g) => (await next.scorePatches(await cache.get(g))).score));
      if (!after.some((s) => s < o.threshold)) continue;
      const missed = (await scoreAll(next, cache, defects, 'reach: test defects')).filter((s) => s.score < o.threshold).map((s) => s.name);
      after.forEach((s, j) => {
        if (s < o.threshold) out[j]!.helpers.push({ name: c.name, candidateScore, rejected: candidateScore >= o.threshold, scoreAfter: s, testDefectsMissed: missed });
      });
    } finally {
      await next.disposeSearch();
    }
  }
  return out;
}

/** `cache` null: the images are scored once, their features not kept. */
async function scoreAll(model: PatchCoreModel, cache: PatchCache | null, images: readonly DatasetImage[], stage: string, onProgress?: ProgressFn): Promise<Scored[]> {
  const out: Scored[] = [];
  for (const [i, im] of images.entries()) {
    onProgress?.({ stage, done: i, total: images.length, message: `${im.defectType}/${im.name}` });
    const { score } = cache ? await model.scorePatches(await cache.get(im)) : await model.infer(await decodeImage(im.path, { channels: 1 }));
    out.push({ score, label: im.defectType === 'good' ? 0 : 1, name: `${im.defectType}/${im.name}` });
  }
  return out;
}

function rates(s: readonly Scored[], t: number): { frr: number; fr: number; rejected: string[]; good: number; recall: number; missed: string[]; defects: number } {
  const good = s.filter((x) => x.label === 0);
  const bad = s.filter((x) => x.label === 1);
  const rejected = good.filter((x) => x.score >= t).map((x) => x.name);
  const missed = bad.filter((x) => x.score < t).map((x) => x.name);
  const fr = rejected.length;
  return { frr: good.length ? fr / good.length : 0, fr, rejected, good: good.length, recall: bad.length ? (bad.length - missed.length) / bad.length : 1, missed, defects: bad.length };
}

/** The experiment's figures at threshold t: a part is rejected (NG) when its score is at or above t, as on the line. */
export function figures(val: readonly Scored[], test: readonly Scored[], t: number, bankSize: number): FeedbackFigures {
  const te = rates(test, t);
  const va = rates(val, t);
  return {
    testFalseRejectRate: te.frr, testFalseRejects: te.fr, testGoodRejected: te.rejected, testGood: te.good, testRecall: te.recall, testDefectsMissed: te.missed, testDefects: te.defects,
    validationRecall: va.recall, validationFalseRejectRate: va.frr, bankSize,
  };
}

export async function runFeedbackExperiment(opts: {
  dir: string;
  train: number;
  /** Position (by name, from 0) in train/good of the first training image; default 0. */
  trainFrom?: number;
  feedback: number;
  /** learnGood's coverTo as a fraction of the threshold (default LEARN_COVER_FRACTION; 0 = the coreset's own radius only). */
  cover?: number;
  /**
   * Each learned version gets its own threshold at recall = 1 on validation and is promoted when it rejects no more
   * validation good parts than the version in force; parts are judged by the version in force as they arrive.
   * Default: the station's way (threshold kept, promoted when no validation defect escapes).
   */
  rechoose?: boolean;
  /**
   * Protect the validation defects' scoring patches while learning (learnGood's `protect`), as the station does;
   * default true. false: learning may lower them, and the promotion check alone guards the validation defects.
   */
  protect?: boolean;
  /** Also learn each candidate alone into the final model and report which would take a still-rejected test good part below the threshold ({@link Reach}). */
  reach?: boolean;
  config?: DeepPartial<PatchCoreConfig>;
  onProgress?: ProgressFn;
}): Promise<FeedbackResult> {
  const listing = await listMvtec(opts.dir);
  const good = listing.train.filter((i) => i.defectType === 'good').sort((a, b) => a.name.localeCompare(b.name));
  const from = opts.trainFrom ?? 0;
  if (from < 0 || from + opts.train > good.length) {
    throw new StationFault('invalid-input', `training images ${from}..${from + opts.train - 1} asked for, train/good has ${good.length}`);
  }
  const train = good.slice(from, from + opts.train);
  // The line's parts: every other good training image, in name order.
  const candidates = [...good.slice(0, from), ...good.slice(from + opts.train)];
  if (candidates.length === 0) throw new StationFault('invalid-input', `no good images besides the ${opts.train} training images in train/good to learn from`);
  const { validation, test } = splitValidationTest(listing.test);
  const { model: first } = await trainPatchCore({ images: train.map((t) => t.path), config: opts.config, onProgress: (p) => opts.onProgress?.({ ...p, stage: `train: ${p.stage}` }) });
  let model: PatchCoreModel = first;
  const cache = new PatchCache(first);
  try {
    const val0 = await scoreAll(model, cache, validation, 'validation', opts.onProgress);
    const threshold = thresholdAtFullRecall(val0.map((s) => s.score), val0.map((s) => s.label)).threshold;
    const test0 = await scoreAll(model, cache, test, 'test', opts.onProgress);
    const before = figures(val0, test0, threshold, model.bank.count);

    const cand0 = await scoreAll(model, null, candidates, 'candidates', opts.onProgress);
    const rejected = candidates.filter((_, i) => cand0[i]!.score >= threshold);
    const learned: FeedbackResult['learned'] = [];
    const refused: FeedbackResult['refused'] = [];
    const validationDefects = validation.filter((v) => v.defectType !== 'good');
    // rechoose: the parts arrive in name order and each version decides with its own threshold, so a part the first
    // model accepted can be rejected (and learned) later.
    let inForce = threshold;
    let valNow = val0;
    for (const im of opts.rechoose ? candidates : rejected) {
      if (learned.length >= opts.feedback) break;
      const img = await decodeImage(im.path, { channels: 1 });
      // Only parts the current model still rejects are marked "good" by the operator.
      const scoreBefore = (await model.infer(img)).score;
      if (scoreBefore < inForce) continue;
      opts.onProgress?.({ stage: 'learn as good', done: learned.length, total: opts.feedback, message: im.name });
      const protect = opts.protect === false ? undefined : await protectedRows(model, cache, validationDefects);
      const { model: next, report } = await learnGood(model, [img], { id: `${model.info.id}+${learned.length + 1}`, coverTo: (opts.cover ?? LEARN_COVER_FRACTION) * inForce, protect });
      let nextThreshold = inForce;
      let nextVal = valNow;
      let promote: boolean;
      if (opts.rechoose) {
        // The new version's threshold at recall = 1 on validation; promoted when it rejects no more validation good parts.
        nextVal = await scoreAll(next, cache, validation, 'validation check');
        nextThreshold = thresholdAtFullRecall(nextVal.map((s) => s.score), nextVal.map((s) => s.label)).threshold;
        promote = rates(nextVal, nextThreshold).fr <= rates(valNow, inForce).fr;
        if (!promote) refused.push({ name: im.name, validationEscapes: 0 });
      } else {
        // The station's promotion check: the new version must still catch every validation defect at the threshold in force.
        const escaped = (await scoreAll(next, cache, validationDefects, 'validation check')).filter((s) => s.score < inForce).length;
        promote = escaped === 0;
        if (!promote) refused.push({ name: im.name, validationEscapes: escaped });
      }
      if (!promote) {
        await next.disposeSearch();
        continue;
      }
      await model.disposeSearch();
      model = next;
      inForce = nextThreshold;
      valNow = nextVal;
      learned.push({ name: im.name, scoreBefore, scoreAfter: (await model.infer(img)).score, added: report.added, withheld: report.withheld, dropped: report.dropped, ms: report.ms });
    }

    const val1 = await scoreAll(model, cache, validation, 'validation (learned)', opts.onProgress);
    const test1 = await scoreAll(model, cache, test, 'test (learned)', opts.onProgress);
    const after = figures(val1, test1, inForce, model.bank.count);
    const t2 = thresholdAtFullRecall(val1.map((s) => s.score), val1.map((s) => s.label)).threshold;
    const recalibrated = { ...figures(val1, test1, t2, model.bank.count), threshold: t2 };
    const split = {
      validationGood: val0.filter((s) => s.label === 0).length, validationDefects: val0.filter((s) => s.label === 1).length,
      testGood: before.testGood, testDefects: before.testDefects,
    };
    const reach = opts.reach ? await reachOf(model, cache, { candidates, test, validationDefects, threshold: inForce, cover: opts.cover, protect: opts.protect, rejectedGood: after.testGoodRejected, onProgress: opts.onProgress }) : undefined;
    return { threshold, thresholdAfter: inForce, before, after, recalibrated, learned, refused, candidatesRejected: rejected.length, candidates: candidates.length, split, ...(reach ? { reach } : {}) };
  } finally {
    await model.dispose();
  }
}
