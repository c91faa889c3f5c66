/**
 * Training glue for PatchCore: runs the patch extractor over the normal images, subsamples the memory bank
 * with the greedy coreset, and calibrates a default threshold from leave-one-image-out scores of the
 * training images (each patch is matched only against bank patches of *other* images), so no defect
 * images are needed to get a sensible starting threshold.
 */
import { randomUUID } from 'node:crypto';
import type { ProgressFn } from '../../common/types.js';
import { StationFault } from '../../common/result.js';
import { loadImage, scoreLabelled, sourceLabel as label, type ImageSource, type LabelledImage } from '../validation.js';
import type { ModelInfo } from '../model.js';
import type { ProviderName } from '../execution-provider.js';
import { DEFAULT_PATCHCORE_CONFIG, resolveBackboneId, resolveConfig, type DeepPartial, type PatchCoreConfig } from './config.js';
import { readBackboneManifest } from '../backbone/loader.js';
import { PatchExtractor, foregroundRows } from './patch-extractor.js';
import { greedyCoresetOnnx } from './coreset-graph.js';
import { PatchCoreModel, type MemoryBank } from './model.js';
import { NearestNeighbourSearch } from './nn-graph.js';
import { imageScore } from './scoring.js';
import { WindowedSearch } from './position-window.js';
import { columnWeight } from './patch-extractor.js';
import { DEFAULT_TARGET_FALSE_REJECT_RATE, fitGoodScores, thresholdForFalseRejectRate } from '../../evaluation/threshold-rule.js';
import { PATCHCORE_FORMAT_VERSION } from './artifact.js';

export interface TrainPatchCoreOptions {
  /** Normal images only. */
  readonly images: readonly ImageSource[];
  readonly config?: DeepPartial<PatchCoreConfig>;
  readonly id?: string;
  /** Held-out images scored after training, stored as the model's validation scores (threshold tuning). */
  readonly validation?: readonly LabelledImage[];
  readonly onProgress?: ProgressFn;
  readonly signal?: AbortSignal;
  readonly provider?: ProviderName;
  /** False-reject rate the default threshold aims at (default 1 %), estimated from held-out good scores. */
  readonly targetFalseRejectRate?: number;
}

export interface TrainReport {
  readonly skipped: { source: string; reason: string }[];
  readonly candidatePatches: number;
  readonly bankSize: number;
  readonly trainScores: number[];
  readonly seconds: number;
}

function checkAbort(signal?: AbortSignal): void {
  if (signal?.aborted) throw new StationFault('cancelled', 'training cancelled');
}

