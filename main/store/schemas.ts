/**
 * Input validation at the store's API (zod). Everything a caller passes goes through `parse` here, so the
 * SQL layer only ever sees normalised values: trimmed ids, UTC ISO times with milliseconds, finite numbers.
 */
import { z } from 'zod';
import { StationFault } from '../common/result.js';

const MAX_TEXT = 4096;

export const idSchema = z.string().trim().min(1, 'must not be empty').max(200);
const textSchema = z.string().max(MAX_TEXT);
export const pathSchema = z.string().min(1, 'must not be empty').max(MAX_TEXT);

/** Any ISO-8601 date-time with offset, normalised to UTC with milliseconds so string order = time order. */
export const isoTimeSchema = z.iso
  .datetime({ offset: true, local: false })
  .transform((s) => new Date(s).toISOString());

const modelKindSchema = z.enum(['patchcore', 'supervised', 'detector']);
const verdictSchema = z.enum(['OK', 'NG', 'ERROR']);

/** A plain JSON object; values that JSON cannot represent are rejected by `toJson`. */
const jsonObjectSchema = z.record(z.string(), z.unknown());

const boxSchema = z.object({
  x: z.number(),
  y: z.number(),
  w: z.number().nonnegative(),
  h: z.number().nonnegative(),
  score: z.number(),
  label: z.string().max(200).optional(),
});

const annotationBoxSchema = z.object({
  x: z.number(),
  y: z.number(),
  w: z.number().nonnegative(),
  h: z.number().nonnegative(),
  label: z.string().trim().min(1, 'a label is required').max(200),
});

const lineIndexSchema = z.number().int().min(0).max(65535).nullable();

export const newProductSchema = z.object({
  id: idSchema.optional(),
  name: z.string().trim().min(1, 'must not be empty').max(200),
  description: textSchema.default(''),
  settings: jsonObjectSchema.default({}),
  lineIndex: lineIndexSchema.default(null),
});

export const productPatchSchema = z.object({
  name: z.string().trim().min(1).max(200).optional(),
  description: textSchema.optional(),
  activeModelId: idSchema.nullable().optional(),
  settings: jsonObjectSchema.optional(),
  archived: z.boolean().optional(),
  lineIndex: lineIndexSchema.optional(),
  lotName: z.string().trim().max(200).optional(),
});

// Audit trail and users (0008).
export const newAuditEntrySchema = z.object({
  actor: z.string().trim().min(1, 'an actor is required').max(200),
  action: z.string().trim().min(1, 'an action is required').max(100),
  target: z.string().max(500).default(''),
  old: z.unknown().optional(),
  new: z.unknown().optional(),
  reason: textSchema.default(''),
  productId: idSchema.nullable().default(null),
  at: isoTimeSchema.optional(),
});

export const auditQuerySchema = z.object({
  limit: z.number().int().min(1).max(10_000),
  order: z.enum(['newest', 'oldest']).default('newest'),
  beforeId: z.number().int().positive().optional(),
  afterId: z.number().int().nonnegative().optional(),
  actor: z.string().max(200).optional(),
  action: z.string().max(100).optional(),
  target: z.string().max(500).optional(),
  productId: idSchema.optional(),
  from: isoTimeSchema.optional(),
  to: isoTimeSchema.optional(),
});

const userRoleSchema = z.enum(['operator', 'engineer', 'administrator']);
const secretKindSchema = z.enum(['password', 'pin']);
export const userNameSchema = z
  .string()
  .trim()
  .min(1, 'a user name is required')
  .max(64)
  .regex(/^[\p{L}\p{N}._@-]+$/u, 'letters, digits and . _ @ - only');

export const newUserSchema = z.object({
  name: userNameSchema,
  displayName: z.string().trim().max(200).default(''),
  role: userRoleSchema,
  secretKind: secretKindSchema,
  secretHash: z.string().startsWith('scrypt$').max(1000),
});

export const userPatchSchema = z.object({
  displayName: z.string().trim().max(200).optional(),
  role: userRoleSchema.optional(),
  secretKind: secretKindSchema.optional(),
  secretHash: z.string().startsWith('scrypt$').max(1000).optional(),
  failedAttempts: z.number().int().min(0).optional(),
  lockedUntil: isoTimeSchema.nullable().optional(),
  disabled: z.boolean().optional(),
  lastLoginAt: isoTimeSchema.nullable().optional(),
});

export const newModelSchema = z.object({
  id: idSchema.optional(),
  kind: modelKindSchema,
  productId: idSchema,
  name: z.string().max(200).default(''),
  artifactPath: pathSchema,
  backbone: z.string().trim().min(1).max(200),
  createdAt: isoTimeSchema.optional(),
  trainInfo: jsonObjectSchema.default({}),
  metrics: jsonObjectSchema.nullable().default(null),
});

