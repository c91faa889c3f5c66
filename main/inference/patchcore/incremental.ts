/**
 * Incremental update of a PatchCore memory bank ("learn as good"): the part's patches join the bank without
 * retraining from the images.
 *
 * The greedy coreset (coreset.ts) is a farthest-first traversal: it stops when `ratio` of the candidates are picked,
 * at a coverage radius r (the last pick's distance to the picks before it). Every training patch it left out lies
 * within about r of the bank. Re-running it on the union of bank and new patches, with the bank as the first picks,
 * continues the traversal: the new patch farthest from the bank is picked while that distance exceeds r, up to
 * `ratio` of the new patches (the training quota); new patches within r are covered as well as the training patches
 * were. At the cap, each new pick replaces the bank's last row, the least novel one (farthest-first order puts it
 * last), so the bank never exceeds `coreset.max`.
 *
 * Known defects can be protected: a new patch closer to one of their scoring patches than that patch's nearest bank
 * row is never picked, so learning cannot lower their scores (the station protects its validation defects).
 *
 * The pruned search (model.ts) takes the first ⅛ of the bank as its coarse cover; the new picks go right after the
 * old cover's head, so the cover spans the learned patches too. Exactness needs only that the cover is a subset of
 * the bank, which any order keeps; the order only keeps it fast.
 */
import type { RawImage } from '../../common/types.js';
import { StationFault } from '../../common/result.js';
import type { ModelInfo } from '../model.js';
import { PatchCoreModel, coarseSize, type MemoryBank } from './model.js';
import { columnWeight, foregroundRows, type PatchSet } from './patch-extractor.js';
import { scoreNeeds } from './scoring.js';

/**
 * The station learns a part until its patches are within this fraction of the threshold of the bank (coverTo), not
 * down to the coreset's own radius: on the screws (station experiment --feedback 10) the radius alone added ~350
 * patches per part and let one test defect escape; 0.75 adds ~20-60 and kept recall at 1.
 */
export const LEARN_COVER_FRACTION = 0.75;

export interface LearnReport {
  /** Foreground patches of the learned images. */
  readonly candidatePatches: number;
  /** Patches that joined the bank. */
  readonly added: number;
  /** Patches farther from the bank than the stopping distance but withheld: adding them would bring a protected defect patch closer. */
  readonly withheld: number;
  /** Bank rows dropped to keep the cap. */
  readonly dropped: number;
  readonly bankSize: number;
  /** Coverage radius r of the bank before the update (0 for a whole bank: every training patch is in it). */
  readonly coverageRadius: number;
  /** Largest patch distance of the learned images to the old bank (s* before learning), per image. */
  readonly maxDistanceBefore: number[];
  readonly ms: number;
  /** Milliseconds per stage: extract (registration + features), search (distances to the bank), select, build (new searches). */
  readonly stages: { extract: number; search: number; select: number; build: number };
}

function sqDist(a: Float32Array, ao: number, b: Float32Array, bo: number, dim: number): number {
  let s = 0;
  for (let d = 0; d < dim; d++) {
    const x = a[ao + d]! - b[bo + d]!;
    s += x * x;
  }
  return s;
}

/**
 * The patches that make a part's image score: its scoreNeeds(n) largest nearest-bank distances (the top-mean's k, or
 * s*'s patch alone for the paper's score), rows [k, D]. Protecting these ({@link learnGood}'s `protect`) keeps the
 * part's top-mean score from falling: their distances cannot fall, and the mean of the k largest distances is at
 * least theirs.
 */
export async function scoringPatches(model: PatchCoreModel, ps: PatchSet): Promise<Float32Array> {
  const { rows } = foregroundRows(ps);
  const dim = model.bank.dim;
  const n = rows.length / dim;
  if (n === 0) return new Float32Array(0);
  const { dist } = await model.nearestInBank(rows, n);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => dist[b]! - dist[a]!);
  const k = scoreNeeds(n, model.config);
  const out = new Float32Array(k * dim);
  order.slice(0, k).forEach((r, j) => out.set(rows.subarray(r * dim, (r + 1) * dim), j * dim));
  return out;
}

