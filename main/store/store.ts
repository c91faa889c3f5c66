/**
 * The station's SQLite store: ALL SQL lives in this module, behind the StationStore interface (interface.ts),
 * like Signal Desktop's ts/sql/Server.ts. Synchronous better-sqlite3; run it in a worker thread.
 *
 * Durability. The database runs in WAL mode. A commit is durable against a process kill in both
 * `synchronous` settings: the commit frame is in the -wal file (OS page cache) before `run()` returns, and the
 * next open replays it. The difference is power loss / OS crash: with NORMAL the last commits since the
 * previous checkpoint may be lost; with FULL every commit fsyncs the WAL. Stations are switched off at the
 * mains at the end of a shift, and the inspection log is an audit record, so the default is FULL (one fsync
 * per commit: well under a millisecond on an SSD, far below the inspection rate). `durability: 'normal'` is
 * there for bulk imports and benchmarks.
 */
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { accessSync, closeSync, existsSync, constants as fsConstants, mkdirSync, openSync, readSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { StationFault } from '../common/result.js';
import type { Box, LogVerdict, ModelKind } from '../common/types.js';
import { toStoreFault } from './faults.js';
import { sqliteBindingOptions } from '../node/native-binding.js';
import type {
  AnnotationFilter,
  ArchiveResult,
  AuditEntry,
  AuditPage,
  AuditQuery,
  NewAuditEntry,
  NewUser,
  ProductSettings,
  UserPatch,
  UserRecord,
  AnnotationRecord,
  DatasetPatch,
  DatasetRecord,
  EvaluationFilter,
  EvaluationRecord,
  EvaluationSummary,
  InspectionFilter,
  InspectionPage,
  InspectionQuery,
  InspectionRecord,
  InspectionSummary,
  JsonObject,
  LinePart,
  LineProduct,
  MaintenanceResult,
  ModelFilter,
  ModelPatch,
  ModelRecord,
  NewAnnotation,
  NewDataset,
  NewEvaluation,
  NewInspection,
  NewLinePart,
  NewModel,
  NewProduct,
  Product,
  ProductPatch,
  ResolvedThreshold,
  StationStore,
  StoreOptions,
  MediaRow,
  MediaUsage,
  NgAcknowledgement,
  ThresholdChange,
  ThresholdHistoryEntry,
  ThresholdScope,
} from './interface.js';
import { LATEST_VERSION, migrate } from './migrations/index.js';
import { LearningTables, type LearningStore } from './learning-tables.js';
import { toHistory, type HistoryRow } from './threshold-rows.js';
import {
  annotationFilterSchema,
  auditQuerySchema,
  newAuditEntrySchema,
  newUserSchema,
  userNameSchema,
  userPatchSchema,
  datasetPatchSchema,
  evaluationFilterSchema,
  idSchema,
  inspectionFilterSchema,
  inspectionQuerySchema,
  isoTimeSchema,
  modelFilterSchema,
  modelPatchSchema,
  newAnnotationSchema,
  newDatasetSchema,
  newEvaluationSchema,
  newInspectionSchema,
  newLinePartSchema,
  newModelSchema,
  newProductSchema,
  parse,
  pathSchema,
  productPatchSchema,
  thresholdChangeSchema,
  thresholdScopeSchema,
  toJson,
} from './schemas.js';

type DB = Database.Database;
type Params = Record<string, unknown>;

const SQLITE_MAGIC = 'SQLite format 3\0';
const DEFAULT_BUSY_TIMEOUT_MS = 5000;

// ---------------------------------------------------------------- rows (snake_case, as stored)

interface ProductRow {
  id: string;
  name: string;
  description: string;
  active_model_id: string | null;
  threshold: number | null;
  created_at: string;
  updated_at: string;
  settings: string;
  archived_at: string | null;
  line_index: number | null;
  lot_name: string;
}
interface AuditRow {
  id: number;
  at: string;
  actor: string;
  action: string;
  target: string;
  old_value: string | null;
  new_value: string | null;
  reason: string;
  product_id: string | null;
}
interface UserRow {
  name: string;
  display_name: string;
  role: UserRecord['role'];
  secret_kind: UserRecord['secretKind'];
  secret_hash: string;
  failed_attempts: number;
  locked_until: string | null;
  disabled: number;
  last_login_at: string | null;
  created_at: string;
  updated_at: string;
}
interface ModelRow {
  id: string;
  kind: ModelKind;
  product_id: string;
  name: string;
  artifact_path: string;
  backbone: string;
  created_at: string;
  train_info: string;
  metrics: string | null;
  threshold: number | null;
}
interface DatasetRow {
  id: string;
  name: string;
  product_id: string | null;
  path: string;
  manifest: string;
  created_at: string;
}
interface InspectionRow {
  id: number;
  time: string;
  source_id: string;
  source_name: string;
  product_id: string;
  model_id: string;
  score: number;
  threshold: number;
  verdict: LogVerdict;
  boxes: string;
  frame_path: string | null;
  heatmap_path: string | null;
  latency_ms: number;
  execution_provider: string;
  part_id: string;
  lot_name: string;
  product_index: number;
  error_code: number;
  error_message: string | null;
  camera_frame_id?: number | null;
  camera_timestamp_ns?: string | null;
  media_pruned_at?: string | null;
}
interface LinePartRow {
  id: number;
  source_key: string;
  part_key: string;
  part_id: string;
  source_name: string;
  path: string;
  spooled: number;
  origin: string;
  product_index: number;
  lot_name: string;
  enqueued_at: string;
  state: 'pending' | 'done';
  inspection_id: number | null;
}
interface LineProductRow {
  product_index: number;
  model_id: string;
  name: string;
  updated_at: string;
}
interface EvaluationRow {
  id: number;
  model_id: string;
  dataset_id: string | null;
  metrics: string;
  per_image?: string;
  image_count: number;
  created_at: string;
}
interface AnnotationRow {
  id: number;
  image_path: string;
  dataset_id: string | null;
  boxes: string;
  created_at: string;
  updated_at: string;
}

const toProduct = (r: ProductRow): Product => ({
  id: r.id,
  name: r.name,
  description: r.description,
  activeModelId: r.active_model_id,
  threshold: r.threshold,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  settings: JSON.parse(r.settings) as ProductSettings,
  archivedAt: r.archived_at,
  lineIndex: r.line_index,
  lotName: r.lot_name,
});
const toAudit = (r: AuditRow): AuditEntry => ({
  id: r.id,
  at: r.at,
  actor: r.actor,
  action: r.action,
  target: r.target,
  old: r.old_value === null ? null : (JSON.parse(r.old_value) as unknown),
  new: r.new_value === null ? null : (JSON.parse(r.new_value) as unknown),
  reason: r.reason,
  productId: r.product_id,
});
const toUser = (r: UserRow): UserRecord => ({
  name: r.name,
  displayName: r.display_name,
  role: r.role,
  secretKind: r.secret_kind,
  secretHash: r.secret_hash,
  failedAttempts: r.failed_attempts,
  lockedUntil: r.locked_until,
  disabled: r.disabled === 1,
  lastLoginAt: r.last_login_at,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});
const toModel = (r: ModelRow): ModelRecord => ({
  id: r.id,
  kind: r.kind,
  productId: r.product_id,
  name: r.name,
  artifactPath: r.artifact_path,
  backbone: r.backbone,
  createdAt: r.created_at,
  trainInfo: JSON.parse(r.train_info) as JsonObject,
  metrics: r.metrics === null ? null : (JSON.parse(r.metrics) as JsonObject),
  threshold: r.threshold,
});
const toDataset = (r: DatasetRow): DatasetRecord => ({
  id: r.id,
  name: r.name,
  productId: r.product_id,
  path: r.path,
  manifest: JSON.parse(r.manifest) as JsonObject,
  createdAt: r.created_at,
});
const toInspection = (r: InspectionRow): InspectionRecord => ({
  id: r.id,
  time: r.time,
  sourceId: r.source_id,
  sourceName: r.source_name,
  productId: r.product_id,
  modelId: r.model_id,
  score: r.score,
  threshold: r.threshold,
  verdict: r.verdict,
  boxes: JSON.parse(r.boxes) as Box[],
  framePath: r.frame_path,
  heatmapPath: r.heatmap_path,
  latencyMs: r.latency_ms,
  executionProvider: r.execution_provider,
  partId: r.part_id,
  lotName: r.lot_name,
  productIndex: r.product_index,
  errorCode: r.error_code,
  errorMessage: r.error_message,
  ...(r.camera_frame_id != null ? { cameraFrameId: r.camera_frame_id, cameraTimestampNs: r.camera_timestamp_ns ?? null } : {}),
  ...(r.media_pruned_at ? { mediaPrunedAt: r.media_pruned_at } : {}),
});
/** The record of a row just inserted from `p` (the insert's own parameters), equal to what a read returns. */
function inspectionFromInput(id: number, p: Omit<InspectionRecord, 'id' | 'boxes'> & { boxes: string }): InspectionRecord {
  return { id, ...p, boxes: JSON.parse(p.boxes) as Box[] };
}
interface MediaRowSql {
  id: number;
  time: string;
  product_id: string;
  verdict: LogVerdict;
  frame_path: string | null;
  heatmap_path: string | null;
  media_bytes: number | null;
}
const toMediaRow = (r: MediaRowSql): MediaRow => ({
  id: r.id,
  time: r.time,
  productId: r.product_id,
  verdict: r.verdict,
  framePath: r.frame_path,
  heatmapPath: r.heatmap_path,
  bytes: r.media_bytes,
});
const toLinePart = (r: LinePartRow): LinePart => ({
  id: r.id,
  sourceKey: r.source_key,
  partKey: r.part_key,
  partId: r.part_id,
  sourceName: r.source_name,
  path: r.path,
  spooled: r.spooled === 1,
  origin: r.origin,
  productIndex: r.product_index,
  lotName: r.lot_name,
  enqueuedAt: r.enqueued_at,
  state: r.state,
  inspectionId: r.inspection_id,
});
const toLineProduct = (r: LineProductRow): LineProduct => ({
  productIndex: r.product_index,
  modelId: r.model_id,
  name: r.name,
  updatedAt: r.updated_at,
});
const toEvaluationSummary = (r: EvaluationRow): EvaluationSummary => ({
  id: r.id,
  modelId: r.model_id,
  datasetId: r.dataset_id,
  metrics: JSON.parse(r.metrics) as JsonObject,
  createdAt: r.created_at,
  imageCount: r.image_count,
});
const toAnnotation = (r: AnnotationRow): AnnotationRecord => ({
  id: r.id,
  imagePath: r.image_path,
  datasetId: r.dataset_id,
  boxes: JSON.parse(r.boxes) as AnnotationRecord['boxes'],
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const now = (): string => new Date().toISOString();

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const floorTo = (t: number, unit: number) => (Number.isFinite(t) ? Math.floor(t / unit) * unit : t);
const ceilTo = (t: number, unit: number) => (Number.isFinite(t) ? Math.ceil(t / unit) * unit : t);

/**
 * Splits [from, to) into pieces the summary can count: whole days (span 10), whole hours (span 13) and the
 * partial hours at the edges (span 0, counted row by row). Open ends are infinite; a raw piece is always finite.
 */
export function timeSegments(from?: string, to?: string): { span: 0 | 10 | 13; a: number; b: number }[] {
  const lo = from === undefined ? -Infinity : Date.parse(from);
  const hi = to === undefined ? Infinity : Date.parse(to);
  if (!(lo < hi)) return [];
  const h1 = ceilTo(lo, HOUR_MS);
  const h2 = floorTo(hi, HOUR_MS);
  if (!(h1 < h2)) return [{ span: 0, a: lo, b: hi }];
  const out: { span: 0 | 10 | 13; a: number; b: number }[] = [];
  if (lo < h1) out.push({ span: 0, a: lo, b: h1 });
  const d1 = ceilTo(h1, DAY_MS);
  const d2 = floorTo(h2, DAY_MS);
  if (d1 < d2) {
    if (h1 < d1) out.push({ span: 13, a: h1, b: d1 });
    out.push({ span: 10, a: d1, b: d2 });
    if (d2 < h2) out.push({ span: 13, a: d2, b: h2 });
  } else out.push({ span: 13, a: h1, b: h2 });
  if (h2 < hi) out.push({ span: 0, a: h2, b: hi });
  return out;
}

/** WHERE clause for an inspection filter; the SQL text depends only on which fields are set, so it caches well. */
function inspectionWhere(f: InspectionFilter): { where: string; params: Params } {
  const conds: string[] = [];
  const params: Params = {};
  const add = (key: keyof InspectionFilter, cond: string) => {
    if (f[key] !== undefined) {
      conds.push(cond);
      params[key] = f[key];
    }
  };
  add('from', 'time >= @from');
  add('to', 'time < @to');
  add('verdict', 'verdict = @verdict');
  add('modelId', 'model_id = @modelId');
  add('productId', 'product_id = @productId');
  add('sourceId', 'source_id = @sourceId');
  add('beforeId', 'id < @beforeId');
  add('afterId', 'id > @afterId');
  return { where: conds.length > 0 ? `WHERE ${conds.join(' AND ')}` : '', params };
}

const INSERT_INSPECTION = `
  INSERT INTO inspections (time, source_id, source_name, product_id, model_id, score, threshold, verdict,
                           boxes, frame_path, heatmap_path, latency_ms, execution_provider,
                           part_id, lot_name, product_index, error_code, error_message)
  VALUES (@time, @sourceId, @sourceName, @productId, @modelId, @score, @threshold, @verdict,
          @boxes, @framePath, @heatmapPath, @latencyMs, @executionProvider,
          @partId, @lotName, @productIndex, @errorCode, @errorMessage)`;
/** With the camera columns of migration 0007 (used once the database has them). */
const INSERT_INSPECTION_CAMERA = INSERT_INSPECTION.replace('error_code, error_message)', 'error_code, error_message, camera_frame_id, camera_timestamp_ns)').replace(
  '@errorCode, @errorMessage)',
  '@errorCode, @errorMessage, @cameraFrameId, @cameraTimestampNs)',
);
// No RETURNING: better-sqlite3 reads a RETURNING row with one step and then resets the statement, and SQLite runs
// its automatic WAL checkpoint only when a statement steps to completion, so live inserts never checkpointed
// and the WAL grew without bound (2.7 GB after 100 k rows). `.run()` completes; the row is built from its input.


function scopeOf(s: ThresholdScope): { table: 'products' | 'models'; column: 'product_id' | 'model_id'; id: string } {
  return 'productId' in s
    ? { table: 'products', column: 'product_id', id: s.productId }
    : { table: 'models', column: 'model_id', id: s.modelId };
}

class SqliteStationStore implements StationStore {
  readonly schemaVersion: number;
  private readonly statements = new Map<string, Database.Statement>();
  private readonly readers = new Set<DB>();

  constructor(
    private readonly db: DB,
    readonly path: string,
    private readonly busyTimeoutMs: number,
  ) {
    this.schemaVersion = db.pragma('user_version', { simple: true }) as number;
  }

  private learningTables: LearningTables | null = null;
  get learning(): LearningStore {
    return (this.learningTables ??= new LearningTables(this.db, this.path));
  }

  private cameraColumns: boolean | null = null;
  /** Whether the log has migration 0007's camera columns (checked once). */
  private hasCameraColumns(): boolean {
    this.cameraColumns ??= (this.db.pragma('table_info(inspections)') as { name: string }[]).some((c) => c.name === 'camera_frame_id');
    return this.cameraColumns;
  }

  /** Prepared statements are compiled once per SQL text and reused. */
  private stmt(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  /** Runs `fn`, mapping SQLite/fs errors to StationFaults that name this database. */
  private guard<T>(doing: string, fn: () => T): T {
    if (!this.db.open) throw new StationFault('invalid-input', `${doing}: the store "${this.path}" is closed`);
    try {
      return fn();
    } catch (e) {
      throw toStoreFault(e, this.path, doing);
    }
  }

  /** On a foreign-key failure, say which referenced record is missing. Only runs on the error path. */
  private explainMissing(e: unknown, refs: ReadonlyArray<readonly ['products' | 'models' | 'datasets', string | null]>): never {
    if ((e as { code?: string }).code === 'SQLITE_CONSTRAINT_FOREIGNKEY') {
      for (const [table, id] of refs) {
        if (id !== null && this.stmt(`SELECT 1 FROM ${table} WHERE id = ?`).get(id) === undefined) {
          throw new StationFault('invalid-input', `unknown ${table.slice(0, -1)} "${id}"`);
        }
      }
    }
    throw e;
  }

  private stillReferenced(e: unknown, what: string, by: string): never {
    // ON DELETE RESTRICT reports SQLITE_CONSTRAINT_TRIGGER, NO ACTION reports _FOREIGNKEY.
    const err = e as { code?: string; message?: string };
    if (err.code?.startsWith('SQLITE_CONSTRAINT') && /FOREIGN KEY/.test(err.message ?? '')) {
      throw new StationFault('invalid-input', `${what} is still referenced by ${by}; it cannot be deleted`);
    }
    throw e;
  }

  /** A duplicate product id or line index, said in words. */
  private productConflict(e: unknown, id: string | null, lineIndex: number | null): never {
    const err = e as { code?: string; message?: string };
    if (err.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' && id !== null) throw new StationFault('invalid-input', `a product "${id}" already exists`);
    if (err.code === 'SQLITE_CONSTRAINT_UNIQUE' && /line_index/.test(err.message ?? '')) {
      const other = this.stmt('SELECT id FROM products WHERE line_index = ?').pluck().get(lineIndex) as string | undefined;
      throw new StationFault('invalid-input', `line index ${String(lineIndex)} already selects product "${other ?? '?'}"`);
    }
    throw e;
  }

  close(): void {
    for (const r of this.readers) r.close();
    this.readers.clear();
    if (this.db.open) this.db.close(); // the last connection checkpoints the WAL into the main file
  }

  // ------------------------------------------------------------ products

  createProduct(input: NewProduct): Product {
    const p = parse(newProductSchema, input, 'product');
    return this.guard('create product', () => {
      const t = now();
      try {
        const row = this.stmt(
          `INSERT INTO products (id, name, description, active_model_id, threshold, created_at, updated_at, settings, line_index)
           VALUES (?, ?, ?, NULL, NULL, ?, ?, ?, ?) RETURNING *`,
        ).get(p.id ?? randomUUID(), p.name, p.description, t, t, toJson(p.settings, 'product settings'), p.lineIndex) as ProductRow;
        return toProduct(row);
      } catch (e) {
        this.productConflict(e, p.id ?? null, p.lineIndex);
      }
    });
  }

  getProduct(id: string): Product | null {
    const key = parse(idSchema, id, 'product id');
    return this.guard('get product', () => {
      const row = this.stmt('SELECT * FROM products WHERE id = ?').get(key) as ProductRow | undefined;
      return row ? toProduct(row) : null;
    });
  }

  listProducts(): Product[] {
    return this.guard('list products', () =>
      (this.stmt('SELECT * FROM products ORDER BY name, id').all() as ProductRow[]).map(toProduct),
    );
  }

  updateProduct(id: string, patch: ProductPatch): Product {
    const key = parse(idSchema, id, 'product id');
    const p = parse(productPatchSchema, patch, 'product patch');
    return this.guard(`update product "${key}"`, () =>
      this.db
        .transaction(() => {
          const cur = this.stmt('SELECT * FROM products WHERE id = ?').get(key) as ProductRow | undefined;
          if (!cur) throw new StationFault('not-found', `no product "${key}"`);
          const active = p.activeModelId === undefined ? cur.active_model_id : p.activeModelId;
          if (active !== null && active !== cur.active_model_id) {
            const m = this.stmt('SELECT product_id FROM models WHERE id = ?').get(active) as { product_id: string } | undefined;
            if (!m) throw new StationFault('invalid-input', `unknown model "${active}"`);
            if (m.product_id !== key) {
              throw new StationFault('invalid-input', `model "${active}" belongs to product "${m.product_id}", not "${key}"`);
            }
          }
          const t = now();
          const archived = p.archived === undefined ? cur.archived_at : p.archived ? (cur.archived_at ?? t) : null;
          const lineIndex = p.lineIndex === undefined ? cur.line_index : p.lineIndex;
          try {
            const row = this.stmt(
              `UPDATE products SET name = ?, description = ?, active_model_id = ?, updated_at = ?, settings = ?, archived_at = ?,
               line_index = ?, lot_name = ? WHERE id = ? RETURNING *`,
            ).get(
              p.name ?? cur.name,
              p.description ?? cur.description,
              active,
              t,
              p.settings === undefined ? cur.settings : toJson(p.settings, 'product settings'),
              archived,
              lineIndex,
              p.lotName ?? cur.lot_name,
              key,
            ) as ProductRow;
            return toProduct(row);
          } catch (e) {
            this.productConflict(e, null, lineIndex);
          }
        })
        .immediate(),
    );
  }

  deleteProduct(id: string): void {
    const key = parse(idSchema, id, 'product id');
    this.guard(`delete product "${key}"`, () => {
      let changes: number;
      try {
        changes = this.stmt('DELETE FROM products WHERE id = ?').run(key).changes;
      } catch (e) {
        this.stillReferenced(e, `product "${key}"`, 'models, datasets or inspections');
      }
      if (changes === 0) throw new StationFault('not-found', `no product "${key}"`);
    });
  }

  // ------------------------------------------------------------ models

  createModel(input: NewModel): ModelRecord {
    const m = parse(newModelSchema, input, 'model');
    return this.guard('create model', () => {
      try {
        const row = this.stmt(
          `INSERT INTO models (id, kind, product_id, name, artifact_path, backbone, created_at, train_info, metrics, threshold)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL) RETURNING *`,
        ).get(
          m.id ?? randomUUID(),
          m.kind,
          m.productId,
          m.name,
          m.artifactPath,
          m.backbone,
          m.createdAt ?? now(),
          toJson(m.trainInfo, 'trainInfo'),
          m.metrics === null ? null : toJson(m.metrics, 'metrics'),
        ) as ModelRow;
        return toModel(row);
      } catch (e) {
        this.explainMissing(e, [['products', m.productId]]);
      }
    });
  }

  getModel(id: string): ModelRecord | null {
    const key = parse(idSchema, id, 'model id');
    return this.guard('get model', () => {
      const row = this.stmt('SELECT * FROM models WHERE id = ?').get(key) as ModelRow | undefined;
      return row ? toModel(row) : null;
    });
  }

  listModels(filter: ModelFilter = {}): ModelRecord[] {
    const f = parse(modelFilterSchema, filter, 'model filter');
    return this.guard('list models', () => {
      const conds: string[] = [];
      const params: Params = {};
      if (f.productId !== undefined) {
        conds.push('product_id = @productId');
        params.productId = f.productId;
      }
      if (f.kind !== undefined) {
        conds.push('kind = @kind');
        params.kind = f.kind;
      }
      const where = conds.length > 0 ? `WHERE ${conds.join(' AND ')}` : '';
      return (this.stmt(`SELECT * FROM models ${where} ORDER BY created_at DESC, id`).all(params) as ModelRow[]).map(toModel);
    });
  }

  updateModel(id: string, patch: ModelPatch): ModelRecord {
    const key = parse(idSchema, id, 'model id');
    const p = parse(modelPatchSchema, patch, 'model patch');
    return this.guard(`update model "${key}"`, () =>
      this.db
        .transaction(() => {
          const cur = this.stmt('SELECT * FROM models WHERE id = ?').get(key) as ModelRow | undefined;
          if (!cur) throw new StationFault('not-found', `no model "${key}"`);
          const metrics = p.metrics === undefined ? cur.metrics : p.metrics === null ? null : toJson(p.metrics, 'metrics');
          const row = this.stmt(
            `UPDATE models SET name = ?, artifact_path = ?, train_info = ?, metrics = ? WHERE id = ? RETURNING *`,
          ).get(
            p.name ?? cur.name,
            p.artifactPath ?? cur.artifact_path,
            p.trainInfo === undefined ? cur.train_info : toJson(p.trainInfo, 'trainInfo'),
            metrics,
            key,
          ) as ModelRow;
          return toModel(row);
        })
        .immediate(),
    );
  }

  deleteModel(id: string): void {
    const key = parse(idSchema, id, 'model id');
    this.guard(`delete model "${key}"`, () => {
      let changes: number;
      try {
        changes = this.stmt('DELETE FROM models WHERE id = ?').run(key).changes;
      } catch (e) {
        this.stillReferenced(e, `model "${key}"`, 'inspections or evaluations');
      }
      if (changes === 0) throw new StationFault('not-found', `no model "${key}"`);
    });
  }

  // ------------------------------------------------------------ datasets

  createDataset(input: NewDataset): DatasetRecord {
    const d = parse(newDatasetSchema, input, 'dataset');
    return this.guard('create dataset', () => {
      try {
        const row = this.stmt(
          `INSERT INTO datasets (id, name, product_id, path, manifest, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING *`,
        ).get(d.id ?? randomUUID(), d.name, d.productId, d.path, toJson(d.manifest, 'manifest'), d.createdAt ?? now()) as DatasetRow;
        return toDataset(row);
      } catch (e) {
        this.explainMissing(e, [['products', d.productId]]);
      }
    });
  }

  getDataset(id: string): DatasetRecord | null {
    const key = parse(idSchema, id, 'dataset id');
    return this.guard('get dataset', () => {
      const row = this.stmt('SELECT * FROM datasets WHERE id = ?').get(key) as DatasetRow | undefined;
      return row ? toDataset(row) : null;
    });
  }

  listDatasets(filter: { readonly productId?: string } = {}): DatasetRecord[] {
    const productId = filter.productId === undefined ? undefined : parse(idSchema, filter.productId, 'product id');
    return this.guard('list datasets', () => {
      const rows =
        productId === undefined
          ? this.stmt('SELECT * FROM datasets ORDER BY created_at DESC, id').all()
          : this.stmt('SELECT * FROM datasets WHERE product_id = ? ORDER BY created_at DESC, id').all(productId);
      return (rows as DatasetRow[]).map(toDataset);
    });
  }

  updateDataset(id: string, patch: DatasetPatch): DatasetRecord {
    const key = parse(idSchema, id, 'dataset id');
    const p = parse(datasetPatchSchema, patch, 'dataset patch');
    return this.guard(`update dataset "${key}"`, () =>
      this.db
        .transaction(() => {
          const cur = this.stmt('SELECT * FROM datasets WHERE id = ?').get(key) as DatasetRow | undefined;
          if (!cur) throw new StationFault('not-found', `no dataset "${key}"`);
          const row = this.stmt('UPDATE datasets SET name = ?, path = ?, manifest = ? WHERE id = ? RETURNING *').get(
            p.name ?? cur.name,
            p.path ?? cur.path,
            p.manifest === undefined ? cur.manifest : toJson(p.manifest, 'manifest'),
            key,
          ) as DatasetRow;
          return toDataset(row);
        })
        .immediate(),
    );
  }

  deleteDataset(id: string): void {
    const key = parse(idSchema, id, 'dataset id');
    this.guard(`delete dataset "${key}"`, () => {
      const changes = this.stmt('DELETE FROM datasets WHERE id = ?').run(key).changes;
      if (changes === 0) throw new StationFault('not-found', `no dataset "${key}"`);
    });
  }

  // ------------------------------------------------------------ inspections

  private insertInspection(input: NewInspection): InspectionRecord {
    const i = parse(newInspectionSchema, input, 'inspection');
    const params = {
      time: i.time ?? now(),
      sourceId: i.sourceId,
      sourceName: i.sourceName,
      productId: i.productId,
      modelId: i.modelId,
      score: i.score,
      threshold: i.threshold,
      verdict: i.verdict,
      boxes: toJson(i.boxes, 'boxes'),
      framePath: i.framePath,
      heatmapPath: i.heatmapPath,
      latencyMs: i.latencyMs,
      executionProvider: i.executionProvider,
      partId: i.partId,
      lotName: i.lotName,
      productIndex: i.productIndex,
      errorCode: i.errorCode,
      errorMessage: i.errorMessage,
    };
    try {
      if (this.hasCameraColumns()) {
        const cam = { cameraFrameId: i.cameraFrameId, cameraTimestampNs: i.cameraTimestampNs };
        const id = Number(this.stmt(INSERT_INSPECTION_CAMERA).run({ ...params, ...cam }).lastInsertRowid);
        return { ...inspectionFromInput(id, params), ...(cam.cameraFrameId != null ? cam : {}) };
      }
      const id = Number(this.stmt(INSERT_INSPECTION).run(params).lastInsertRowid);
      return inspectionFromInput(id, params);
    } catch (e) {
      this.explainMissing(e, [
        ['products', i.productId],
        ['models', i.modelId],
      ]);
    }
  }

  recordInspection(input: NewInspection): InspectionRecord {
    return this.guard('record inspection', () => this.insertInspection(input));
  }

  recordInspections(inputs: readonly NewInspection[]): InspectionRecord[] {
    if (!Array.isArray(inputs)) throw new StationFault('invalid-input', 'invalid inspections: expected an array');
    return this.guard('record inspections', () =>
      this.db.transaction(() => inputs.map((x) => this.insertInspection(x))).immediate(),
    );
  }

  getInspection(id: number): InspectionRecord | null {
    if (!Number.isSafeInteger(id)) throw new StationFault('invalid-input', `invalid inspection id ${String(id)}`);
    return this.guard('get inspection', () => {
      const row = this.stmt('SELECT * FROM inspections WHERE id = ?').get(id) as InspectionRow | undefined;
      return row ? toInspection(row) : null;
    });
  }

  /** SQL of one page; the text depends only on which fields are set, so statements cache well. */
  private pageSql(q: ReturnType<typeof parse<typeof inspectionQuerySchema>>): { sql: string; params: Params } {
    const { where, params } = inspectionWhere(q);
    const desc = q.order === 'newest';
    const conds = where ? [where.slice('WHERE '.length)] : [];
    if (q.after) {
      // Keyset: a row-value range on (time, rowid), which every inspections index ends with.
      conds.push(desc ? '(time, id) < (@afterTime, @afterRowId)' : '(time, id) > (@afterTime, @afterRowId)');
      params.afterTime = q.after.time;
      params.afterRowId = q.after.id;
    }
    const dir = desc ? 'DESC' : 'ASC';
    params.limitPlusOne = q.limit + 1; // one extra row tells whether another page exists
    return {
      sql: `SELECT * FROM inspections ${conds.length ? `WHERE ${conds.join(' AND ')}` : ''} ORDER BY time ${dir}, id ${dir} LIMIT @limitPlusOne`,
      params,
    };
  }

  queryInspections(query: InspectionQuery): InspectionPage {
    const q = parse(inspectionQuerySchema, query, 'inspection query');
    return this.guard('query inspections', () => {
      const { sql, params } = this.pageSql(q);
      const rows = this.stmt(sql).all(params) as InspectionRow[];
      const more = rows.length > q.limit;
      const items = (more ? rows.slice(0, q.limit) : rows).map(toInspection);
      const last = items[items.length - 1];
      return { items, next: more ? { time: last.time, id: last.id } : null, nextBeforeId: more ? last.id : null };
    });
  }

  explainInspectionQuery(query: InspectionQuery): string[] {
    const q = parse(inspectionQuerySchema, query, 'inspection query');
    return this.guard('explain inspection query', () => {
      const { sql, params } = this.pageSql(q);
      return (this.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(params) as { detail: string }[]).map((r) => r.detail);
    });
  }

  /**
   * Counts per verdict in one read snapshot. Whole days and hours of the time range come from
   * `inspection_counts` (migration 0004), the partial hours at its edges from the time index (at most two
   * hours of rows), and an id bound from the rows past it (the tail written since an export started).
   */
  private countByVerdict(f: InspectionFilter): Map<string, number> {
    const acc = new Map<string, number>();
    const add = (rows: unknown[], sign: 1 | -1 = 1) => {
      for (const r of rows as { verdict: string; n: number }[]) acc.set(r.verdict, (acc.get(r.verdict) ?? 0) + sign * r.n);
    };
    const dims: string[] = [];
    const dimParams: Params = {};
    for (const [key, col] of [['verdict', 'verdict'], ['modelId', 'model_id'], ['productId', 'product_id'], ['sourceId', 'source_id']] as const) {
      if (f[key] !== undefined) {
        dims.push(`${col} = @${key}`);
        dimParams[key] = f[key];
      }
    }
    const raw = (conds: string[], params: Params, hint: string) =>
      this.stmt(`SELECT verdict, count(*) AS n FROM inspections ${hint} WHERE ${[...conds, ...dims].join(' AND ') || '1'} GROUP BY verdict`).all({
        ...dimParams,
        ...params,
      });
    this.db.transaction(() => {
      if (f.afterId !== undefined) {
        // Rows after an id: the tail of the log, walked by rowid.
        const { where, params } = inspectionWhere(f);
        add(this.stmt(`SELECT verdict, count(*) AS n FROM inspections NOT INDEXED ${where} GROUP BY verdict`).all(params));
        return;
      }
      for (const seg of timeSegments(f.from, f.to)) {
        const a = Number.isFinite(seg.a) ? new Date(seg.a).toISOString() : undefined;
        const b = Number.isFinite(seg.b) ? new Date(seg.b).toISOString() : undefined;
        if (seg.span === 0) {
          add(raw(['time >= @a', 'time < @b'], { a, b }, 'INDEXED BY inspections_time'));
          continue;
        }
        const conds = ['span = @span', ...(a ? ['bucket >= @a'] : []), ...(b ? ['bucket < @b'] : []), ...dims];
        add(
          this.stmt(`SELECT verdict, sum(n) AS n FROM inspection_counts WHERE ${conds.join(' AND ')} GROUP BY verdict`).all({
            ...dimParams,
            span: seg.span,
            a: a?.slice(0, seg.span),
            b: b?.slice(0, seg.span),
          }),
        );
      }
      if (f.beforeId !== undefined) {
        const timeConds = [...(f.from ? ['time >= @from'] : []), ...(f.to ? ['time < @to'] : [])];
        add(raw(['id >= @beforeId', ...timeConds], { beforeId: f.beforeId, from: f.from, to: f.to }, 'NOT INDEXED'), -1);
      }
    })();
    for (const [k, n] of acc) if (n === 0) acc.delete(k);
    return acc;
  }

  countInspections(filter: InspectionFilter = {}): number {
    const f = parse(inspectionFilterSchema, filter, 'inspection filter');
    return this.guard('count inspections', () => [...this.countByVerdict(f).values()].reduce((a, b) => a + b, 0));
  }

  summarizeInspections(filter: InspectionFilter = {}): InspectionSummary {
    const f = parse(inspectionFilterSchema, filter, 'inspection filter');
    return this.guard('summarize inspections', () =>
      this.db.transaction(() => {
        const counts = this.countByVerdict(f);
        const byVerdict = Object.fromEntries([...counts].sort(([a], [b]) => a.localeCompare(b)));
        const total = [...counts.values()].reduce((a, b) => a + b, 0);
        const edge = (order: 'newest' | 'oldest') => this.queryInspections({ ...f, limit: 1, order }).items[0]?.time ?? null;
        return { total, byVerdict, from: total > 0 ? edge('oldest') : null, to: total > 0 ? edge('newest') : null };
      })(),
    );
  }

  lastInspectionId(): number {
    return this.guard('last inspection id', () => this.stmt('SELECT coalesce(max(id), 0) FROM inspections').pluck().get() as number);
  }

  *iterateInspections(filter: InspectionFilter = {}, order: 'asc' | 'desc' = 'asc'): Generator<InspectionRecord, void, undefined> {
    const f = parse(inspectionFilterSchema, filter, 'inspection filter');
    if (order !== 'asc' && order !== 'desc') throw new StationFault('invalid-input', `invalid order "${String(order)}"`);
    if (!this.db.open) throw new StationFault('invalid-input', `iterate inspections: the store "${this.path}" is closed`);
    // A running .iterate() keeps its connection busy; a private read-only connection leaves the main one
    // free for inserts meanwhile. WAL gives the statement a consistent snapshot for its whole run.
    let reader: DB;
    try {
      reader = new Database(this.path, { readonly: true, fileMustExist: true, ...sqliteBindingOptions() });
      reader.pragma(`busy_timeout = ${this.busyTimeoutMs}`);
    } catch (e) {
      throw toStoreFault(e, this.path, 'iterate inspections');
    }
    this.readers.add(reader);
    try {
      const { where, params } = inspectionWhere(f);
      const rows = reader.prepare(`SELECT * FROM inspections ${where} ORDER BY id ${order}`).iterate(params);
      for (const row of rows) yield toInspection(row as InspectionRow);
    } catch (e) {
      throw toStoreFault(e, this.path, 'iterate inspections');
    } finally {
      this.readers.delete(reader);
      if (reader.open) reader.close();
    }
  }

  // ------------------------------------------------------------ thresholds

  setThreshold(change: ThresholdChange): ThresholdHistoryEntry {
    const c = parse(thresholdChangeSchema, change, 'threshold change');
    const s = scopeOf(c);
    return this.guard('set threshold', () =>
      this.db
        .transaction(() => {
          const cur = this.stmt(`SELECT threshold FROM ${s.table} WHERE id = ?`).get(s.id) as { threshold: number | null } | undefined;
          if (!cur) throw new StationFault('not-found', `no ${s.table.slice(0, -1)} "${s.id}"`);
          const t = now();
          if (s.table === 'products') this.stmt('UPDATE products SET threshold = ?, updated_at = ? WHERE id = ?').run(c.value, t, s.id);
          else this.stmt('UPDATE models SET threshold = ? WHERE id = ?').run(c.value, s.id);
          const row = this.stmt(
            `INSERT INTO threshold_history (product_id, model_id, old_value, new_value, changed_at, who, why)
             VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING *`,
          ).get(
            s.table === 'products' ? s.id : null,
            s.table === 'models' ? s.id : null,
            cur.threshold,
            c.value,
            t,
            c.who,
            c.why,
          ) as HistoryRow;
          return toHistory(row);
        })
        .immediate(),
    );
  }

  getThreshold(scope: ThresholdScope): number | null {
    const s = scopeOf(parse(thresholdScopeSchema, scope, 'threshold scope'));
    return this.guard('get threshold', () => {
      const cur = this.stmt(`SELECT threshold FROM ${s.table} WHERE id = ?`).get(s.id) as { threshold: number | null } | undefined;
      if (!cur) throw new StationFault('not-found', `no ${s.table.slice(0, -1)} "${s.id}"`);
      return cur.threshold;
    });
  }

  resolveThreshold(productId: string): ResolvedThreshold | null {
    const key = parse(idSchema, productId, 'product id');
    return this.guard('resolve threshold', () => {
      const row = this.stmt(
        `SELECT p.threshold AS product_threshold, p.active_model_id AS model_id, m.threshold AS model_threshold
         FROM products p LEFT JOIN models m ON m.id = p.active_model_id WHERE p.id = ?`,
      ).get(key) as { product_threshold: number | null; model_id: string | null; model_threshold: number | null } | undefined;
      if (!row) throw new StationFault('not-found', `no product "${key}"`);
      if (row.product_threshold !== null) return { value: row.product_threshold, source: 'product', modelId: row.model_id };
      if (row.model_threshold !== null) return { value: row.model_threshold, source: 'model', modelId: row.model_id };
      return null;
    });
  }

  thresholdHistory(scope: ThresholdScope, limit = 1000): ThresholdHistoryEntry[] {
    const s = scopeOf(parse(thresholdScopeSchema, scope, 'threshold scope'));
    if (!Number.isSafeInteger(limit) || limit < 1) throw new StationFault('invalid-input', `invalid limit ${String(limit)}`);
    return this.guard('threshold history', () =>
      (this.stmt(`SELECT * FROM threshold_history WHERE ${s.column} = ? ORDER BY id DESC LIMIT ?`).all(s.id, limit) as HistoryRow[]).map(
        toHistory,
      ),
    );
  }

  // ------------------------------------------------------------ evaluations

  recordEvaluation(input: NewEvaluation): EvaluationRecord {
    const v = parse(newEvaluationSchema, input, 'evaluation');
    return this.guard('record evaluation', () => {
      try {
        const row = this.stmt(
          `INSERT INTO evaluations (model_id, dataset_id, metrics, per_image, image_count, created_at)
           VALUES (?, ?, ?, ?, ?, ?) RETURNING *`,
        ).get(
          v.modelId,
          v.datasetId,
          toJson(v.metrics, 'metrics'),
          toJson(v.perImage, 'perImage'),
          v.perImage.length,
          v.createdAt ?? now(),
        ) as EvaluationRow;
        return { ...toEvaluationSummary(row), perImage: JSON.parse(row.per_image as string) as EvaluationRecord['perImage'] };
      } catch (e) {
        this.explainMissing(e, [
          ['models', v.modelId],
          ['datasets', v.datasetId],
        ]);
      }
    });
  }

  getEvaluation(id: number): EvaluationRecord | null {
    if (!Number.isSafeInteger(id)) throw new StationFault('invalid-input', `invalid evaluation id ${String(id)}`);
    return this.guard('get evaluation', () => {
      const row = this.stmt('SELECT * FROM evaluations WHERE id = ?').get(id) as EvaluationRow | undefined;
      return row ? { ...toEvaluationSummary(row), perImage: JSON.parse(row.per_image as string) as EvaluationRecord['perImage'] } : null;
    });
  }

  listEvaluations(filter: EvaluationFilter = {}): EvaluationSummary[] {
    const f = parse(evaluationFilterSchema, filter, 'evaluation filter');
    return this.guard('list evaluations', () => {
      const conds: string[] = [];
      const params: Params = {};
      if (f.modelId !== undefined) {
        conds.push('model_id = @modelId');
        params.modelId = f.modelId;
      }
      if (f.datasetId !== undefined) {
        conds.push('dataset_id = @datasetId');
        params.datasetId = f.datasetId;
      }
      const where = conds.length > 0 ? `WHERE ${conds.join(' AND ')}` : '';
      return (
        this.stmt(
          `SELECT id, model_id, dataset_id, metrics, image_count, created_at FROM evaluations ${where} ORDER BY id DESC`,
        ).all(params) as EvaluationRow[]
      ).map(toEvaluationSummary);
    });
  }

  // ------------------------------------------------------------ annotations

  saveAnnotation(input: NewAnnotation): AnnotationRecord {
    const a = parse(newAnnotationSchema, input, 'annotation');
    return this.guard('save annotation', () => {
      try {
        const t = now();
        const row = this.stmt(
          `INSERT INTO annotations (image_path, dataset_id, boxes, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (image_path) DO UPDATE SET dataset_id = excluded.dataset_id, boxes = excluded.boxes,
             updated_at = excluded.updated_at
           RETURNING *`,
        ).get(a.imagePath, a.datasetId, toJson(a.boxes, 'boxes'), t, t) as AnnotationRow;
        return toAnnotation(row);
      } catch (e) {
        this.explainMissing(e, [['datasets', a.datasetId]]);
      }
    });
  }

  getAnnotation(imagePath: string): AnnotationRecord | null {
    const p = parse(pathSchema, imagePath, 'image path');
    return this.guard('get annotation', () => {
      const row = this.stmt('SELECT * FROM annotations WHERE image_path = ?').get(p) as AnnotationRow | undefined;
      return row ? toAnnotation(row) : null;
    });
  }

  listAnnotations(filter: AnnotationFilter = {}): AnnotationRecord[] {
    const f = parse(annotationFilterSchema, filter, 'annotation filter');
    return this.guard('list annotations', () => {
      const rows =
        f.datasetId === undefined
          ? this.stmt('SELECT * FROM annotations ORDER BY image_path').all()
          : this.stmt('SELECT * FROM annotations WHERE dataset_id = ? ORDER BY image_path').all(f.datasetId);
      return (rows as AnnotationRow[]).map(toAnnotation);
    });
  }

  deleteAnnotation(imagePath: string): boolean {
    const p = parse(pathSchema, imagePath, 'image path');
    return this.guard('delete annotation', () => this.stmt('DELETE FROM annotations WHERE image_path = ?').run(p).changes > 0);
  }

  // ------------------------------------------------------------ line mode

  enqueueLinePart(input: NewLinePart): LinePart | null {
    const p = parse(newLinePartSchema, input, 'line part');
    return this.guard('enqueue line part', () => {
      const row = this.stmt(
        `INSERT INTO line_queue (source_key, part_key, part_id, source_name, path, spooled, origin, product_index, lot_name, enqueued_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (source_key, part_key) DO NOTHING RETURNING *`,
      ).get(p.sourceKey, p.partKey, p.partId, p.sourceName, p.path, p.spooled ? 1 : 0, p.origin, p.productIndex, p.lotName, now()) as
        | LinePartRow
        | undefined;
      return row ? toLinePart(row) : null;
    });
  }

  pendingLineParts(limit: number, afterId = 0): LinePart[] {
    if (!Number.isSafeInteger(limit) || limit < 1) throw new StationFault('invalid-input', `invalid limit ${String(limit)}`);
    if (!Number.isSafeInteger(afterId)) throw new StationFault('invalid-input', `invalid afterId ${String(afterId)}`);
    return this.guard('pending line parts', () =>
      (this.stmt(`SELECT * FROM line_queue WHERE state = 'pending' AND id > ? ORDER BY id LIMIT ?`).all(afterId, limit) as LinePartRow[]).map(toLinePart),
    );
  }

  countPendingLineParts(): number {
    return this.guard('count line parts', () => this.stmt(`SELECT count(*) FROM line_queue WHERE state = 'pending'`).pluck().get() as number);
  }

  lineSourceKnown(sourceKey: string): boolean {
    return this.guard('line source known', () => this.stmt('SELECT 1 FROM line_queue WHERE source_key = ? LIMIT 1').get(sourceKey) !== undefined);
  }

  completeLinePart(partId: number, inspection: NewInspection): InspectionRecord {
    if (!Number.isSafeInteger(partId)) throw new StationFault('invalid-input', `invalid line part id ${String(partId)}`);
    return this.guard('record line part', () =>
      this.db
        .transaction(() => {
          const cur = this.stmt('SELECT state FROM line_queue WHERE id = ?').get(partId) as { state: string } | undefined;
          if (!cur) throw new StationFault('not-found', `no line part ${partId}`);
          if (cur.state !== 'pending') throw new StationFault('invalid-input', `line part ${partId} already has its log row`);
          const rec = this.insertInspection(inspection);
          this.stmt(`UPDATE line_queue SET state = 'done', inspection_id = ?, done_at = ? WHERE id = ?`).run(rec.id, now(), partId);
          return rec;
        })
        .immediate(),
    );
  }

  pruneLineParts(before: string): number {
    return this.guard('prune line parts', () => this.stmt(`DELETE FROM line_queue WHERE state = 'done' AND done_at < ?`).run(before).changes);
  }

  setLineProduct(productIndex: number, modelId: string, name = ''): LineProduct {
    if (!Number.isSafeInteger(productIndex) || productIndex < 0) throw new StationFault('invalid-input', `invalid product index ${String(productIndex)}`);
    const key = parse(idSchema, modelId, 'model id');
    return this.guard('set line product', () => {
      try {
        return toLineProduct(
          this.stmt(
            `INSERT INTO line_products (product_index, model_id, name, updated_at) VALUES (?, ?, ?, ?)
             ON CONFLICT (product_index) DO UPDATE SET model_id = excluded.model_id, name = excluded.name, updated_at = excluded.updated_at
             RETURNING *`,
          ).get(productIndex, key, String(name).slice(0, 200), now()) as LineProductRow,
        );
      } catch (e) {
        this.explainMissing(e, [['models', key]]);
      }
    });
  }

  getLineProduct(productIndex: number): LineProduct | null {
    return this.guard('get line product', () => {
      const row = this.stmt('SELECT * FROM line_products WHERE product_index = ?').get(productIndex) as LineProductRow | undefined;
      return row ? toLineProduct(row) : null;
    });
  }

  listLineProducts(): LineProduct[] {
    return this.guard('list line products', () => (this.stmt('SELECT * FROM line_products ORDER BY product_index').all() as LineProductRow[]).map(toLineProduct));
  }

  getSetting(key: string): unknown {
    return this.guard('get setting', () => {
      const v = this.stmt('SELECT value FROM station_settings WHERE key = ?').pluck().get(key) as string | undefined;
      return v === undefined ? null : (JSON.parse(v) as unknown);
    });
  }

  setSetting(key: string, value: unknown): void {
    this.guard('set setting', () => {
      if (value === null || value === undefined) this.stmt('DELETE FROM station_settings WHERE key = ?').run(key);
      else
        this.stmt(
          `INSERT INTO station_settings (key, value, updated_at) VALUES (?, ?, ?)
           ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
        ).run(key, JSON.stringify(value), now());
    });
  }

  getDeliveryCursor(adapter: string): number | null {
    return this.guard('get delivery cursor', () => {
      const v = this.stmt('SELECT last_sequence FROM line_delivery WHERE adapter = ?').pluck().get(adapter) as number | undefined;
      return v ?? null;
    });
  }

  setDeliveryCursor(adapter: string, sequence: number): void {
    if (!Number.isSafeInteger(sequence) || sequence < 0) throw new StationFault('invalid-input', `delivery cursor must be a non-negative integer, got ${sequence}`);
    this.guard('set delivery cursor', () => {
      this.stmt(
        `INSERT INTO line_delivery (adapter, last_sequence, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (adapter) DO UPDATE SET last_sequence = excluded.last_sequence, updated_at = excluded.updated_at`,
      ).run(adapter, sequence, now());
    });
  }

  // ------------------------------------------------------------ audit trail

  appendAudit(entry: NewAuditEntry): AuditEntry {
    const a = parse(newAuditEntrySchema, entry, 'audit entry');
    const oldJson = a.old === undefined || a.old === null ? null : toJson(a.old, 'audit old value');
    const newJson = a.new === undefined || a.new === null ? null : toJson(a.new, 'audit new value');
    return this.guard('append audit entry', () => {
      const at = a.at ?? now();
      const { lastInsertRowid } = this.stmt(
        `INSERT INTO audit_trail (at, actor, action, target, old_value, new_value, reason, product_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(at, a.actor, a.action, a.target, oldJson, newJson, a.reason, a.productId);
      return toAudit({
        id: Number(lastInsertRowid),
        at,
        actor: a.actor,
        action: a.action,
        target: a.target,
        old_value: oldJson,
        new_value: newJson,
        reason: a.reason,
        product_id: a.productId,
      });
    });
  }

  listAudit(query: AuditQuery): AuditPage {
    const q = parse(auditQuerySchema, query, 'audit query');
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (clause: string, ...values: unknown[]) => {
      where.push(clause);
      params.push(...values);
    };
    if (q.actor !== undefined) add('actor = ?', q.actor);
    if (q.action !== undefined) {
      if (q.action.endsWith('.')) add('substr(action, 1, ?) = ?', q.action.length, q.action);
      else add('action = ?', q.action);
    }
    if (q.target !== undefined) add('target = ?', q.target);
    if (q.productId !== undefined) add('product_id = ?', q.productId);
    if (q.from !== undefined) add('at >= ?', q.from);
    if (q.to !== undefined) add('at < ?', q.to);
    if (q.beforeId !== undefined) add('id < ?', q.beforeId);
    if (q.afterId !== undefined) add('id > ?', q.afterId);
    const dir = q.order === 'oldest' ? 'ASC' : 'DESC';
    const sql = `SELECT * FROM audit_trail ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id ${dir} LIMIT ?`;
    return this.guard('list audit trail', () => {
      const rows = this.stmt(sql).all(...params, q.limit + 1) as AuditRow[];
      const more = rows.length > q.limit;
      const items = rows.slice(0, q.limit).map(toAudit);
      return { items, next: more ? items[items.length - 1]!.id : null };
    });
  }

  // ------------------------------------------------------------ users

  createUser(input: NewUser): UserRecord {
    const u = parse(newUserSchema, input, 'user');
    return this.guard('create user', () => {
      const t = now();
      try {
        return toUser(
          this.stmt(
            `INSERT INTO users (name, display_name, role, secret_kind, secret_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING *`,
          ).get(u.name, u.displayName, u.role, u.secretKind, u.secretHash, t, t) as UserRow,
        );
      } catch (e) {
        if ((e as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') throw new StationFault('invalid-input', `a user "${u.name}" already exists`);
        throw e;
      }
    });
  }

  getUser(name: string): UserRecord | null {
    const key = parse(userNameSchema, name, 'user name');
    return this.guard('get user', () => {
      const row = this.stmt('SELECT * FROM users WHERE name = ?').get(key) as UserRow | undefined;
      return row ? toUser(row) : null;
    });
  }

  listUsers(): UserRecord[] {
    return this.guard('list users', () => (this.stmt('SELECT * FROM users ORDER BY name').all() as UserRow[]).map(toUser));
  }

  updateUser(name: string, patch: UserPatch): UserRecord {
    const key = parse(userNameSchema, name, 'user name');
    const p = parse(userPatchSchema, patch, 'user patch');
    return this.guard(`update user "${key}"`, () =>
      this.db
        .transaction(() => {
          const cur = this.stmt('SELECT * FROM users WHERE name = ?').get(key) as UserRow | undefined;
          if (!cur) throw new StationFault('not-found', `no user "${key}"`);
          const row = this.stmt(
            `UPDATE users SET display_name = ?, role = ?, secret_kind = ?, secret_hash = ?, failed_attempts = ?, locked_until = ?,
             disabled = ?, last_login_at = ?, updated_at = ? WHERE name = ? RETURNING *`,
          ).get(
            p.displayName ?? cur.display_name,
            p.role ?? cur.role,
            p.secretKind ?? cur.secret_kind,
            p.secretHash ?? cur.secret_hash,
            p.failedAttempts ?? cur.failed_attempts,
            p.lockedUntil === undefined ? cur.locked_until : p.lockedUntil,
            p.disabled === undefined ? cur.disabled : p.disabled ? 1 : 0,
            p.lastLoginAt === undefined ? cur.last_login_at : p.lastLoginAt,
            now(),
            key,
          ) as UserRow;
          return toUser(row);
        })
        .immediate(),
    );
  }

  countAdministrators(): number {
    return this.guard('count administrators', () => this.stmt(`SELECT count(*) FROM users WHERE role = 'administrator' AND disabled = 0`).pluck().get() as number);
  }

  checkIntegrity(): string[] {
    return this.guard('integrity check', () => this.db.pragma('integrity_check', { simple: false }) as { integrity_check: string }[]).map(
      (r) => r.integrity_check,
    );
  }

  spaceUsed(): Record<string, number> {
    return this.guard('space used', () =>
      Object.fromEntries(
        (this.db.prepare('SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name ORDER BY bytes DESC').all() as { name: string; bytes: number }[]).map((r) => [
          r.name,
          r.bytes,
        ]),
      ),
    );
  }

  maintain(): MaintenanceResult {
    return this.guard('maintain', () => {
      // optimize runs ANALYZE only on tables whose size changed a lot, bounded by analysis_limit (set at open).
      if (!this.db.readonly) this.db.pragma('optimize');
      const [cp] = this.db.pragma('wal_checkpoint(PASSIVE)') as { busy: number; log: number; checkpointed: number }[];
      const walBytes = statSync(`${this.path}-wal`, { throwIfNoEntry: false })?.size ?? 0;
      return { walFramesLeft: Math.max(0, cp.log - cp.checkpointed), walBytes };
    });
  }

  archiveInspections(before: string, outPath: string): ArchiveResult {
    const cut = parse(isoTimeSchema, before, 'archive bound "before"');
    if (typeof outPath !== 'string' || outPath.trim() === '') throw new StationFault('invalid-input', 'archive path is empty');
    const target = resolve(outPath);
    if (existsSync(target)) throw new StationFault('invalid-input', `"${target}" already exists; an archive is never written over a file`);
    if (target === this.path) throw new StationFault('invalid-input', 'the archive cannot be the log itself');
    const tmp = `${target}.${process.pid}.tmp`;
    return this.guard('archive inspections', () => {
      mkdirSync(dirname(target), { recursive: true });
      rmSync(tmp, { force: true });
      // The archive's tables are the log's own (same columns, checks, STRICT), without the foreign keys.
      const ddl = (name: string) =>
        (this.db.prepare(`SELECT sql FROM main.sqlite_schema WHERE type = 'table' AND name = ?`).pluck().get(name) as string)
          .replace(/\s+REFERENCES\s+\w+\s*\(\s*\w+\s*\)(\s+ON\s+(DELETE|UPDATE)\s+(SET\s+NULL|SET\s+DEFAULT|CASCADE|RESTRICT|NO\s+ACTION))*/gi, '')
          .replace(/^CREATE TABLE\s+"?\w+"?/i, `CREATE TABLE archive.${name}`);
      this.db.prepare('ATTACH DATABASE ? AS archive').run(tmp);
      let copied: { rows: number; firstId: number | null; lastId: number | null; firstTime: string | null; lastTime: string | null };
      try {
        this.db.exec(`${ddl('products')}; ${ddl('models')}; ${ddl('inspections')};
          CREATE INDEX archive.inspections_time ON inspections(time);
          CREATE TABLE archive.archive_info (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL) STRICT;`);
        copied = this.db.transaction(() => {
          this.db.prepare('INSERT INTO archive.inspections SELECT * FROM main.inspections WHERE time < ? ORDER BY id').run(cut);
          this.db.exec(`
            INSERT INTO archive.models SELECT * FROM main.models WHERE id IN (SELECT DISTINCT model_id FROM archive.inspections);
            INSERT INTO archive.products SELECT * FROM main.products
              WHERE id IN (SELECT DISTINCT product_id FROM archive.inspections) OR id IN (SELECT product_id FROM archive.models);`);
          const st = this.db
            .prepare('SELECT count(*) AS rows, min(id) AS firstId, max(id) AS lastId, min(time) AS firstTime, max(time) AS lastTime FROM archive.inspections')
            .get() as typeof copied;
          const info: Record<string, string | number | null> = {
            format: 'inspection-station log archive',
            format_version: 1,
            description:
              'inspections: every log row with time < before, columns as in the station log; models, products: the records those rows refer to',
            created_at: now(),
            source: this.path,
            source_schema_version: this.schemaVersion,
            before: cut,
            rows: st.rows,
            first_time: st.firstTime,
            last_time: st.lastTime,
            first_id: st.firstId,
            last_id: st.lastId,
          };
          const put = this.db.prepare('INSERT INTO archive.archive_info (key, value) VALUES (?, ?)');
          for (const [k, v] of Object.entries(info)) put.run(k, String(v ?? ''));
          return st;
        }).immediate();
      } finally {
        this.db.exec('DETACH DATABASE archive');
      }
      // Check the file on its own before anything is deleted from the log.
      const check = new Database(tmp, { readonly: true, fileMustExist: true });
      try {
        const ok = check.pragma('quick_check', { simple: true });
        const n = check.prepare('SELECT count(*) FROM inspections').pluck().get() as number;
        if (ok !== 'ok' || n !== copied.rows) throw new StationFault('io', `the archive "${tmp}" did not read back (${String(ok)}, ${n} of ${copied.rows} rows)`);
      } finally {
        check.close();
      }
      renameSync(tmp, target);

      // Delete exactly the archived rows (time < cut and id <= the last archived id: a row written since cannot
      // match both), in small transactions so live inserts wait at most one batch and the WAL stays small.
      const del = this.stmt(
        'DELETE FROM inspections WHERE id IN (SELECT id FROM inspections INDEXED BY inspections_time WHERE time < @cut AND id <= @lastId LIMIT 2000)',
      );
      let deleted = 0;
      for (let n = -1; n !== 0 && copied.lastId !== null; deleted += n) n = del.run({ cut, lastId: copied.lastId }).changes;
      if (deleted !== copied.rows) throw new StationFault('internal', `archived ${copied.rows} rows but deleted ${deleted}; the archive "${target}" is complete`);

      const pageSize = this.db.pragma('page_size', { simple: true }) as number;
      const pagesBefore = this.db.pragma('page_count', { simple: true }) as number;
      let vacuum: ArchiveResult['vacuum'] = 'incremental';
      if ((this.db.pragma('auto_vacuum', { simple: true }) as number) === 2) this.db.pragma('incremental_vacuum');
      else {
        // A log created before 0004 has no free-page map: switch it once, which takes one full VACUUM.
        this.db.pragma('auto_vacuum = INCREMENTAL');
        this.db.exec('VACUUM');
        vacuum = 'full';
      }
      this.db.pragma('wal_checkpoint(PASSIVE)');
      const freedBytes = Math.max(0, pagesBefore - (this.db.pragma('page_count', { simple: true }) as number)) * pageSize;
      return { path: target, before: cut, rows: copied.rows, firstTime: copied.firstTime, lastTime: copied.lastTime, freedBytes, vacuum };
    });
  }

  // ------------------------------------------------------------ floor (0009): NG acknowledgements, lots, retention

  acknowledgeNg(input: { readonly upToInspectionId: number; readonly actor: string; readonly note?: string }): NgAcknowledgement {
    const upTo = input.upToInspectionId;
    if (!Number.isSafeInteger(upTo) || upTo < 0) throw new StationFault('invalid-input', `invalid inspection id ${String(upTo)}`);
    const actor = String(input.actor ?? '').trim();
    if (!actor || actor.length > 200) throw new StationFault('invalid-input', 'an acknowledgement needs an actor (1..200 characters)');
    const note = String(input.note ?? '').slice(0, 1000);
    return this.guard('acknowledge NG', () => {
      const at = now();
      const id = Number(
        this.stmt('INSERT INTO ng_acknowledgements (up_to_inspection_id, acknowledged_at, actor, note) VALUES (?, ?, ?, ?)').run(upTo, at, actor, note)
          .lastInsertRowid,
      );
      return { id, upToInspectionId: upTo, acknowledgedAt: at, actor, note };
    });
  }

  lastNgAcknowledgement(): NgAcknowledgement | null {
    return this.guard('read NG acknowledgements', () => {
      const r = this.stmt('SELECT id, up_to_inspection_id, acknowledged_at, actor, note FROM ng_acknowledgements ORDER BY id DESC LIMIT 1').get() as
        | { id: number; up_to_inspection_id: number; acknowledged_at: string; actor: string; note: string }
        | undefined;
      return r ? { id: r.id, upToInspectionId: r.up_to_inspection_id, acknowledgedAt: r.acknowledged_at, actor: r.actor, note: r.note } : null;
    });
  }

  countByLot(lotName: string, productId?: string): Record<string, number> {
    if (typeof lotName !== 'string' || lotName === '') throw new StationFault('invalid-input', 'a lot name is required');
    return this.guard('count a lot', () => {
      const rows = (
        productId === undefined
          ? this.stmt("SELECT verdict, count(*) AS n FROM inspections INDEXED BY inspections_lot WHERE lot_name = ? AND lot_name <> '' GROUP BY verdict").all(lotName)
          : this.stmt(
              "SELECT verdict, count(*) AS n FROM inspections INDEXED BY inspections_lot WHERE lot_name = ? AND lot_name <> '' AND product_id = ? GROUP BY verdict",
            ).all(lotName, productId)
      ) as { verdict: string; n: number }[];
      return Object.fromEntries(rows.map((r) => [r.verdict, r.n]));
    });
  }

  topInspections(filter: InspectionFilter, limit: number): InspectionRecord[] {
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > 1000) throw new StationFault('invalid-input', `invalid limit ${limit}`);
    const { where, params } = inspectionWhere(parse(inspectionFilterSchema, filter, 'inspection filter'));
    return this.guard('query top inspections', () =>
      (this.stmt(`SELECT * FROM inspections ${where} ORDER BY score DESC, id DESC LIMIT @limit`).all({ ...params, limit }) as InspectionRow[]).map(toInspection),
    );
  }

  unmeasuredMedia(limit: number): MediaRow[] {
    return this.guard('list unmeasured media', () =>
      (
        this.stmt(
          `SELECT id, time, product_id, verdict, frame_path, heatmap_path, media_bytes FROM inspections INDEXED BY inspections_media_unmeasured
           WHERE media_bytes IS NULL AND (frame_path IS NOT NULL OR heatmap_path IS NOT NULL) ORDER BY id LIMIT ?`,
        ).all(Math.max(1, Math.floor(limit))) as MediaRowSql[]
      ).map(toMediaRow),
    );
  }

  setMediaBytes(entries: readonly { readonly id: number; readonly bytes: number }[]): void {
    for (const e of entries) {
      if (!Number.isSafeInteger(e.id) || !Number.isSafeInteger(e.bytes) || e.bytes < 0) throw new StationFault('invalid-input', `invalid media size ${JSON.stringify(e)}`);
    }
    this.guard('record media sizes', () =>
      this.db.transaction(() => {
        const st = this.stmt('UPDATE inspections SET media_bytes = ? WHERE id = ?');
        for (const e of entries) st.run(e.bytes, e.id);
      }).immediate(),
    );
  }

  oldestMedia(productId: string, verdict: LogVerdict, limit: number): MediaRow[] {
    return this.guard('list stored media', () =>
      (
        this.stmt(
          `SELECT id, time, product_id, verdict, frame_path, heatmap_path, media_bytes FROM inspections INDEXED BY inspections_media_kept
           WHERE product_id = ? AND verdict = ? AND media_bytes > 0 ORDER BY time, id LIMIT ?`,
        ).all(productId, verdict, Math.max(1, Math.floor(limit))) as MediaRowSql[]
      ).map(toMediaRow),
    );
  }

  markMediaPruned(ids: readonly number[], at: string = now()): number {
    const when = parse(isoTimeSchema, at, 'pruned time');
    return this.guard('mark media pruned', () =>
      this.db.transaction(() => {
        const st = this.stmt('UPDATE inspections SET frame_path = NULL, heatmap_path = NULL, media_bytes = 0, media_pruned_at = ? WHERE id = ? AND media_pruned_at IS NULL');
        let n = 0;
        for (const id of ids) n += st.run(when, id).changes;
        return n;
      }).immediate(),
    );
  }

  mediaUsage(): MediaUsage[] {
    return this.guard('read media usage', () =>
      (this.stmt('SELECT product_id, verdict, bytes, files FROM media_usage WHERE files > 0 OR bytes > 0 ORDER BY product_id, verdict').all() as {
        product_id: string;
        verdict: string;
        bytes: number;
        files: number;
      }[]).map((r) => ({ productId: r.product_id, verdict: r.verdict, bytes: r.bytes, files: r.files })),
    );
  }
}

/** Refuses, with a message naming the file, anything that exists but is not an SQLite database. */
function checkExistingFile(file: string): void {
  let size: number;
  try {
    const st = statSync(file);
    if (!st.isFile()) throw new StationFault('io', `"${file}" is not a file; the station database must be a file`);
    size = st.size;
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') return;
    throw e;
  }
  if (size === 0) return; // SQLite treats an empty file as a new database
  const head = Buffer.alloc(16);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, head, 0, 16, 0);
  } finally {
    closeSync(fd);
  }
  if (size < 512 || head.toString('latin1') !== SQLITE_MAGIC) {
    throw new StationFault('io', `"${file}" is not a station database (not an SQLite file, or its header is corrupt); move it aside to start a new log`);
  }
  // Root passes access() regardless; for everyone else this names the problem before SQLite does.
  try {
    accessSync(file, fsConstants.R_OK | fsConstants.W_OK);
    accessSync(dirname(file), fsConstants.W_OK); // WAL needs to create -wal and -shm beside it
  } catch (e) {
    throw new StationFault('io', `the station database "${file}" or its folder is read-only (${(e as Error).message})`, { cause: e });
  }
}

/**
 * Opens (creating folder and file if needed) and migrates the station database at `path`.
 * Throws StationFault 'io' for an unwritable location, a full disk, or a file that is not a usable database,
 * and 'invalid-input' for a database from a newer station version.
 */
export function openStore(path: string, options: StoreOptions = {}): StationStore {
  if (typeof path !== 'string' || path.trim() === '' || path === ':memory:' || path.startsWith('file:')) {
    throw new StationFault('invalid-input', `invalid store path ${JSON.stringify(path)}: a file path is required`);
  }
  const durability = options.durability ?? 'full';
  if (durability !== 'full' && durability !== 'normal') throw new StationFault('invalid-input', `invalid durability "${String(durability)}"`);
  const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
  if (!Number.isSafeInteger(busyTimeoutMs) || busyTimeoutMs < 0) throw new StationFault('invalid-input', `invalid busyTimeoutMs ${busyTimeoutMs}`);

  const file = resolve(path);
  if (options.readonly) return openReadOnly(file, busyTimeoutMs);
  let db: DB | undefined;
  try {
    mkdirSync(dirname(file), { recursive: true });
    checkExistingFile(file);
    db = new Database(file, sqliteBindingOptions());
    db.pragma(`busy_timeout = ${busyTimeoutMs}`); // first, so switching to WAL waits for other connections
    const version = db.pragma('user_version', { simple: true }) as number;
    const tables = db.prepare('SELECT count(*) FROM sqlite_schema').pluck().get() as number;
    if (version === 0 && tables > 0) {
      // Someone else's SQLite file: touch nothing (not even the journal mode), graft no tables onto it.
      throw new StationFault('io', `"${file}" is an SQLite database of some other program, not a station database; choose another file`);
    }
    // A new log keeps a free-page map, so archiving old rows can hand space back (incremental vacuum).
    if (tables === 0) db.pragma('auto_vacuum = INCREMENTAL');
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (mode !== 'wal') throw new StationFault('io', `cannot switch "${file}" to WAL mode (got "${String(mode)}"); is the location writable?`);
    db.pragma(`synchronous = ${durability === 'full' ? 'FULL' : 'NORMAL'}`);
    db.pragma('journal_size_limit = 67108864'); // truncate a grown WAL back to 64 MiB after checkpoints
    db.pragma('foreign_keys = ON');
    // Statement journals (an insert whose summary trigger writes another table needs one) in memory, not in a
    // temp file per statement: 4x faster inserts with the 0004 triggers.
    db.pragma('temp_store = MEMORY');
    migrate(db, LATEST_VERSION);
    // Statistics for the planner, sampled (cheap at any size); `maintain()` refreshes them when tables grow.
    db.pragma('analysis_limit = 1000');
    db.pragma('optimize = 0x10002');
    return new SqliteStationStore(db, file, busyTimeoutMs);
  } catch (e) {
    if (db?.open) db.close();
    throw toStoreFault(e, file, 'open store');
  }
}

/** A read-only connection to an existing, migrated log (for queries and exports in their own worker). */
function openReadOnly(file: string, busyTimeoutMs: number): StationStore {
  let db: DB | undefined;
  try {
    checkExistingFile(file);
    db = new Database(file, { readonly: true, fileMustExist: true });
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version !== LATEST_VERSION) {
      throw new StationFault('io', `"${file}" has schema version ${version}, not ${LATEST_VERSION}; open it read-write once to migrate it`);
    }
    return new SqliteStationStore(db, file, busyTimeoutMs);
  } catch (e) {
    if (db?.open) db.close();
    throw toStoreFault(e, file, 'open store (read-only)');
  }
}

export { openStore as open };
