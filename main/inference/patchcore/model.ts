/**
 * A trained PatchCore model: patch extractor + memory bank + nearest-neighbour search. Inference:
 * registration -> features -> NN distances of the part's patches -> image score (re-weighted) -> map -> boxes.
 */
import type { ModelOutput, RawImage } from '../../common/types.js';
import type { InspectionModel, ModelInfo } from '../model.js';
import type { ProviderName } from '../execution-provider.js';
import type { RegistrationConfig } from '../registration.js';
import type { PatchCoreConfig } from './config.js';
import { PatchExtractor, foregroundRows, type PatchSet } from './patch-extractor.js';
import { NearestNeighbourSearch } from './nn-graph.js';
import { BankNeighbourhoods, imageScore, scoreNeeds } from './scoring.js';
import { anomalyMap, verdictBoxes } from './anomaly-map.js';
import { WindowedSearch } from './position-window.js';
import { columnWeight } from './patch-extractor.js';
import { ColumnWindowSearch } from './column-search.js';

export interface MemoryBank {
  /** [count, dim] row-major. */
  readonly features: Float32Array;
  readonly count: number;
  readonly dim: number;
}

export interface PatchScores {
  /** [h*w]; background patches 0. */
  readonly patchScores: Float32Array;
  /** Image score s: s* re-weighted, or the mean of the top scoreTopFraction of the patch distances. */
  readonly score: number;
  /** Unweighted s*, the largest patch distance. */
  readonly maxDistance: number;
}

/**
 * Size of the coarse bank used to prune the exact search: the first rows of the bank, which the greedy coreset
 * stored in selection order, so they are themselves a k-center cover of the whole bank.
 */
export function coarseSize(count: number): number {
  return count <= 2048 ? 0 : Math.max(512, Math.ceil(count / 8));
}

/** Patches whose coarse distance is below this fraction of the threshold are not searched exactly (measured on screws: ~8 % of patches are then searched in the full bank). */
const PRUNE_FRACTION = 0.75;

export class PatchCoreModel implements InspectionModel {
  constructor(
    public info: ModelInfo,
    readonly config: PatchCoreConfig,
    readonly extractor: PatchExtractor,
    readonly bank: MemoryBank,
    readonly nn: NearestNeighbourSearch,
    /** Search over the first rows of the bank; null for small banks, searched exactly, and with a position window. */
    private readonly coarse: NearestNeighbourSearch | null,
    /** Exact search inside the position window, one run per image (config.positionWindow > 0); null = K-NN + fallback. */
    private readonly column: ColumnWindowSearch | null = null,
  ) {
    this.neighbourhoods = new BankNeighbourhoods(bank.features, bank.count, bank.dim, config.reweightNeighbours);
    if (config.positionWindow > 0) {
      const w = columnWeight(config);
      this.windowed = new WindowedSearch(nn, bank.features, bank.count, bank.dim, config.positionWindow, w);
      if (coarse) this.windowedCoarse = new WindowedSearch(coarse, bank.features, coarse.size, bank.dim, config.positionWindow, w);
    }
  }

  /** N_b(m*) of the image score's re-weighting, per m* met so far (the bank never changes in a model). */
  private readonly neighbourhoods: BankNeighbourhoods;

  /** The position-restricted searches (config.positionWindow > 0), over the whole bank and over the coarse cover. */
  private readonly windowed: WindowedSearch | null = null;
  private readonly windowedCoarse: WindowedSearch | null = null;

  /** Exact nearest bank patch of each row, inside its position window when there is one (no pruning). */
  nearestInBank(rows: Float32Array, n: number): Promise<{ dist: Float32Array; idx: Int32Array }> {
    return this.column ? this.inWindow(rows, n) : this.find('full', rows, n);
  }

  /**
   * The column search; a row whose window holds no bank patch (the part reaches columns no training part did) gets
   * what the K-nearest search gives it (its K-th neighbour anywhere, a lower bound).
   */
  private async inWindow(rows: Float32Array, n: number): Promise<{ dist: Float32Array; idx: Int32Array }> {
    const r = await this.column!.search(rows, n);
    const missing: number[] = [];
    for (let i = 0; i < n; i++) if (r.idx[i]! < 0) missing.push(i);
    if (missing.length > 0) await this.searchRows(rows, missing, r);
    return r;
  }

  /** Searches rows `pick` of `rows` in the whole bank (inside the window, if any) and writes the answers into `out` at those rows. */
  private async searchRows(rows: Float32Array, pick: readonly number[], out: { dist: Float32Array; idx: Int32Array }): Promise<void> {
    const dim = this.bank.dim;
    const q = new Float32Array(pick.length * dim);
    pick.forEach((r, j) => q.set(rows.subarray(r * dim, (r + 1) * dim), j * dim));
    const found = await this.find('full', q, pick.length);
    pick.forEach((r, j) => {
      out.dist[r] = found.dist[j]!;
      out.idx[r] = found.idx[j]!;
    });
  }

  /** Nearest bank patch of each row (inside its position window when there is one). */
  private find(which: 'full' | 'coarse', rows: Float32Array, n: number): Promise<{ dist: Float32Array; idx: Int32Array }> {
    const w = which === 'full' ? this.windowed : this.windowedCoarse;
    if (w) return w.search(rows, n);
    return (which === 'full' ? this.nn : this.coarse!).search(rows, n, 1);
  }