/** Rows of several parts in one block (e.g. the scoring patches of every validation defect, for `protect`). */
export function concatRows(blocks: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(blocks.reduce((n, b) => n + b.length, 0));
  let off = 0;
  for (const b of blocks) {
    out.set(b, off);
    off += b.length;
  }
  return out;
}

/**
 * Which of the part's n patches P may join the bank: those no closer to any protected patch q (inside q's position
 * window) than q's nearest bank patch. The comparison keeps a relative margin of 1e-4 on squared distances, so that
 * the search's own rounding cannot let a protected distance fall.
 */
async function eligiblePatches(
  model: PatchCoreModel,
  P: Float32Array,
  np: number,
  col: Int32Array,
  protect: Float32Array | undefined,
  window: number,
  columnOf: (rows: Float32Array, i: number) => number,
): Promise<Uint8Array> {
  const eligible = new Uint8Array(np).fill(1);
  const dim = model.bank.dim;
  if (!protect || protect.length === 0) return eligible;
  if (protect.length % dim !== 0) throw new StationFault('invalid-input', `learn as good: protected rows of ${protect.length} values are not rows of ${dim}`);
  const nq = protect.length / dim;
  const { dist: dq } = await model.nearestInBank(protect, nq);
  for (let j = 0; j < nq; j++) {
    const bar = dq[j]! * dq[j]! * (1 + 1e-4);
    const cq = columnOf(protect, j);
    for (let i = 0; i < np; i++) {
      if (eligible[i] && Math.abs(col[i]! - cq) <= window && sqDist(P, i * dim, protect, j * dim, dim) < bar) eligible[i] = 0;
    }
  }
  return eligible;
}

/**
 * Returns a new model whose bank also covers `images` (same preprocessing and registration as inspection: the
 * model's own extractor). The new model shares the extractor with `model`; release the old one's searches with
 * `model.disposeSearch()` (not `dispose()`) when it is no longer used.
 */