export async function trainPatchCore(opts: TrainPatchCoreOptions): Promise<{ model: PatchCoreModel; report: TrainReport }> {
  const started = performance.now();
  const backbone = resolveBackboneId(opts.config?.backbone ?? DEFAULT_PATCHCORE_CONFIG.backbone);
  const { manifest } = await readBackboneManifest(backbone);
  const config = resolveConfig(opts.config, manifest.recommendedLayers ?? [manifest.features[0]!.name]);
  if (opts.images.length === 0) throw new StationFault('invalid-input', 'no training images: PatchCore needs at least one normal image');
  const extractor = await PatchExtractor.create(config, opts.provider);
  try {
    const total = opts.images.length;
    const perImage: Float32Array[] = [];
    // Each image's coreset candidates: its patches, or with thread-phase copies (config.phaseShifts) its patches and
    // copies thinned to as many rows; copies are never scored.
    const candidateRows: Float32Array[][] = [];
    const skipped: { source: string; reason: string }[] = [];
    for (const [i, src] of opts.images.entries()) {
      checkAbort(opts.signal);
      opts.onProgress?.({ stage: 'features', done: i, total, message: label(src) });
      try {
        const img = await loadImage(src);
        let own = foregroundRows(await extractor.extract(img)).rows;
        if (config.mirrorBank) {
          // The part mirrored across its axis joins the bank as patches of the same image (left out together).
          const mirrored = foregroundRows(await extractor.extract(img, { mirror: true })).rows;
          const both = new Float32Array(own.length + mirrored.length);
          both.set(own);
          both.set(mirrored, own.length);
          own = both;
        }
        const copies: Float32Array[] = [];
        for (const shift of config.phaseShifts) copies.push(foregroundRows(await extractor.extract(img, { shift })).rows);
        // With copies: thinned back to as many rows as the image has (all copies as coreset candidates took 12-21 s
        // to train 20 images; README, Results).
        const candidates = copies.length ? [await thinToCover([own, ...copies], own.length / extractor.dim, extractor.dim, config, extractor.executionProvider)] : [own];
        perImage.push(own);
        candidateRows.push(candidates);
      } catch (e) {
        if (e instanceof StationFault && (e.kind === 'corrupt-image' || e.kind === 'invalid-input' || e.kind === 'not-found')) {
          skipped.push({ source: label(src), reason: e.message });
          continue;
        }
        throw e;
      }
    }
    if (perImage.length === 0) throw new StationFault('invalid-input', `none of the ${total} training images could be used: ${skipped.map((s) => s.reason).join('; ')}`);
    opts.onProgress?.({ stage: 'features', done: total, total });

    const dim = extractor.dim;
    const n = perImage.reduce((s, r) => s + r.length / dim, 0);
    // Candidates: every image's patches, then its phase copies (same source image: left out together).
    const candidates = candidateRows.flatMap((parts, i) => parts.map((r) => ({ rows: r, image: i })));
    const nAll = candidates.reduce((s, c) => s + c.rows.length / dim, 0);
    const all = new Float32Array(nAll * dim);
    const source = new Int32Array(nAll);
    let off = 0;
    for (const c of candidates) {
      all.set(c.rows, off * dim);
      source.fill(c.image, off, off + c.rows.length / dim);
      off += c.rows.length / dim;
    }

    checkAbort(opts.signal);
    opts.onProgress?.({ stage: 'coreset', done: 0, total: 1, message: `${nAll} candidate patches` });
    // The bank size follows the unshifted patches, so phase copies change what is kept, not how much is searched.
    const count = Math.max(1, Math.min(config.coreset.max, Math.ceil(config.coreset.ratio * n)));
    const chosen = await greedyCoresetOnnx(all, nAll, dim, count, {
      projectionDim: config.coreset.projectionDim,
      seed: config.coreset.seed,
      signal: opts.signal,
      provider: extractor.executionProvider,
      onProgress: (done, total) => opts.onProgress?.({ stage: 'coreset', done, total, message: `${nAll} candidate patches` }),
    });
    const bankFeatures = new Float32Array(chosen.length * dim);
    const bankSource = new Int32Array(chosen.length);
    chosen.forEach((row, k) => {
      bankFeatures.set(all.subarray(row * dim, (row + 1) * dim), k * dim);
      bankSource[k] = source[row]!;
    });
    const bank: MemoryBank = { features: bankFeatures, count: chosen.length, dim };
    opts.onProgress?.({ stage: 'coreset', done: count, total: count, message: `bank of ${bank.count}` });

    // Leave-one-image-out scores of the training images, for the default threshold.
    checkAbort(opts.signal);
    const trainScores = await leaveOneOutScores(perImage, bank, bankSource, config, extractor.executionProvider);
    const { mean, std } = fitGoodScores(trainScores);
    const targetFalseRejectRate = opts.targetFalseRejectRate ?? DEFAULT_TARGET_FALSE_REJECT_RATE;
    // Normal images scored without their own patches estimate the scores of new good parts: the threshold is
    // set where a normal fit to them expects `targetFalseRejectRate` false rejects (see threshold-rule.ts).
    // One image: its patches' nearest *other* patch of the same image is about half as far as a new part's
    // (4.2 vs 7.9-8.4 on the MVTec screws), hence the factor 2; better than 0 (every part NG), still a rough start.
    const defaultThreshold = perImage.length < 2 ? 2 * Math.max(...trainScores) : thresholdForFalseRejectRate(trainScores, targetFalseRejectRate);

    const info: ModelInfo = {
      id: opts.id ?? `patchcore-${new Date().toISOString().replace(/[:.]/g, '-')}-${randomUUID().slice(0, 6)}`,
      kind: 'patchcore',
      formatVersion: PATCHCORE_FORMAT_VERSION,
      backbone: extractor.backbone.manifest.id,
      createdAt: new Date().toISOString(),
      trainImages: perImage.length,
      defaultThreshold,
      params: { config, bankSize: bank.count, candidatePatches: n, trainScoreMean: mean, trainScoreStd: std, trainScoreCount: trainScores.length, targetFalseRejectRate },
    };
    const model = await PatchCoreModel.create(info, config, extractor, bank);
    if (opts.validation?.length) {
      const validation = await scoreLabelled(model, opts.validation, opts.onProgress, opts.signal);
      model.info = { ...model.info, validation };
    }
    return {
      model,
      report: { skipped, candidatePatches: n, bankSize: bank.count, trainScores, seconds: (performance.now() - started) / 1000 },
    };
  } catch (e) {
    await extractor.dispose();
    throw e;
  }
}