export const modelPatchSchema = z.object({
  name: z.string().max(200).optional(),
  artifactPath: pathSchema.optional(),
  trainInfo: jsonObjectSchema.optional(),
  metrics: jsonObjectSchema.nullable().optional(),
});

export const modelFilterSchema = z.object({
  productId: idSchema.optional(),
  kind: modelKindSchema.optional(),
});

export const newDatasetSchema = z.object({
  id: idSchema.optional(),
  name: z.string().max(200).default(''),
  productId: idSchema.nullable().default(null),
  path: pathSchema,
  manifest: jsonObjectSchema.default({}),
  createdAt: isoTimeSchema.optional(),
});

export const datasetPatchSchema = z.object({
  name: z.string().max(200).optional(),
  path: pathSchema.optional(),
  manifest: jsonObjectSchema.optional(),
});

export const newInspectionSchema = z.object({
  time: isoTimeSchema.optional(),
  sourceId: idSchema,
  sourceName: z.string().max(200).default(''),
  productId: idSchema,
  modelId: idSchema,
  score: z.number(),
  threshold: z.number(),
  verdict: verdictSchema,
  boxes: z.array(boxSchema).max(10_000).default([]),
  framePath: pathSchema.nullable().default(null),
  heatmapPath: pathSchema.nullable().default(null),
  latencyMs: z.number().nonnegative(),
  executionProvider: z.string().trim().min(1).max(100),
  partId: z.string().max(200).default(''),
  lotName: z.string().max(200).default(''),
  productIndex: z.number().int().min(0).default(0),
  errorCode: z.number().int().min(0).default(0),
  errorMessage: z.string().max(2000).nullable().default(null),
  cameraFrameId: z.number().int().min(0).nullable().default(null),
  cameraTimestampNs: z.string().regex(/^\d{1,20}$/).nullable().default(null),
});

export const newLinePartSchema = z.object({
  sourceKey: z.string().min(1).max(4200),
  partKey: z.string().min(1).max(4200),
  partId: z.string().max(200),
  sourceName: z.string().max(200).default(''),
  path: pathSchema,
  spooled: z.boolean().default(false),
  origin: z.string().max(100).default(''),
  productIndex: z.number().int().min(0).default(0),
  lotName: z.string().max(200).default(''),
});

const rowId = z.number().int().nonnegative();

export const inspectionFilterSchema = z.object({
  from: isoTimeSchema.optional(),
  to: isoTimeSchema.optional(),
  verdict: verdictSchema.optional(),
  modelId: idSchema.optional(),
  productId: idSchema.optional(),
  sourceId: idSchema.optional(),
  beforeId: rowId.optional(),
  afterId: rowId.optional(),
});

export const inspectionQuerySchema = inspectionFilterSchema.extend({
  limit: z.number().int().min(1).max(10_000),
  order: z.enum(['newest', 'oldest']).default('newest'),
  after: z.object({ time: isoTimeSchema, id: rowId }).optional(),
});

const scopeSchema = z.union([
  z.strictObject({ productId: idSchema }),
  z.strictObject({ modelId: idSchema }),
]);
export const thresholdScopeSchema = scopeSchema;

const changeFields = {
  value: z.number(),
  who: z.string().trim().min(1, 'who changed it is required').max(200),
  why: z.string().trim().min(1, 'a reason is required').max(MAX_TEXT),
};
export const thresholdChangeSchema = z.union([
  z.strictObject({ productId: idSchema, ...changeFields }),
  z.strictObject({ modelId: idSchema, ...changeFields }),
]);

const imageScoreSchema = z.looseObject({
  path: pathSchema,
  score: z.number(),
  label: z.string().max(200).optional(),
});

export const newEvaluationSchema = z.object({
  modelId: idSchema,
  datasetId: idSchema.nullable().default(null),
  metrics: jsonObjectSchema,
  perImage: z.array(imageScoreSchema),
  createdAt: isoTimeSchema.optional(),
});

export const evaluationFilterSchema = z.object({
  modelId: idSchema.optional(),
  datasetId: idSchema.optional(),
});

export const newAnnotationSchema = z.object({
  imagePath: pathSchema,
  datasetId: idSchema.nullable().default(null),
  boxes: z.array(annotationBoxSchema).max(10_000),
});

export const annotationFilterSchema = z.object({ datasetId: idSchema.optional() });

/** Validates `value`; a failure becomes StationFault('invalid-input') naming the argument and the field. */
export function parse<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issues = r.error.issues
    .slice(0, 3)
    .map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
  throw new StationFault('invalid-input', `invalid ${what}: ${issues}`);
}

/** JSON text for a column; rejects values JSON cannot hold (cycles, BigInt) instead of storing something else. */
export function toJson(value: unknown, what: string): string {
  try {
    const s = JSON.stringify(value);
    if (typeof s !== 'string') throw new Error('not representable as JSON');
    return s;
  } catch (e) {
    throw new StationFault('invalid-input', `invalid ${what}: ${(e as Error).message}`);
  }
}
