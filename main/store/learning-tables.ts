/**
 * SQL of learning on the line (migration 0010): model versions, feedback on inspected parts, shadow results.
 * Part of the store module; the store exposes it as `store.learning`.
 */
import type { Database } from 'better-sqlite3';
import { z } from 'zod';
import { StationFault } from '../common/result.js';
import { toStoreFault } from './faults.js';
import { parse, toJson } from './schemas.js';
import type { ThresholdHistoryEntry } from './interface.js';
import { toHistory, type HistoryRow } from './threshold-rows.js';

export type FeedbackLabel = 'good' | 'defect' | 'unsure';
export type VersionChange = 'train' | 'learn-good' | 'threshold' | 'import';

export interface FeedbackBox {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface FeedbackRecord {
  readonly id: number;
  readonly at: string;
  readonly who: string;
  readonly productId: string;
  readonly inspectionId: number | null;
  readonly imagePath: string;
  /** The model version that decided the part. */
  readonly modelId: string | null;
  readonly score: number | null;
  readonly threshold: number | null;
  readonly label: FeedbackLabel;
  /** defect only: 'confirmed' (an NG that was right) or 'missed' (an OK that was a defect). */
  readonly defectKind: 'confirmed' | 'missed' | null;
  readonly box: FeedbackBox | null;
  readonly note: string;
}

const idText = z.string().min(1).max(200);
const newFeedbackSchema = z.object({
  at: z.string().optional(),
  who: z.string().min(1).max(200),
  productId: idText,
  inspectionId: z.number().int().positive().nullable().default(null),
  imagePath: z.string().min(1).max(4096),
  modelId: idText.nullable().default(null),
  score: z.number().finite().nullable().default(null),
  threshold: z.number().finite().nullable().default(null),
  label: z.enum(['good', 'defect', 'unsure']),
  defectKind: z.enum(['confirmed', 'missed']).nullable().default(null),
  box: z.object({ x: z.number().finite(), y: z.number().finite(), width: z.number().positive(), height: z.number().positive() }).nullable().default(null),
  note: z.string().max(2000).default(''),
}).refine((f) => (f.label === 'defect') === (f.defectKind !== null), { message: "defectKind ('confirmed' or 'missed') is given exactly when label is 'defect'" });
export type NewFeedback = z.input<typeof newFeedbackSchema>;

export interface ModelVersionRecord {
  readonly modelId: string;
  readonly productId: string;
  readonly parentId: string | null;
  readonly change: VersionChange;
  readonly detail: Record<string, unknown>;
  readonly who: string;
  readonly why: string;
  readonly createdAt: string;
}

const newVersionSchema = z.object({
  modelId: idText,
  productId: idText,
  parentId: idText.nullable().default(null),
  change: z.enum(['train', 'learn-good', 'threshold', 'import']),
  detail: z.record(z.string(), z.unknown()).default({}),
  who: z.string().min(1).max(200),
  why: z.string().max(2000).default(''),
  createdAt: z.string().optional(),
});
export type NewModelVersion = z.input<typeof newVersionSchema>;

export interface ShadowResult {
  readonly id: number;
  readonly candidateId: string;
  readonly inspectionId: number;
  readonly score: number;
  readonly threshold: number;
  readonly verdict: 'OK' | 'NG';
  readonly heatmapPath: string | null;
  readonly at: string;
}

/** A shadow result beside the active version's decision of the same part. */
export interface ShadowComparison extends ShadowResult {
  readonly activeModelId: string;
  readonly activeScore: number;
  readonly activeVerdict: string;
  readonly activeHeatmapPath: string | null;
  readonly framePath: string | null;
}

export interface LearningStore {
  addFeedback(input: NewFeedback): FeedbackRecord;
  /** Newest first. */
  listFeedback(q?: { productId?: string; inspectionId?: number; label?: FeedbackLabel; limit?: number }): FeedbackRecord[];
  /** The latest 'defect' judgement of this image in this product, if any (guard rail: never learned as good). */
  confirmedDefect(productId: string, imagePath: string): FeedbackRecord | null;
  addModelVersion(input: NewModelVersion): ModelVersionRecord;
  getModelVersion(modelId: string): ModelVersionRecord | null;
  /** Newest first. */
  listModelVersions(productId: string): ModelVersionRecord[];
  addShadowResult(input: Omit<ShadowResult, 'id' | 'at'> & { at?: string }): ShadowResult;
  /** Newest first; `differing` keeps only parts where the verdicts differ. */
  listShadowResults(candidateId: string, opts?: { differing?: boolean; limit?: number }): ShadowComparison[];
  shadowCounts(candidateId: string): { compared: number; agreed: number };
  /**
   * A threshold change as a new immutable version, in one transaction: a model row like the parent's (same
   * artifact: only the threshold differs), its threshold history row (parent's value -> new value), the version row
   * (parent, change 'threshold', detail, who, why) and a copy of the parent's latest evaluation (same scores).
   */
  addThresholdVersion(input: NewThresholdVersion): { version: ModelVersionRecord; history: ThresholdHistoryEntry };
  /** Ids of the model rows whose artifact is `path` (threshold versions share their parent's). */
  modelsWithArtifact(path: string): string[];
}

const newThresholdVersionSchema = z.object({
  modelId: idText,
  parentId: idText,
  name: z.string().max(400),
  value: z.number().finite().min(0),
  detail: z.record(z.string(), z.unknown()).default({}),
  who: z.string().min(1).max(200),
  why: z.string().max(2000).default(''),
});
export type NewThresholdVersion = z.input<typeof newThresholdVersionSchema>;

interface FeedbackRow {
  id: number; at: string; who: string; product_id: string; inspection_id: number | null; image_path: string; model_id: string | null;
  score: number | null; threshold: number | null; label: FeedbackLabel; defect_kind: 'confirmed' | 'missed' | null; box: string | null; note: string;
}
const toFeedback = (r: FeedbackRow): FeedbackRecord => ({
  id: r.id, at: r.at, who: r.who, productId: r.product_id, inspectionId: r.inspection_id, imagePath: r.image_path, modelId: r.model_id,
  score: r.score, threshold: r.threshold, label: r.label, defectKind: r.defect_kind, box: r.box ? (JSON.parse(r.box) as FeedbackBox) : null, note: r.note,
});

interface VersionRow { model_id: string; product_id: string; parent_id: string | null; change: VersionChange; detail: string; who: string; why: string; created_at: string }
const toVersion = (r: VersionRow): ModelVersionRecord => ({
  modelId: r.model_id, productId: r.product_id, parentId: r.parent_id, change: r.change, detail: JSON.parse(r.detail) as Record<string, unknown>,
  who: r.who, why: r.why, createdAt: r.created_at,
});

const now = (): string => new Date().toISOString();

export class LearningTables implements LearningStore {
  constructor(
    private readonly db: Database,
    private readonly path: string,
  ) {}