/**
 * One image's patches and phase copies thinned to `count` rows by the same greedy k-center: the bank's coreset then
 * sees as many candidates as without copies (its cost grows with candidates x picks, and faster than that once the
 * projected rows leave the cache: with two copies as candidates, 20 images took 12 s to train instead of 4).
 */
async function thinToCover(parts: Float32Array[], count: number, dim: number, config: PatchCoreConfig, provider: ProviderName): Promise<Float32Array> {
  const n = parts.reduce((s, p) => s + p.length / dim, 0);
  const all = new Float32Array(n * dim);
  let off = 0;
  for (const p of parts) { all.set(p, off); off += p.length; }
  const picks = await greedyCoresetOnnx(all, n, dim, Math.max(1, count), { projectionDim: config.coreset.projectionDim, seed: config.coreset.seed, provider });
  const out = new Float32Array(picks.length * dim);
  picks.forEach((row, k) => out.set(all.subarray(row * dim, (row + 1) * dim), k * dim));
  return out;
}

async function leaveOneOutScores(
  perImage: Float32Array[],
  bank: MemoryBank,
  bankSource: Int32Array,
  config: PatchCoreConfig,
  provider: ProviderName,
): Promise<number[]> {
  // With one image there is no other image to hold out against: each patch is matched against the nearest
  // *different* bank patch instead (itself excluded), still a pessimistic estimate, never 0.
  const single = perImage.length < 2;
  const nn = await NearestNeighbourSearch.create(bank.features, bank.count, bank.dim, provider);
  const windowed = config.positionWindow > 0 ? new WindowedSearch(nn, bank.features, bank.count, bank.dim, config.positionWindow, columnWeight(config)) : null;
  try {
    const k = Math.min(bank.count, 32);
    const scores: number[] = [];
    for (const [img, rows] of perImage.entries()) {
      const q = rows.length / bank.dim;
      if (q === 0) continue;
      if (windowed && !single) {
        // The nearest bank patch of another image inside the patch's position window, as inspection searches.
        const w = await windowed.search(rows, q, (m) => bankSource[m] === img);
        scores.push(imageScore(rows, w.dist, w.idx, bank, config));
        continue;
      }
      const { dist, idx } = await nn.search(rows, q, k);
      const own = new Float32Array(q);
      const ownIdx = new Int32Array(q);
      for (let i = 0; i < q; i++) {
        // Nearest bank patch from another image (one image: another patch); if all k fail that, the k-th is a safe upper bound.
        let j = 0;
        while (j < k - 1 && (single ? dist[i * k + j]! <= 1e-6 : bankSource[idx[i * k + j]!] === img)) j++;
        own[i] = dist[i * k + j]!;
        ownIdx[i] = idx[i * k + j]!;
      }
      scores.push(imageScore(rows, own, ownIdx, bank, config));
    }
    return scores;
  } finally {
    await nn.dispose();
  }
}

