/**
 * The supervised defect model at inference: backbone patch features -> patch classifier -> probability map
 * at original resolution, boxes and an image score (peak of the smoothed map). Implements InspectionModel.
 */
import type { ModelOutput, RawImage } from '../../common/types.js';
import type { InspectionModel, ModelInfo } from '../model.js';
import { predict, type ClassifierParams } from './classifier.js';
import type { FeatureExtractor, FeatureGrid } from './features.js';
import { probabilitiesToOutput } from './score-map.js';

/** 2: model.json carries a checksum of itself (format 1 has none and still loads). */
export const SUPERVISED_FORMAT_VERSION = 2;

/** What the supervised model needs besides the classifier weights; stored in ModelInfo.params. */
export interface SupervisedParams {
  readonly layers: readonly string[];
  readonly inputSize: number;
  /** Gaussian sigma, in grid cells, applied to the probability grid before the score and boxes. */
  readonly sigma: number;
  /** Map value above which pixels form boxes. */
  readonly boxThreshold: number;
  /** Class name put on boxes. */
  readonly label: string;
  readonly hidden: number;
  readonly dims: number;
  readonly [k: string]: unknown;
}

export class SupervisedModel implements InspectionModel {
  constructor(
    readonly info: ModelInfo,
    readonly classifier: ClassifierParams,
    private readonly extractor: FeatureExtractor,
  ) {}

  get params(): SupervisedParams {
    return this.info.params as unknown as SupervisedParams;
  }

  get executionProvider(): string {
    return this.extractor.executionProvider;
  }

  /** Per-cell probabilities of a feature grid. */
  cellProbabilities(grid: FeatureGrid): Float32Array {
    return predict(this.classifier, grid.data, grid.width * grid.height);
  }

  async infer(image: RawImage): Promise<ModelOutput> {
    const t0 = performance.now();
    const grid = await this.extractor.extract(image);
    const t1 = performance.now();
    const probs = this.cellProbabilities(grid);
    const t2 = performance.now();
    const p = this.params;
    const out = probabilitiesToOutput(probs, grid.width, grid.height, image.width, image.height, {
      sigma: p.sigma,
      boxThreshold: p.boxThreshold,
      label: p.label,
    });
    const t3 = performance.now();
    return { ...out, timings: { backbone: t1 - t0, classifier: t2 - t1, postprocess: t3 - t2 } };
  }

  /** Score from an already extracted grid (training-time validation; same numbers as infer). */
  scoreGrid(grid: FeatureGrid): number {
    const out = probabilitiesToOutput(this.cellProbabilities(grid), grid.width, grid.height, grid.width, grid.height, {
      sigma: this.params.sigma,
      boxThreshold: 2, // no boxes needed
      label: this.params.label,
    });
    return out.score;
  }

  async dispose(): Promise<void> {
    await this.extractor.dispose();
  }
}
