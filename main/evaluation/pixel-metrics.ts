/**
 * Pixel-level AUROC over anomaly maps and ground-truth masks, in bounded memory.
 *
 * Every pixel is a sample: mask != 0 -> defect (positive), mask == 0 -> good. Exact AUROC over
 * ~10^8 pixels would need them all sorted; instead scores are counted in a fixed histogram of
 * `bins` equal-width bins over [min, max]. Pairs falling in different bins are ordered exactly;
 * pairs sharing a bin are counted as ties (1/2). So the result differs from the exact Mann-Whitney
 * AUROC by at most `errorBound` = 1/2 * sum_b pos[b]*neg[b] / (P*N), which is computed and returned
 * (with 65536 bins it is typically < 1e-4). Memory: two Float64Array(bins), independent of image count.
 *
 * Pure: no runtime imports.
 */
import { StationFault } from '../common/result.js';
import type { FloatMap } from '../common/types.js';

export interface PixelPair {
  /** Anomaly map, row-major width*height. */
  readonly map: FloatMap;
  /** Ground truth of the same width*height, nonzero = defect; null = no defect anywhere (a good image). */
  readonly mask: Uint8Array | null;
}

export interface PixelAurocResult {
  readonly auroc: number;
  /** Upper bound of |auroc - exact AUROC| caused by the binning (pairs sharing a bin). */
  readonly errorBound: number;
  readonly positivePixels: number;
  readonly negativePixels: number;
  readonly bins: number;
  /** The score range that was binned; scores outside it were clamped into the end bins. */
  readonly range: readonly [number, number];
}

export interface PixelAurocOptions {
  /** Number of histogram bins (default 65536). */
  readonly bins?: number;
  /**
   * Fixed score range. When given, `pairs` is read once (a generator is fine). When absent, the range is
   * the global min/max and `pairs` is read twice, so it must be re-iterable (an array, not an iterator).
   */
  readonly range?: readonly [number, number];
}

export const DEFAULT_PIXEL_BINS = 65536;

/** Streaming accumulator for a fixed range: add maps one by one (e.g. while inference runs), then `result()`. */
export class PixelAurocAccumulator {
  private readonly pos: Float64Array;
  private readonly neg: Float64Array;
  private readonly lo: number;
  private readonly scale: number;

  constructor(
    readonly range: readonly [number, number],
    readonly bins: number = DEFAULT_PIXEL_BINS,
  ) {
    if (!Number.isInteger(bins) || bins < 1 || bins > 1 << 24) {
      throw new StationFault('invalid-input', `pixelAuroc: bins must be an integer in 1..2^24, got ${bins}`);
    }
    const [lo, hi] = range;
    if (!Number.isFinite(lo) || !Number.isFinite(hi) || hi < lo) {
      throw new StationFault('invalid-input', `pixelAuroc: bad range [${lo}, ${hi}]`);
    }
    this.pos = new Float64Array(bins);
    this.neg = new Float64Array(bins);
    this.lo = lo;
    // A zero-width range puts everything in bin 0: all pixels tie, AUROC 0.5.
    this.scale = hi > lo ? bins / (hi - lo) : 0;
  }

  add(map: FloatMap, mask: Uint8Array | null, index = 0): void {
    const n = checkPair(map, mask, index);
    const { data } = map;
    const last = this.bins - 1;
    for (let i = 0; i < n; i++) {
      const v = data[i];
      if (Number.isNaN(v)) throw new StationFault('invalid-input', `pixelAuroc: map ${index} has NaN at pixel ${i}`);
      let b = Math.floor((v - this.lo) * this.scale);
      if (b < 0) b = 0;
      else if (b > last) b = last; // also the top edge v === hi
      if (mask !== null && mask[i] !== 0) this.pos[b]++;
      else this.neg[b]++;
    }
  }

  result(): PixelAurocResult {
    let P = 0;
    let N = 0;
    for (let b = 0; b < this.bins; b++) {
      P += this.pos[b];
      N += this.neg[b];
    }
    if (P === 0 || N === 0) {
      throw new StationFault(
        'invalid-input',
        `pixelAuroc needs both defect and good pixels (got ${P} defect, ${N} good)`,
      );
    }
    let wins = 0;
    let tied = 0;
    let negBelow = 0;
    for (let b = 0; b < this.bins; b++) {
      const p = this.pos[b];
      const q = this.neg[b];
      if (p > 0) {
        wins += p * (negBelow + 0.5 * q);
        tied += p * q;
      }
      negBelow += q;
    }
    const pairs = P * N;
    return {
      auroc: wins / pairs,
      errorBound: (0.5 * tied) / pairs,
      positivePixels: P,
      negativePixels: N,
      bins: this.bins,
      range: this.range,
    };
  }
}

function checkPair(map: FloatMap, mask: Uint8Array | null, index: number): number {
  const n = map.width * map.height;
  if (map.data.length !== n) {
    throw new StationFault('invalid-input', `pixelAuroc: map ${index} has ${map.data.length} values for ${map.width}x${map.height}`);
  }
  if (mask !== null && mask.length !== n) {
    throw new StationFault(
      'invalid-input',
      `pixelAuroc: mask ${index} has ${mask.length} pixels but its map is ${map.width}x${map.height}`,
    );
  }
  return n;
}

/** Pixel AUROC over all pairs; see the module comment for the approximation and its bound. */
export function pixelAuroc(pairs: Iterable<PixelPair>, opts: PixelAurocOptions = {}): PixelAurocResult {
  let range = opts.range;
  if (!range) {
    if ((pairs as unknown as Iterator<PixelPair>) === pairs[Symbol.iterator]()) {
      throw new StationFault(
        'invalid-input',
        'pixelAuroc: pass an array (the pairs are read twice to find the score range) or give opts.range',
      );
    }
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    let index = 0;
    for (const { map, mask } of pairs) {
      checkPair(map, mask, index++);
      for (const v of map.data) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
    if (index === 0) throw new StationFault('invalid-input', 'pixelAuroc: no images');
    if (!Number.isFinite(lo) || !Number.isFinite(hi)) {
      throw new StationFault('invalid-input', `pixelAuroc: maps hold non-finite scores (min ${lo}, max ${hi})`);
    }
    range = [lo, hi];
  }
  const acc = new PixelAurocAccumulator(range, opts.bins ?? DEFAULT_PIXEL_BINS);
  let index = 0;
  for (const { map, mask } of pairs) acc.add(map, mask, index++);
  if (index === 0) throw new StationFault('invalid-input', 'pixelAuroc: no images');
  return acc.result();
}
