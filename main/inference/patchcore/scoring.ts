/**
 * PatchCore scoring (Roth et al. 2022, sec. 3.3): patch scores are nearest-neighbour distances to the memory
 * bank M; the image score s* is the largest, re-weighted by how isolated its nearest bank patch m* is:
 *
 *   s = (1 − exp‖m_test,* − m*‖ / Σ_{m ∈ N_b(m*)} exp‖m_test,* − m‖) · s*          (paper eq. 7)
 *
 * computed as 1 − softmax(distances)[0], as anomalib does, which is the same quantity, overflow-free.
 */
import type { PatchCoreConfig } from './config.js';

/** k of the top-mean image score: max(1, round(fraction · n)) of a part's n foreground patches, at most n. */
export function topCount(n: number, fraction: number): number {
  return Math.min(n, Math.max(1, Math.round(fraction * n)));
}

/** How many of a part's n largest patch distances its image score needs exactly (1 for the paper's s*). */
export function scoreNeeds(n: number, config: Pick<PatchCoreConfig, 'scoreTopFraction'>): number {
  return config.scoreTopFraction > 0 ? topCount(n, config.scoreTopFraction) : 1;
}

/**
 * The image score of a part from its patches' nearest-neighbour distances, as inspection computes it and as training's
 * leave-one-out scores must (the default threshold is set on them): the mean of the top scoreTopFraction of the
 * distances, or with 0 the largest one s* re-weighted by eq. 7.
 * @param rows the part's patch features [n, D]
 * @param dist their distances to the bank [n]; nearest the bank row of each [n]
 */
export function imageScore(
  rows: Float32Array,
  dist: Float32Array,
  nearest: Int32Array,
  bank: { readonly features: Float32Array; readonly count: number; readonly dim: number },
  config: Pick<PatchCoreConfig, 'scoreTopFraction' | 'reweightNeighbours'>,
  neighbourhoods?: BankNeighbourhoods,
): number {
  if (config.scoreTopFraction > 0) return topMean(dist, topCount(dist.length, config.scoreTopFraction));
  let best = 0;
  for (let i = 1; i < dist.length; i++) if (dist[i]! > dist[best]!) best = i;
  const m = rows.subarray(best * bank.dim, (best + 1) * bank.dim);
  return reweightedScore(m, bank.features, bank.count, bank.dim, nearest[best]!, dist[best]!, config.reweightNeighbours, neighbourhoods);
}

/** The mean of the k largest values of `values` (1 <= k <= length), summed in double. */
export function topMean(values: ArrayLike<number>, k: number): number {
  if (!(k >= 1 && k <= values.length)) throw new RangeError(`top mean of ${k} of ${values.length} values`);
  const sorted = Float64Array.from(values).sort();
  let s = 0;
  for (let i = sorted.length - k; i < sorted.length; i++) s += sorted[i]!;
  return s / k;
}

/**
 * N_b(m*): the indices of the b bank entries closest to m* (itself first), by a scan of the whole bank. It depends
 * on the bank alone, not on the test patch, so a model caches it per m* (see {@link BankNeighbourhoods}).
 * @param bank M : [|M|, D]
 * @param nearest index of m* in M
 * @param b neighbourhood size |N_b(m*)|, at most |M|
 */
export function bankNeighbourhood(bank: Float32Array, bankSize: number, dim: number, nearest: number, b: number): Int32Array {
  const base = nearest * dim;
  const bestIdx = new Int32Array(b).fill(-1);
  const bestD = new Float64Array(b).fill(Infinity);
  for (let m = 0; m < bankSize; m++) {
    const r = m * dim;
    let s = 0;
    for (let d = 0; d < dim; d++) {
      const diff = bank[r + d]! - bank[base + d]!;
      s += diff * diff;
    }
    if (s >= bestD[b - 1]!) continue;
    let j = b - 1;
    while (j > 0 && bestD[j - 1]! > s) {
      bestD[j] = bestD[j - 1]!;
      bestIdx[j] = bestIdx[j - 1]!;
      j--;
    }
    bestD[j] = s;
    bestIdx[j] = m;
  }
  return bestIdx;
}

/**
 * N_b(m*) per m*, computed on first use: an image's m* is one of the bank's entries, and the scan it replaces reads
 * the whole bank (7.8 k x 193 floats for the default model) for every inspected part. For one immutable bank.
 */
export class BankNeighbourhoods {
  private readonly cache = new Map<number, Int32Array>();

  constructor(
    private readonly bank: Float32Array,
    private readonly bankSize: number,
    private readonly dim: number,
    private readonly b: number,
  ) {}

  of(nearest: number): Int32Array {
    let n = this.cache.get(nearest);
    if (!n) {
      n = bankNeighbourhood(this.bank, this.bankSize, this.dim, nearest, Math.min(this.b, this.bankSize));
      this.cache.set(nearest, n);
    }
    return n;
  }
}

/**
 * @param testFeature m_test,* : [D]
 * @param bank M : [|M|, D]
 * @param nearest index of m* in M
 * @param sStar the unweighted score ‖m_test,* − m*‖
 * @param b neighbourhood size |N_b(m*)| (m* included); 0 or 1 disables re-weighting
 * @param neighbourhoods where N_b(m*) is looked up (a model's cache); scanned here when absent
 */
export function reweightedScore(
  testFeature: Float32Array,
  bank: Float32Array,
  bankSize: number,
  dim: number,
  nearest: number,
  sStar: number,
  b: number,
  neighbourhoods?: BankNeighbourhoods,
): number {
  if (b <= 1 || bankSize < 2) return sStar;
  const bestIdx = neighbourhoods ? neighbourhoods.of(nearest) : bankNeighbourhood(bank, bankSize, dim, nearest, Math.min(b, bankSize));
  const dists: number[] = [];
  for (const m of bestIdx) {
    if (m < 0) continue;
    const r = m * dim;
    let s = 0;
    for (let d = 0; d < dim; d++) {
      const diff = testFeature[d]! - bank[r + d]!;
      s += diff * diff;
    }
    dists.push(Math.sqrt(s));
  }
  // m* comes first by construction; keep the exact s* for it.
  dists[0] = sStar;
  const max = Math.max(...dists);
  let denom = 0;
  for (const d of dists) denom += Math.exp(d - max);
  const weight = 1 - Math.exp(dists[0]! - max) / denom;
  return weight * sStar;
}
