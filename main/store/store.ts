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
import { accessSync, closeSync, constants as fsConstants, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { StationFault } from '../common/result.js';
import type { Box, ModelKind, Verdict } from '../common/types.js';
import { toStoreFault } from './faults.js';
import type {
  AnnotationFilter,
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
  JsonObject,
  ModelFilter,
  ModelPatch,
  ModelRecord,
  NewAnnotation,
  NewDataset,
  NewEvaluation,
  NewInspection,
  NewModel,
  NewProduct,
  Product,
  ProductPatch,
  ResolvedThreshold,
  StationStore,
  StoreOptions,
  ThresholdChange,
  ThresholdHistoryEntry,
  ThresholdScope,
} from './interface.js';
import { LATEST_VERSION, migrate } from './migrations/index.js';
import {
  annotationFilterSchema,
  datasetPatchSchema,
  evaluationFilterSchema,
  idSchema,
  inspectionFilterSchema,
  inspectionQuerySchema,
  modelFilterSchema,
  modelPatchSchema,
  newAnnotationSchema,
  newDatasetSchema,
  newEvaluationSchema,
  newInspectionSchema,
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
  verdict: Verdict;
  boxes: string;
  frame_path: string | null;
  heatmap_path: string | null;
  latency_ms: number;
  execution_provider: string;
}
interface HistoryRow {
  id: number;
  product_id: string | null;
  model_id: string | null;
  old_value: number | null;
  new_value: number;
  changed_at: string;
  who: string;
  why: string;
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
});
const toHistory = (r: HistoryRow): ThresholdHistoryEntry => ({
  id: r.id,
  productId: r.product_id,
  modelId: r.model_id,
  oldValue: r.old_value,
  newValue: r.new_value,
  changedAt: r.changed_at,
  who: r.who,
  why: r.why,
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
                           boxes, frame_path, heatmap_path, latency_ms, execution_provider)
  VALUES (@time, @sourceId, @sourceName, @productId, @modelId, @score, @threshold, @verdict,
          @boxes, @framePath, @heatmapPath, @latencyMs, @executionProvider)
  RETURNING *`;

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
      const row = this.stmt(
        `INSERT INTO products (id, name, description, active_model_id, threshold, created_at, updated_at)
         VALUES (?, ?, ?, NULL, NULL, ?, ?) RETURNING *`,
      ).get(p.id ?? randomUUID(), p.name, p.description, t, t) as ProductRow;
      return toProduct(row);
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
          const row = this.stmt(
            `UPDATE products SET name = ?, description = ?, active_model_id = ?, updated_at = ? WHERE id = ? RETURNING *`,
          ).get(p.name ?? cur.name, p.description ?? cur.description, active, now(), key) as ProductRow;
          return toProduct(row);
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
    };
    try {
      return toInspection(this.stmt(INSERT_INSPECTION).get(params) as InspectionRow);
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

  queryInspections(query: InspectionQuery): InspectionPage {
    const q = parse(inspectionQuerySchema, query, 'inspection query');
    return this.guard('query inspections', () => {
      const { where, params } = inspectionWhere(q);
      // One extra row tells whether another page exists, without a second query.
      const rows = this.stmt(`SELECT * FROM inspections ${where} ORDER BY id DESC LIMIT @limitPlusOne`).all({
        ...params,
        limitPlusOne: q.limit + 1,
      }) as InspectionRow[];
      const more = rows.length > q.limit;
      const items = (more ? rows.slice(0, q.limit) : rows).map(toInspection);
      return { items, nextBeforeId: more ? items[items.length - 1].id : null };
    });
  }

  countInspections(filter: InspectionFilter = {}): number {
    const f = parse(inspectionFilterSchema, filter, 'inspection filter');
    return this.guard('count inspections', () => {
      const { where, params } = inspectionWhere(f);
      return this.stmt(`SELECT count(*) FROM inspections ${where}`).pluck().get(params) as number;
    });
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
      reader = new Database(this.path, { readonly: true, fileMustExist: true });
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

  checkIntegrity(): string[] {
    return this.guard('integrity check', () => this.db.pragma('integrity_check', { simple: false }) as { integrity_check: string }[]).map(
      (r) => r.integrity_check,
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
  let db: DB | undefined;
  try {
    mkdirSync(dirname(file), { recursive: true });
    checkExistingFile(file);
    db = new Database(file);
    db.pragma(`busy_timeout = ${busyTimeoutMs}`); // first, so switching to WAL waits for other connections
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version === 0 && (db.prepare('SELECT count(*) FROM sqlite_schema').pluck().get() as number) > 0) {
      // Someone else's SQLite file: touch nothing (not even the journal mode), graft no tables onto it.
      throw new StationFault('io', `"${file}" is an SQLite database of some other program, not a station database; choose another file`);
    }
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (mode !== 'wal') throw new StationFault('io', `cannot switch "${file}" to WAL mode (got "${String(mode)}"); is the location writable?`);
    db.pragma(`synchronous = ${durability === 'full' ? 'FULL' : 'NORMAL'}`);
    db.pragma('journal_size_limit = 67108864'); // truncate a grown WAL back to 64 MiB after checkpoints
    db.pragma('foreign_keys = ON');
    migrate(db, LATEST_VERSION);
    return new SqliteStationStore(db, file, busyTimeoutMs);
  } catch (e) {
    if (db?.open) db.close();
    throw toStoreFault(e, file, 'open store');
  }
}

export { openStore as open };
