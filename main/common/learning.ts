/**
 * Learning on the line as the API carries it (issue 12): feedback on inspected parts, "learn as good", immutable
 * model versions, shadow mode before promotion. Pure: shared by the engine and the screens.
 */
import { z } from 'zod';

export const FeedbackBoxSchema = z.object({ x: z.number().finite(), y: z.number().finite(), width: z.number().positive(), height: z.number().positive() });

export const FeedbackRequestSchema = z
  .object({
    inspectionId: z.number().int().positive(),
    label: z.enum(['good', 'defect', 'unsure']),
    /** defect only: 'confirmed' (the NG was right) or 'missed' (an OK part was a defect). Default from the verdict. */
    defectKind: z.enum(['confirmed', 'missed']).optional(),
    /** Where the defect is, in original image pixels. */
    box: FeedbackBoxSchema.optional(),
    note: z.string().max(2000).default(''),
  });

export const LearnGoodRequestSchema = z.object({
  inspectionId: z.number().int().positive(),
  reason: z.string().max(2000).default(''),
  /** The second confirmation a part scoring far above the threshold needs. */
  confirmFar: z.boolean().default(false),
});

export const ActivateVersionSchema = z.object({ modelId: z.string().min(1).max(200), reason: z.string().max(2000).default('') });
export const PromoteSchema = ActivateVersionSchema.extend({
  /** Promote although the candidate lets validation defects escape that the active version catches. */
  acceptEscapes: z.boolean().default(false),
});

/** A part learned as good scoring at or above this multiple of the threshold needs a second confirmation. */
export const FAR_ABOVE_THRESHOLD = 1.5;

export interface FeedbackDto {
  readonly id: number;
  readonly at: string;
  readonly who: string;
  readonly productId: string;
  readonly inspectionId: number | null;
  readonly imagePath: string;
  readonly modelId: string | null;
  readonly score: number | null;
  readonly threshold: number | null;
  readonly label: 'good' | 'defect' | 'unsure';
  readonly defectKind: 'confirmed' | 'missed' | null;
  readonly box: z.infer<typeof FeedbackBoxSchema> | null;
  readonly note: string;
}

/** False rejects and escapes of one version on its validation set, at its threshold. */
export interface ValidationFigures {
  readonly good: number;
  readonly falseRejects: number;
  readonly defects: number;
  readonly escapes: number;
  readonly threshold: number;
}

export interface ModelVersionDto {
  readonly modelId: string;
  readonly name: string;
  readonly parentId: string | null;
  readonly change: 'train' | 'learn-good' | 'threshold' | 'import';
  readonly detail: Record<string, unknown>;
  readonly who: string;
  readonly why: string;
  readonly createdAt: string;
  readonly active: boolean;
  /** Running beside the active version on live parts. */
  readonly shadow: boolean;
  readonly threshold: number;
  readonly validation: ValidationFigures | null;
}

/** A live part both versions scored. Paths are media references like the log's. */
export interface ShadowPartDto {
  readonly inspectionId: number;
  readonly framePath: string | null;
  readonly activeModelId: string;
  readonly activeScore: number;
  readonly activeVerdict: string;
  readonly activeHeatmapPath: string | null;
  readonly candidateScore: number;
  readonly candidateVerdict: 'OK' | 'NG';
  readonly candidateHeatmapPath: string | null;
}

export interface ShadowStatus {
  readonly candidateId: string | null;
  readonly activeId: string | null;
  /** Live parts both versions decided, and how many of them alike. */
  readonly compared: number;
  readonly agreed: number;
  /** Parts the candidate did not score because the station was busy (the active version is never delayed). */
  readonly skipped: number;
  /** The latest parts where the verdicts differ (both heatmaps). */
  readonly differing: readonly ShadowPartDto[];
  readonly validation: { readonly active: ValidationFigures | null; readonly candidate: ValidationFigures | null };
}

export interface LearnResult {
  readonly modelId: string;
  readonly parentId: string;
  readonly added: number;
  readonly dropped: number;
  readonly bankSize: number;
  /** Bank update time (image decoded to the new model ready), and the validation set's scoring with both versions. */
  readonly learnMs: number;
  readonly validationMs: number;
  readonly scoreBefore: number;
  readonly scoreAfter: number;
  /** The threshold the new version keeps (its parent's). */
  readonly threshold: number;
  /** Patches of the part not added because they resemble a validation defect's scoring patches (protected). */
  readonly withheld: number;
}
