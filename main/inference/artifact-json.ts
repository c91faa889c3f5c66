/**
 * The `model.json` of every model kind: read with errors that never quote the file, the common `info` fields
 * validated (a threshold is a finite, non-negative number), and a SHA-256 checksum over the document so a hand
 * edit or a torn write is refused at load, like the bank / weights files beside it.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { jsonSyntaxWhere } from '../common/json.js';
import { StationFault } from '../common/result.js';

/** Scores are distances or probabilities: never negative, never astronomically large. */
export const MAX_THRESHOLD = 1e6;

export const ValidationScoreSchema = z.object({
  name: z.string(),
  score: z.number().finite(),
  label: z.union([z.literal(0), z.literal(1)]),
  defectType: z.string().optional(),
});

/** The `info` fields every model kind shares (kind-specific params are checked by each kind). */
export const ModelInfoSchema = z.looseObject({
  id: z.string().min(1).max(200),
  kind: z.string().min(1),
  formatVersion: z.number().int().min(1),
  backbone: z.string(),
  createdAt: z.string(),
  trainImages: z.number().int().nonnegative(),
  defaultThreshold: z.number().finite().min(0).max(MAX_THRESHOLD),
  validation: z.array(ValidationScoreSchema).optional(),
  params: z.record(z.string(), z.unknown()),
});

/** SHA-256 (hex) of the document without its `checksum` field, as compact JSON in its own key order. */
export function documentChecksum(doc: Record<string, unknown>): string {
  const { checksum: _omit, ...rest } = doc;
  return createHash('sha256').update(JSON.stringify(rest)).digest('hex');
}

/** `doc` with its checksum added last. */
export function withChecksum<T extends Record<string, unknown>>(doc: T): T & { checksum: string } {
  return { ...doc, checksum: documentChecksum(doc) };
}

/** Parsed model.json; 'not-found' when missing, 'bad-model' when not JSON (the text is never quoted). */
export function readModelJson(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') throw new StationFault('not-found', `no model at ${path} (missing model.json)`);
    throw new StationFault('io', `cannot read ${path}: ${(e as { code?: string }).code ?? 'error'}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new StationFault('bad-model', `${path} is not valid JSON${jsonSyntaxWhere(e)}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new StationFault('bad-model', `${path} is not a model description (not a JSON object)`);
  return raw as Record<string, unknown>;
}

/** Refuses a document whose checksum is missing (when `required`) or does not match. */
export function verifyChecksum(doc: Record<string, unknown>, path: string, required: boolean): void {
  if (doc.checksum === undefined && !required) return;
  if (typeof doc.checksum !== 'string' || doc.checksum !== documentChecksum(doc)) {
    throw new StationFault('bad-model', `${path}: checksum mismatch: the model description was edited or damaged; retrain or restore the model`);
  }
}

/** First zod issue as "path: message". */
export function firstIssue(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    .join('; ');
}
