/**
 * A trained PatchCore model: patch extractor + memory bank + nearest-neighbour search. Inference:
 * registration -> features -> NN distances of the part's patches -> image score (re-weighted) -> map -> boxes.
 */
import type { ModelOutput, RawImage } from '../../common/types.js';
import type { InspectionModel, ModelInfo } from '../model.js';
import type { ProviderName } from '../execution-provider.js';
import type { PatchCoreConfig } from './config.js';
import { PatchExtractor, foregroundRows, type PatchSet } from './patch-extractor.js';
import { NearestNeighbourSearch } from './nn-graph.js';
import { reweightedScore } from './scoring.js';
import { anomalyMap, boxesFromMap } from './anomaly-map.js';

export interface MemoryBank {
  /** [count, dim] row-major. */
  readonly features: Float32Array;
  readonly count: number;
  readonly dim: number;
}

export interface PatchScores {
  /** [h*w]; background patches 0. */
  readonly patchScores: Float32Array;
  /** Image score s (re-weighted). */
  readonly score: number;
  /** Unweighted s*, the largest patch distance. */
  readonly maxDistance: number;
}

export class PatchCoreModel implements InspectionModel {
  constructor(
    public info: ModelInfo,
    readonly config: PatchCoreConfig,
    readonly extractor: PatchExtractor,
    readonly bank: MemoryBank,
    readonly nn: NearestNeighbourSearch,
  ) {}

  static async create(info: ModelInfo, config: PatchCoreConfig, extractor: PatchExtractor, bank: MemoryBank): Promise<PatchCoreModel> {
    const nn = await NearestNeighbourSearch.create(bank.features, bank.count, bank.dim, extractor.executionProvider);
    return new PatchCoreModel(info, config, extractor, bank, nn);
  }

  get executionProvider(): ProviderName {
    return this.extractor.executionProvider;
  }

  /** Scores the foreground patches of one image against the bank. */
  async scorePatches(ps: PatchSet): Promise<PatchScores> {
    const { rows, index } = foregroundRows(ps);
    const patchScores = new Float32Array(ps.h * ps.w);
    if (index.length === 0) return { patchScores, score: 0, maxDistance: 0 };
    const { dist, idx } = await this.nn.search(rows, index.length, 1);
    let best = 0;
    for (let i = 0; i < index.length; i++) {
      patchScores[index[i]!] = dist[i]!;
      if (dist[i]! > dist[best]!) best = i;
    }
    const sStar = dist[best]!;
    const score = reweightedScore(
      rows.subarray(best * ps.dim, (best + 1) * ps.dim),
      this.bank.features, this.bank.count, this.bank.dim, idx[best]!, sStar, this.config.reweightNeighbours,
    );
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
    const boxes = scored.score >= threshold ? boxesFromMap(map, threshold, this.config.mapScale) : [];
    const t2 = performance.now();
    return { score: scored.score, map, boxes, timings: { ...ps.timings, score: t1 - t0, map: t2 - t1 } };
  }

  async dispose(): Promise<void> {
    await Promise.all([this.extractor.dispose(), this.nn.dispose()]);
  }
}