export async function learnGood(
  model: PatchCoreModel,
  images: readonly RawImage[],
  opts: {
    id: string;
    createdAt?: string;
    /**
     * Also stop once every new patch is within this distance of the bank (e.g. a fraction of the threshold): only the
     * patches that made the part score high are added, so defect-like patterns near them are absorbed less.
     */
    coverTo?: number;
    /**
     * Patches of known defects whose distance to the bank must not fall (rows [m, D], e.g. {@link scoringPatches} of
     * the validation defects): a new patch closer to one of them than its nearest bank patch (inside its position
     * window) is never added. Rows can only be added or dropped, so each protected patch keeps or raises its distance,
     * and a defect whose scoring patches are all protected keeps or raises its top-mean score.
     */
    protect?: Float32Array;
  },
): Promise<{ model: PatchCoreModel; report: LearnReport }> {
  const t0 = performance.now();
  if (images.length === 0) throw new StationFault('invalid-input', 'learn as good: no image given');
  const { bank, config } = model;
  const dim = bank.dim;
  const perImage: Float32Array[] = [];
  for (const img of images) perImage.push(foregroundRows(await model.extractor.extract(img)).rows);
  const t1 = performance.now();
  const np = perImage.reduce((s, r) => s + r.length / dim, 0);
  if (np === 0) throw new StationFault('invalid-input', 'learn as good: no part found in the image (no foreground patch)');
  const P = new Float32Array(np * dim);
  const imageOf = new Int32Array(np);
  for (let i = 0, off = 0; i < perImage.length; i++) {
    P.set(perImage[i]!, off * dim);
    imageOf.fill(i, off, off + perImage[i]!.length / dim);
    off += perImage[i]!.length / dim;
  }

  // Distances to the bank: the exact full search (all patches, so no pruning bound is involved).
  const { dist } = await model.nearestInBank(P, np);
  const maxDistanceBefore = perImage.map(() => 0);
  for (let i = 0; i < np; i++) maxDistanceBefore[imageOf[i]!] = Math.max(maxDistanceBefore[imageOf[i]!]!, dist[i]!);

  const params = model.info.params as { candidatePatches?: number };
  const wholeBank = typeof params.candidatePatches === 'number' && params.candidatePatches <= bank.count;
  let radius = 0;
  if (!wholeBank && bank.count >= 2) {
    // The last row of a farthest-first order was picked last: its distance to every other row is its pick distance.
    const last = await model.nn.search(bank.features.subarray((bank.count - 1) * dim, bank.count * dim), 1, 2);
    radius = last.dist[1]!;
  }

  const t2 = performance.now();
  // Farthest-first continuation over the new patches, the bank already picked (squared distances: no sqrt per pair).
  const quota = Math.max(1, Math.ceil(config.coreset.ratio * np));
  const minSq = Float64Array.from(dist, (d) => d * d);
  const stop = Math.max(radius, opts.coverTo ?? 0);
  const radiusSq = stop * stop;
  const picks: number[] = [];
  const taken = new Uint8Array(np);
  // With a position window, patches match only within `window` columns (the column is the last coordinate).
  const window = config.positionWindow > 0 ? config.positionWindow : Infinity;
  const cw = columnWeight(config);
  const columnOf = (rows: Float32Array, i: number): number => (cw > 0 ? Math.round(rows[i * dim + dim - 1]! / cw) : 0);
  const col = Int32Array.from({ length: np }, (_, i) => columnOf(P, i));
  const eligible = await eligiblePatches(model, P, np, col, opts.protect, window, columnOf);
  let withheld = 0;
  for (let i = 0; i < np; i++) if (!eligible[i] && minSq[i]! > radiusSq) withheld++;
  while (picks.length < quota) {
    let best = -1;
    let bestD = radiusSq;
    for (let i = 0; i < np; i++) {
      if (!taken[i] && eligible[i] && minSq[i]! > bestD) {
        best = i;
        bestD = minSq[i]!;
      }
    }
    if (best < 0) break;
    taken[best] = 1;
    picks.push(best);
    const bo = best * dim;
    for (let i = 0; i < np; i++) {
      if (taken[i] || Math.abs(col[i]! - col[best]!) > window) continue;
      const d = sqDist(P, i * dim, P, bo, dim);
      if (d < minSq[i]!) minSq[i] = d;
    }
  }

  const cap = config.coreset.max;
  const keep = Math.max(0, Math.min(bank.count, cap - picks.length));
  const dropped = bank.count - keep;
  const usedPicks = picks.slice(0, cap - keep);
  const count = keep + usedPicks.length;
  // Coarse cover first: the old cover's head, then the new picks most novel first, then the rest.
  const k = coarseSize(count);
  const inHead = Math.min(usedPicks.length, Math.floor(k / 2));
  const head = Math.min(keep, Math.max(0, k - inHead));
  const features = new Float32Array(count * dim);
  let row = 0;
  const copyBank = (from: number, to: number): void => {
    features.set(bank.features.subarray(from * dim, to * dim), row * dim);
    row += to - from;
  };
  const copyPicks = (list: readonly number[]): void => {
    for (const p of list) features.set(P.subarray(p * dim, (p + 1) * dim), dim * row++);
  };
  copyBank(0, head);
  copyPicks(usedPicks.slice(0, inHead));
  copyBank(head, keep);
  copyPicks(usedPicks.slice(inHead));
  const newBank: MemoryBank = { features, count, dim };

  // Validation scores belong to the old bank: the caller re-scores the validation set with the new model.
  const { validation: _stale, ...kept } = model.info;
  const info: ModelInfo = {
    ...kept,
    id: opts.id,
    createdAt: opts.createdAt ?? new Date().toISOString(),
    trainImages: model.info.trainImages + images.length,
    params: {
      ...model.info.params,
      bankSize: count,
      candidatePatches: (typeof params.candidatePatches === 'number' ? params.candidatePatches : bank.count) + np,
      learnedImages: ((model.info.params as { learnedImages?: number }).learnedImages ?? 0) + images.length,
    },
  };
  const t3 = performance.now();
  const next = await PatchCoreModel.create(info, config, model.extractor, newBank);
  const t4 = performance.now();
  return {
    model: next,
    report: { candidatePatches: np, added: usedPicks.length, withheld, dropped, bankSize: count, coverageRadius: radius, maxDistanceBefore, ms: t4 - t0,
      stages: { extract: t1 - t0, search: t2 - t1, select: t3 - t2, build: t4 - t3 } },
  };
}
