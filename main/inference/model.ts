/**
 * The contract every inspection model kind fulfils (PatchCore, supervised patch classifier, ONNX detector),
 * so the pipeline, store and UI treat them alike.
 */
import type { ModelKind, ModelOutput, RawImage } from '../common/types.js';
import type { RegistrationConfig } from './registration.js';

/** Scores of the images a model was validated on; drives threshold tuning in the UI. */
export interface ValidationScore {
  readonly name: string;
  readonly score: number;
  /** 0 = good, 1 = defect. */
  readonly label: 0 | 1;
  readonly defectType?: string;
}

export interface ModelInfo {
  readonly id: string;
  readonly kind: ModelKind;
  /** Artifact format version; bumped when the on-disk layout changes. */
  readonly formatVersion: number;
  readonly backbone: string;
  readonly createdAt: string;
  readonly trainImages: number;
  /** Suggested threshold (score >= threshold is NG). */
  readonly defaultThreshold: number;
  /** Scores of held-out images, when the trainer had any. */
  readonly validation?: readonly ValidationScore[];
  readonly params: Readonly<Record<string, unknown>>;
}

export interface InferOptions {
  readonly threshold?: number;
}

export interface InspectionModel {
  readonly info: ModelInfo;
  /** Execution provider the model's ONNX sessions actually run on ('cpu', 'cuda', 'webgpu', ...). */
  readonly executionProvider: string;
  /** Channels the model looks at: 1 lets callers decode straight to gray (cheaper); default 3. */
  readonly inputChannels?: 1 | 3;
  /**
   * The registration the model starts with (PatchCore): a part read ahead is registered with it on the decode thread
   * (decodeImage's `register`) while the previous part is inspected, and infer() then skips that step.
   */
  readonly registration?: RegistrationConfig;
  /** `threshold` (default: info.defaultThreshold) decides which map regions become boxes. */
  infer(image: RawImage, opts?: InferOptions): Promise<ModelOutput>;
  dispose(): Promise<void>;
}