  static async create(info: ModelInfo, config: PatchCoreConfig, extractor: PatchExtractor, bank: MemoryBank): Promise<PatchCoreModel> {
    const ep = extractor.executionProvider;
    const nn = await NearestNeighbourSearch.create(bank.features, bank.count, bank.dim, ep);
    if (config.positionWindow > 0) {
      // The window is a twelfth of the bank: searching it exactly costs less than pruning with a coarse cover.
      const column = await ColumnWindowSearch.create(bank.features, bank.count, bank.dim, config.positionWindow, columnWeight(config), ep);
      return new PatchCoreModel(info, config, extractor, bank, nn, null, column);
    }
    const k = coarseSize(bank.count);
    const coarse = k ? await NearestNeighbourSearch.create(bank.features.subarray(0, k * bank.dim), k, bank.dim, ep) : null;
    return new PatchCoreModel(info, config, extractor, bank, nn, coarse);
  }

  /**
   * Nearest-neighbour distances of `n` query rows, exact where it can matter.
   * A coarse bank C ⊂ M gives an upper bound d_C(q) >= d_M(q) for every patch. Patches are searched in M when
   * their bound reaches PRUNE_FRACTION x threshold (they may colour the map strongly or make boxes), and then every patch
   * whose bound reaches the k-th largest exact distance found, until none does. A pruned patch's exact distance is at
   * most its bound, below the k-th largest exact one, so the k largest distances (s* and its m* for k = 1) are
   * exact and the image score equals a full search. Pruned patches keep their bound (< 0.75 x threshold; on average 1.3 x their exact distance), so the map errs on the side of showing more, never less.
   * @param k how many of the largest distances the image score needs exactly
   * @returns dist [n] and idx [n] (idx is -1 for pruned patches)
   */
  private async nearest(rows: Float32Array, n: number, k: number): Promise<{ dist: Float32Array; idx: Int32Array }> {
    if (!this.coarse) return this.nearestInBank(rows, n);
    const { dist } = await this.find('coarse', rows, n);
    const idx = new Int32Array(n).fill(-1);
    const exact = new Uint8Array(n);
    const runExact = async (pick: number[]): Promise<void> => {
      await this.searchRows(rows, pick, { dist, idx });
      for (const r of pick) exact[r] = 1;
    };
    const tau = PRUNE_FRACTION * (this.info.defaultThreshold > 0 ? this.info.defaultThreshold : 0);
    let pick = [...dist.keys()].filter((i) => dist[i]! >= tau);
    // Always at least the patch with the largest bound, so there is an exact maximum to compare against.
    if (pick.length === 0) pick = [dist.reduce((b, v, i, a) => (v > a[b]! ? i : b), 0)];
    while (pick.length > 0) {
      await runExact(pick);
      const exactDist: number[] = [];
      for (let i = 0; i < n; i++) if (exact[i]) exactDist.push(dist[i]!);
      // The k-th largest exact distance (-Infinity while fewer than k are exact: every other patch is searched).
      const bar = exactDist.length >= k ? exactDist.sort((a, b) => b - a)[k - 1]! : -Infinity;
      pick = [];
      // >= so that a pruned patch can never tie with the k-th largest: the k largest are always exact.
      for (let i = 0; i < n; i++) if (!exact[i] && dist[i]! >= bar) pick.push(i);
    }
    return { dist, idx };
  }

  /** Registration and features work on gray levels. */
  readonly inputChannels = 1 as const;

  get registration(): RegistrationConfig {
    return this.config.registration;
  }

  get executionProvider(): ProviderName {
    return this.extractor.executionProvider;
  }

  /** Scores the foreground patches of one image against the bank. */
  async scorePatches(ps: PatchSet): Promise<PatchScores> {
    const { rows, index } = foregroundRows(ps);
    const patchScores = new Float32Array(ps.h * ps.w);
    if (index.length === 0) return { patchScores, score: 0, maxDistance: 0 };
    const { dist, idx } = await this.nearest(rows, index.length, scoreNeeds(index.length, this.config));
    let sStar = 0;
    for (let i = 0; i < index.length; i++) {
      patchScores[index[i]!] = dist[i]!;
      if (dist[i]! > sStar) sStar = dist[i]!;
    }
    const score = imageScore(rows, dist, idx, this.bank, this.config, this.neighbourhoods);
    return { patchScores, score, maxDistance: sStar };
  }

  async infer(image: RawImage, opts: { threshold?: number } = {}): Promise<ModelOutput> {
    const ps = await this.extractor.extract(image);
    const t0 = performance.now();
    const scored = await this.scorePatches(ps);
    const t1 = performance.now();
    const map = anomalyMap(
      scored.patchScores,
      ps,
      { width: ps.registered.image.width, height: ps.registered.image.height, toOriginal: ps.registered.toOriginal },
      image,
      { sigma: this.config.mapSigma, mapScale: this.config.mapScale },
    );
    const threshold = opts.threshold ?? this.info.defaultThreshold;
    const boxes = verdictBoxes(map, scored.score, threshold, this.config.mapScale);
    const t2 = performance.now();
    return { score: scored.score, map, boxes, timings: { ...ps.timings, score: t1 - t0, map: t2 - t1 } };
  }

  /** Releases the searches only: a model made from this one by an incremental bank update shares the extractor. */
  async disposeSearch(): Promise<void> {
    await Promise.all([this.nn.dispose(), this.coarse?.dispose(), this.column?.dispose()]);
  }

  async dispose(): Promise<void> {
    await Promise.all([this.extractor.dispose(), this.nn.dispose(), this.coarse?.dispose(), this.column?.dispose()]);
  }
}