  private guard<T>(doing: string, fn: () => T): T {
    if (!this.db.open) throw new StationFault('invalid-input', `${doing}: the store "${this.path}" is closed`);
    try {
      return fn();
    } catch (e) {
      if (e instanceof StationFault) throw e;
      if ((e as { code?: string }).code === 'SQLITE_CONSTRAINT_FOREIGNKEY') throw new StationFault('invalid-input', `${doing}: unknown product, model or inspection`);
      throw toStoreFault(e, this.path, doing);
    }
  }

  addFeedback(input: NewFeedback): FeedbackRecord {
    const f = parse(newFeedbackSchema, input, 'feedback');
    return this.guard('record feedback', () => {
      const at = f.at ?? now();
      const box = f.box ? toJson(f.box, 'feedback box') : null;
      const { lastInsertRowid } = this.db
        .prepare(`INSERT INTO feedback (at, who, product_id, inspection_id, image_path, model_id, score, threshold, label, defect_kind, box, note)
                  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
        .run(at, f.who, f.productId, f.inspectionId, f.imagePath, f.modelId, f.score, f.threshold, f.label, f.defectKind, box, f.note);
      return toFeedback(this.db.prepare('SELECT * FROM feedback WHERE id = ?').get(Number(lastInsertRowid)) as FeedbackRow);
    });
  }

  listFeedback(q: { productId?: string; inspectionId?: number; label?: FeedbackLabel; limit?: number } = {}): FeedbackRecord[] {
    return this.guard('list feedback', () => {
      const where: string[] = [];
      const params: unknown[] = [];
      const add = (sql: string, v: unknown): void => {
        if (v === undefined) return;
        where.push(sql);
        params.push(v);
      };
      add('product_id = ?', q.productId);
      add('inspection_id = ?', q.inspectionId);
      add('label = ?', q.label);
      const sql = `SELECT * FROM feedback ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
      return (this.db.prepare(sql).all(...params, Math.min(q.limit ?? 200, 10_000)) as FeedbackRow[]).map(toFeedback);
    });
  }

  confirmedDefect(productId: string, imagePath: string): FeedbackRecord | null {
    return this.guard('check feedback', () => {
      const r = this.db.prepare(`SELECT * FROM feedback WHERE product_id = ? AND image_path = ? AND label = 'defect' ORDER BY id DESC LIMIT 1`).get(productId, imagePath) as FeedbackRow | undefined;
      return r ? toFeedback(r) : null;
    });
  }

  addModelVersion(input: NewModelVersion): ModelVersionRecord {
    const v = parse(newVersionSchema, input, 'model version');
    return this.guard('record model version', () => {
      this.db
        .prepare(`INSERT INTO model_versions (model_id, product_id, parent_id, change, detail, who, why, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
        .run(v.modelId, v.productId, v.parentId, v.change, toJson(v.detail, 'version detail'), v.who, v.why, v.createdAt ?? now());
      return this.getModelVersion(v.modelId)!;
    });
  }

  getModelVersion(modelId: string): ModelVersionRecord | null {
    return this.guard('read model version', () => {
      const r = this.db.prepare('SELECT * FROM model_versions WHERE model_id = ?').get(modelId) as VersionRow | undefined;
      return r ? toVersion(r) : null;
    });
  }

  listModelVersions(productId: string): ModelVersionRecord[] {
    return this.guard('list model versions', () =>
      (this.db.prepare('SELECT * FROM model_versions WHERE product_id = ? ORDER BY created_at DESC, rowid DESC').all(productId) as VersionRow[]).map(toVersion),
    );
  }

  addShadowResult(input: Omit<ShadowResult, 'id' | 'at'> & { at?: string }): ShadowResult {
    return this.guard('record shadow result', () => {
      const at = input.at ?? now();
      const { lastInsertRowid } = this.db
        .prepare(`INSERT OR REPLACE INTO shadow_results (candidate_id, inspection_id, score, threshold, verdict, heatmap_path, at) VALUES (?, ?, ?, ?, ?, ?, ?)`)
        .run(input.candidateId, input.inspectionId, input.score, input.threshold, input.verdict, input.heatmapPath, at);
      return { ...input, id: Number(lastInsertRowid), at };
    });
  }

  listShadowResults(candidateId: string, opts: { differing?: boolean; limit?: number } = {}): ShadowComparison[] {
    return this.guard('list shadow results', () => {
      const rows = this.db
        .prepare(`SELECT s.*, i.model_id AS active_model_id, i.score AS active_score, i.verdict AS active_verdict,
                         i.heatmap_path AS active_heatmap_path, i.frame_path AS frame_path
                  FROM shadow_results s JOIN inspections i ON i.id = s.inspection_id
                  WHERE s.candidate_id = ? ${opts.differing ? 'AND s.verdict <> i.verdict' : ''}
                  ORDER BY s.inspection_id DESC LIMIT ?`)
        .all(candidateId, Math.min(opts.limit ?? 50, 1000)) as Record<string, unknown>[];
      return rows.map((r) => ({
        id: r['id'] as number, candidateId: r['candidate_id'] as string, inspectionId: r['inspection_id'] as number, score: r['score'] as number,
        threshold: r['threshold'] as number, verdict: r['verdict'] as 'OK' | 'NG', heatmapPath: (r['heatmap_path'] as string | null) ?? null, at: r['at'] as string,
        activeModelId: r['active_model_id'] as string, activeScore: r['active_score'] as number, activeVerdict: r['active_verdict'] as string,
        activeHeatmapPath: (r['active_heatmap_path'] as string | null) ?? null, framePath: (r['frame_path'] as string | null) ?? null,
      }));
    });
  }

  shadowCounts(candidateId: string): { compared: number; agreed: number } {
    return this.guard('count shadow results', () => {
      const r = this.db
        .prepare(`SELECT count(*) AS compared, coalesce(sum(s.verdict = i.verdict), 0) AS agreed
                  FROM shadow_results s JOIN inspections i ON i.id = s.inspection_id WHERE s.candidate_id = ?`)
        .get(candidateId) as { compared: number; agreed: number };
      return { compared: r.compared, agreed: r.agreed };
    });
  }

  addThresholdVersion(input: NewThresholdVersion): { version: ModelVersionRecord; history: ThresholdHistoryEntry } {
    const v = parse(newThresholdVersionSchema, input, 'threshold version');
    return this.guard('record threshold version', () =>
      this.db
        .transaction(() => {
          const parent = this.db.prepare('SELECT * FROM models WHERE id = ?').get(v.parentId) as Record<string, unknown> | undefined;
          if (!parent) throw new StationFault('not-found', `no model "${v.parentId}"`);
          const at = now();
          this.db
            .prepare(`INSERT INTO models (id, kind, product_id, name, artifact_path, backbone, created_at, train_info, metrics, threshold)
                      SELECT ?, kind, product_id, ?, artifact_path, backbone, ?, train_info, metrics, ? FROM models WHERE id = ?`)
            .run(v.modelId, v.name, at, v.value, v.parentId);
          const h = this.db
            .prepare(`INSERT INTO threshold_history (product_id, model_id, old_value, new_value, changed_at, who, why) VALUES (NULL, ?, ?, ?, ?, ?, ?) RETURNING *`)
            .get(v.modelId, parent['threshold'] as number | null, v.value, at, v.who, v.why) as HistoryRow;
          this.db
            .prepare(`INSERT INTO evaluations (model_id, dataset_id, metrics, per_image, image_count, created_at)
                      SELECT ?, dataset_id, metrics, per_image, image_count, created_at FROM evaluations WHERE model_id = ? ORDER BY id DESC LIMIT 1`)
            .run(v.modelId, v.parentId);
          this.db
            .prepare(`INSERT INTO model_versions (model_id, product_id, parent_id, change, detail, who, why, created_at) VALUES (?, ?, ?, 'threshold', ?, ?, ?, ?)`)
            .run(v.modelId, parent['product_id'] as string, v.parentId, toJson(v.detail, 'version detail'), v.who, v.why, at);
          const history = toHistory(h);
          return { version: this.getModelVersion(v.modelId)!, history };
        })
        .immediate(),
    );
  }

  modelsWithArtifact(path: string): string[] {
    return this.guard('find models by artifact', () =>
      (this.db.prepare('SELECT id FROM models WHERE artifact_path = ? ORDER BY id').all(path) as { id: string }[]).map((r) => r.id),
    );
  }
}
