/**
 * The station store's contract: the one interface every caller codes against (the SQL lives in store.ts only).
 * Pure types, no runtime imports, so main/common-style code and the renderer's IPC layer can import it.
 *
 * Conventions:
 * - Times are ISO-8601 UTC strings with milliseconds (`2026-11-28T16:42:38.123Z`); inputs may carry any offset
 *   and are normalised to that form, so string order is time order.
 * - Text ids (products, models, datasets) are chosen by the caller or generated (UUID) when omitted;
 *   row ids of append-only tables (inspections, threshold history, evaluations, annotations) are integers.
 * - Every method throws `StationFault` (main/common/result.ts): 'invalid-input' for bad arguments or a
 *   constraint (duplicate id, unknown reference, row still referenced), 'not-found' for an unknown id in
 *   get/update/delete, 'io' for disk full / read-only / corrupt database file, 'busy' when another process
 *   holds the write lock longer than the busy timeout.
 * - Calls are synchronous (better-sqlite3); run the store in a worker thread to keep the UI responsive.
 */
import type { Box, LogVerdict, ModelKind } from '../common/types.js';
import type { AnnotationBox } from '../annotation/types.js';
import type { LearningStore } from './learning-tables.js';

/** Any JSON-serialisable object (train info, metrics, manifests). */
export type JsonObject = { readonly [key: string]: unknown };

// ---------------------------------------------------------------- products

/** A part type ("recipe"): which model inspects it and, optionally, a threshold that overrides the model's. */
export interface Product {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly activeModelId: string | null;
  /** Current product-level threshold (kept in step with the threshold history); null = use the active model's. */
  readonly threshold: number | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** The recipe's settings (0008): preprocessing/registration, source, outputs, retention; free JSON by section. */
  readonly settings?: ProductSettings;
  /** Archived products are kept (their log rows and models stay) but are not offered for switching. */
  readonly archivedAt?: string | null;
  /** The index a PLC / MQTT "select product" command names this product by; null = none. */
  readonly lineIndex?: number | null;
  /** The current lot (operator-entered), recorded with every log row of this product. */
  readonly lotName?: string;
}

/**
 * A product's recipe settings, one JSON object with a section per concern. Sections are owned by the lanes that
 * use them (the retention fields by the floor work); unknown keys are kept.
 */
export interface ProductSettings {
  readonly preprocessing?: JsonObject;
  readonly registration?: JsonObject;
  /** The source spec to start when switching to this product (a SourceSpec of main/common/api.ts). */
  readonly source?: JsonObject | null;
  readonly outputs?: JsonObject;
  readonly retention?: JsonObject;
  readonly [section: string]: unknown;
}

export interface NewProduct {
  readonly id?: string;
  readonly name: string;
  readonly description?: string;
  readonly settings?: ProductSettings;
  readonly lineIndex?: number | null;
}

/** Thresholds are changed only through `setThreshold` so every change has a history row. */
export interface ProductPatch {
  readonly name?: string;
  readonly description?: string;
  /** Must be a model of this product; null clears it. */
  readonly activeModelId?: string | null;
  /** Replaces the settings object whole (read, change, write). */
  readonly settings?: ProductSettings;
  /** true archives (now), false restores. */
  readonly archived?: boolean;
  readonly lineIndex?: number | null;
  readonly lotName?: string;
}

// ---------------------------------------------------------------- models

export interface ModelRecord {
  readonly id: string;
  readonly kind: ModelKind;
  readonly productId: string;
  readonly name: string;
  /** Trained artifact (file or folder) on disk. */
  readonly artifactPath: string;
  /** Backbone manifest id, e.g. 'mobilenet_v2_imagenet'. */
  readonly backbone: string;
  readonly createdAt: string;
  readonly trainInfo: JsonObject;
  readonly metrics: JsonObject | null;
  /** Current model-level threshold (kept in step with the threshold history); null until calibrated. */
  readonly threshold: number | null;
}

export interface NewModel {
  readonly id?: string;
  readonly kind: ModelKind;
  readonly productId: string;
  readonly name?: string;
  readonly artifactPath: string;
  readonly backbone: string;
  readonly createdAt?: string;
  readonly trainInfo?: JsonObject;
  readonly metrics?: JsonObject | null;
}

export interface ModelPatch {
  readonly name?: string;
  readonly artifactPath?: string;
  readonly trainInfo?: JsonObject;
  readonly metrics?: JsonObject | null;
}

export interface ModelFilter {
  readonly productId?: string;
  readonly kind?: ModelKind;
}

// ---------------------------------------------------------------- datasets

export interface DatasetRecord {
  readonly id: string;
  readonly name: string;
  readonly productId: string | null;
  /** Root folder of the images (e.g. an MVTec-layout folder). */
  readonly path: string;
  readonly manifest: JsonObject;
  readonly createdAt: string;
}

export interface NewDataset {
  readonly id?: string;
  readonly name?: string;
  readonly productId?: string | null;
  readonly path: string;
  readonly manifest?: JsonObject;
  readonly createdAt?: string;
}

export interface DatasetPatch {
  readonly name?: string;
  readonly path?: string;
  readonly manifest?: JsonObject;
}

// ---------------------------------------------------------------- inspections

export interface InspectionRecord {
  readonly id: number;
  readonly time: string;
  readonly sourceId: string;
  readonly sourceName: string;
  readonly productId: string;
  readonly modelId: string;
  readonly score: number;
  /** The threshold the verdict was decided with (NG when score >= threshold). */
  readonly threshold: number;
  /** ERROR: the part could not be inspected (`errorMessage` says why; score 0, no boxes). */
  readonly verdict: LogVerdict;
  readonly boxes: readonly Box[];
  readonly framePath: string | null;
  readonly heatmapPath: string | null;
  readonly latencyMs: number;
  /** ONNX Runtime execution provider that ran the model, e.g. 'cpu', 'webgpu'. */
  readonly executionProvider: string;
  /** Line mode: the part's id (given with the trigger, else the file name); '' when none. */
  readonly partId: string;
  readonly lotName: string;
  readonly productIndex: number;
  /** 0 = none; else a code of LINE_ERROR_CODES (also set on OK/NG rows whose frame could not be saved). */
  readonly errorCode: number;
  readonly errorMessage: string | null;
  /** GenICam frames (migration 0007): the camera's frame id and timestamp (ns, decimal text); null otherwise. */
  readonly cameraFrameId?: number | null;
  readonly cameraTimestampNs?: string | null;
  /** Retention (0009) deleted this row's images at this time; the row and verdict stay. */
  readonly mediaPrunedAt?: string;
}

export interface NewInspection {
  /** Defaults to now. */
  readonly time?: string;
  readonly sourceId: string;
  readonly sourceName?: string;
  readonly productId: string;
  readonly modelId: string;
  readonly score: number;
  readonly threshold: number;
  readonly verdict: LogVerdict;
  readonly boxes?: readonly Box[];
  readonly framePath?: string | null;
  readonly heatmapPath?: string | null;
  readonly latencyMs: number;
  readonly executionProvider: string;
  readonly partId?: string;
  readonly lotName?: string;
  readonly productIndex?: number;
  readonly errorCode?: number;
  readonly errorMessage?: string | null;
  /** GenICam frames: the camera's frame id and timestamp (ns, decimal text). */
  readonly cameraFrameId?: number | null;
  readonly cameraTimestampNs?: string | null;
}

/** Which inspections; every field narrows. `from` inclusive, `to` exclusive. */
export interface InspectionFilter {
  readonly from?: string;
  readonly to?: string;
  readonly verdict?: LogVerdict;
  readonly modelId?: string;
  readonly productId?: string;
  readonly sourceId?: string;
  /** Keyset bound: only ids < beforeId. */
  readonly beforeId?: number;
  /** Keyset bound: only ids > afterId. */
  readonly afterId?: number;
}

/** A position in the log's (time, id) order: the last row of a page. */
export interface InspectionCursor {
  readonly time: string;
  readonly id: number;
}

/**
 * One page in (time, id) order, newest first by default. Keyset paging: pass `next` back as `after` for the
 * next page; each page costs the same however deep it is (an index range, never an offset).
 */
export interface InspectionQuery extends InspectionFilter {
  /** 1..10000 */
  readonly limit: number;
  /** 'newest' (default): time descending, ties by id descending; 'oldest': both ascending. */
  readonly order?: 'newest' | 'oldest';
  /** Only rows after this one in `order` (the previous page's `next`). */
  readonly after?: InspectionCursor;
}

export interface InspectionPage {
  readonly items: readonly InspectionRecord[];
  /** The cursor for the next page in the same order; null when this page is the last one. */
  readonly next: InspectionCursor | null;
  /** @deprecated id-based bound of the last row (ids grow with time on one station); use `next`. */
  readonly nextBeforeId: number | null;
}

/** Counts per verdict (any verdict the log holds, not only OK/NG) and the time span of a filter. */
export interface InspectionSummary {
  readonly total: number;
  readonly byVerdict: Readonly<Record<string, number>>;
  /** Oldest and newest matching time; null when nothing matches. */
  readonly from: string | null;
  readonly to: string | null;
}

/** What `archiveInspections` did. */
export interface ArchiveResult {
  /** The archive file (an SQLite database with `archive_info`, `inspections`, `models`, `products`). */
  readonly path: string;
  readonly before: string;
  /** Rows copied to the archive and then deleted from the log. */
  readonly rows: number;
  readonly firstTime: string | null;
  readonly lastTime: string | null;
  /** Bytes returned to the file system by the vacuum. */
  readonly freedBytes: number;
  /** 'incremental' normally; 'full' once, for a log created before incremental vacuum was switched on. */
  readonly vacuum: 'incremental' | 'full';
}

/** What `maintain` did. */
export interface MaintenanceResult {
  /** WAL frames still not copied back after the passive checkpoint (0 when no reader held them). */
  readonly walFramesLeft: number;
  readonly walBytes: number;
}

// ---------------------------------------------------------------- thresholds

/** Thresholds exist per product (override) and per model (its calibrated value). */
export type ThresholdScope = { readonly productId: string } | { readonly modelId: string };

export type ThresholdChange = ThresholdScope & {
  readonly value: number;
  /** Operator name or 'system'. */
  readonly who: string;
  readonly why: string;
};

export interface ThresholdHistoryEntry {
  readonly id: number;
  readonly productId: string | null;
  readonly modelId: string | null;
  /** null for the first setting. */
  readonly oldValue: number | null;
  readonly newValue: number;
  readonly changedAt: string;
  readonly who: string;
  readonly why: string;
}

/** The threshold a product is inspected with, and where it came from. */
export interface ResolvedThreshold {
  readonly value: number;
  readonly source: 'product' | 'model';
  readonly modelId: string | null;
}

// ---------------------------------------------------------------- evaluations

/** One evaluated image. `label` is 'good' or the defect type; extra keys are kept. */
export interface ImageScore {
  readonly path: string;
  readonly score: number;
  readonly label?: string;
  readonly [key: string]: unknown;
}

export interface EvaluationSummary {
  readonly id: number;
  readonly modelId: string;
  readonly datasetId: string | null;
  readonly metrics: JsonObject;
  readonly createdAt: string;
  readonly imageCount: number;
}

export interface EvaluationRecord extends EvaluationSummary {
  readonly perImage: readonly ImageScore[];
}

export interface NewEvaluation {
  readonly modelId: string;
  readonly datasetId?: string | null;
  readonly metrics: JsonObject;
  readonly perImage: readonly ImageScore[];
  readonly createdAt?: string;
}

export interface EvaluationFilter {
  readonly modelId?: string;
  readonly datasetId?: string;
}

// ---------------------------------------------------------------- annotations

/** A labelled box drawn by an operator, in original image pixels (one definition, in main/annotation). */
export type { AnnotationBox };

/** One annotation per image path; saving again replaces the boxes. */
export interface AnnotationRecord {
  readonly id: number;
  readonly imagePath: string;
  readonly datasetId: string | null;
  readonly boxes: readonly AnnotationBox[];
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface NewAnnotation {
  readonly imagePath: string;
  readonly datasetId?: string | null;
  readonly boxes: readonly AnnotationBox[];
}

export interface AnnotationFilter {
  readonly datasetId?: string;
}

// ---------------------------------------------------------------- line mode (durable every-part queue)

/** A part recorded as pending before it is inspected (see migration 0005). */
export interface LinePart {
  readonly id: number;
  readonly sourceKey: string;
  readonly partKey: string;
  readonly partId: string;
  readonly sourceName: string;
  /** The file to inspect. */
  readonly path: string;
  /** `path` is the station's own spooled copy (deleted once the part is done). */
  readonly spooled: boolean;
  readonly origin: string;
  readonly productIndex: number;
  readonly lotName: string;
  readonly enqueuedAt: string;
  readonly state: 'pending' | 'done';
  readonly inspectionId: number | null;
}

export interface NewLinePart {
  readonly sourceKey: string;
  /** Unique per source: a file's name + size + mtime, a trigger's id. A known key is not queued again. */
  readonly partKey: string;
  readonly partId: string;
  readonly sourceName?: string;
  readonly path: string;
  readonly spooled?: boolean;
  readonly origin?: string;
  readonly productIndex?: number;
  readonly lotName?: string;
}

export interface LineProduct {
  readonly productIndex: number;
  readonly modelId: string;
  readonly name: string;
  readonly updatedAt: string;
}

// ---------------------------------------------------------------- audit trail (0008)

/** One audit entry: who did what to which thing, the value before and after, and why. Never changed or deleted. */
export interface AuditEntry {
  readonly id: number;
  readonly at: string;
  /** The logged-in user's name, 'local' in open mode, 'kiosk', 'system', 'cli:<os user>', 'line:<protocol>' (PLC via OPC UA, Modbus, MQTT). */
  readonly actor: string;
  /** Dotted verb, e.g. 'product.switch', 'threshold.set', 'user.create', 'model.delete', 'auth.login'. */
  readonly action: string;
  /** What it acted on, 'kind:id', e.g. 'product:screw-m6', 'model:pc-1', 'user:anna'; '' when none. */
  readonly target: string;
  /** Any JSON value (or null). */
  readonly old: unknown;
  readonly new: unknown;
  readonly reason: string;
  /** The product it concerns (the current product when the caller gives none); null for station-wide actions. */
  readonly productId: string | null;
}

export interface NewAuditEntry {
  readonly actor: string;
  readonly action: string;
  readonly target?: string;
  readonly old?: unknown;
  readonly new?: unknown;
  readonly reason?: string;
  readonly productId?: string | null;
  /** Defaults to now. */
  readonly at?: string;
}

/** Which audit entries; every field narrows. `from` inclusive, `to` exclusive. */
export interface AuditFilter {
  readonly actor?: string;
  /** Exact action, or a prefix ending in '.' ('product.' = every product action). */
  readonly action?: string;
  readonly target?: string;
  readonly productId?: string;
  readonly from?: string;
  readonly to?: string;
}

/** Keyset paging by id: newest first (default) pages with `beforeId`, oldest first with `afterId`. */
export interface AuditQuery extends AuditFilter {
  /** 1..10000 */
  readonly limit: number;
  readonly order?: 'newest' | 'oldest';
  /** Only ids < beforeId (newest-first paging: pass the previous page's `next`). */
  readonly beforeId?: number;
  /** Only ids > afterId (oldest-first paging, or "what is new since"). */
  readonly afterId?: number;
}

export interface AuditPage {
  readonly items: readonly AuditEntry[];
  /** The id to pass as `beforeId` (newest) or `afterId` (oldest) for the next page; null on the last page. */
  readonly next: number | null;
}

// ---------------------------------------------------------------- users (0008)

export type UserRole = 'operator' | 'engineer' | 'administrator';

export interface UserRecord {
  readonly name: string;
  readonly displayName: string;
  readonly role: UserRole;
  readonly secretKind: 'password' | 'pin';
  /** scrypt$N$r$p$salt$hash (main/services/auth.ts); never leaves the engine. */
  readonly secretHash: string;
  readonly failedAttempts: number;
  readonly lockedUntil: string | null;
  readonly disabled: boolean;
  readonly lastLoginAt: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface NewUser {
  readonly name: string;
  readonly displayName?: string;
  readonly role: UserRole;
  readonly secretKind: 'password' | 'pin';
  readonly secretHash: string;
}

export interface UserPatch {
  readonly displayName?: string;
  readonly role?: UserRole;
  readonly secretKind?: 'password' | 'pin';
  readonly secretHash?: string;
  readonly failedAttempts?: number;
  readonly lockedUntil?: string | null;
  readonly disabled?: boolean;
  readonly lastLoginAt?: string | null;
}

// ---------------------------------------------------------------- floor (0009)

/** An operator's acknowledgement of the latched NG: covers every NG up to `upToInspectionId`. */
export interface NgAcknowledgement {
  readonly id: number;
  readonly upToInspectionId: number;
  readonly acknowledgedAt: string;
  readonly actor: string;
  readonly note: string;
}

/** A log row's stored images, for retention. `bytes` null = not measured yet. */
export interface MediaRow {
  readonly id: number;
  readonly time: string;
  readonly productId: string;
  readonly verdict: LogVerdict;
  readonly framePath: string | null;
  readonly heatmapPath: string | null;
  readonly bytes: number | null;
}

export interface MediaUsage {
  readonly productId: string;
  readonly verdict: string;
  readonly bytes: number;
  /** Rows holding images. */
  readonly files: number;
}

// ---------------------------------------------------------------- the store

export interface StoreOptions {
  /**
   * 'full' (default): each commit is fsynced, so committed rows survive a process kill AND a power cut.
   * 'normal': survives a process kill, may lose the last commits on an OS crash / power cut; faster.
   */
  readonly durability?: 'full' | 'normal';
  /** How long a write waits for another connection's lock before failing with 'busy'. Default 5000 ms. */
  readonly busyTimeoutMs?: number;
  /**
   * A read-only connection (for log queries and exports in their own worker): never migrates or writes; the
   * database must exist at the latest schema version. Write methods fail with 'io'.
   */
  readonly readonly?: boolean;
}

export interface StationStore {
  readonly path: string;
  /** PRAGMA user_version after migration. */
  readonly schemaVersion: number;
  /** Model versions, feedback and shadow results (migration 0010). */
  readonly learning: LearningStore;
  close(): void;

  createProduct(input: NewProduct): Product;
  getProduct(id: string): Product | null;
  listProducts(): Product[];
  updateProduct(id: string, patch: ProductPatch): Product;
  /** Fails with 'invalid-input' while models, datasets or inspections still reference it. */
  deleteProduct(id: string): void;

  createModel(input: NewModel): ModelRecord;
  getModel(id: string): ModelRecord | null;
  listModels(filter?: ModelFilter): ModelRecord[];
  updateModel(id: string, patch: ModelPatch): ModelRecord;
  /** Fails with 'invalid-input' while inspections or evaluations reference it; clears it as an active model. */
  deleteModel(id: string): void;

  createDataset(input: NewDataset): DatasetRecord;
  getDataset(id: string): DatasetRecord | null;
  listDatasets(filter?: { readonly productId?: string }): DatasetRecord[];
  updateDataset(id: string, patch: DatasetPatch): DatasetRecord;
  deleteDataset(id: string): void;

  /** One row, committed before returning. */
  recordInspection(input: NewInspection): InspectionRecord;
  /** Many rows in one transaction (all or nothing). */
  recordInspections(inputs: readonly NewInspection[]): InspectionRecord[];
  getInspection(id: number): InspectionRecord | null;
  queryInspections(query: InspectionQuery): InspectionPage;
  /**
   * Cheap at any size: whole hours and days come from the per-hour/per-day summary kept with every insert,
   * only the partial hours at the edges of a time range are counted row by row. `afterId` counts the rows after it.
   */
  countInspections(filter?: InspectionFilter): number;
  /** Counts per verdict and the time span of `filter`, as cheap as `countInspections`. */
  summarizeInspections(filter?: InspectionFilter): InspectionSummary;
  /** SQLite's plan for `queryInspections(query)` (EXPLAIN QUERY PLAN lines), for tests and the benchmark. */
  explainInspectionQuery(query: InspectionQuery): string[];
  /** Highest inspection id so far (0 when empty); a keyset bound for consistent exports. */
  lastInspectionId(): number;
  /**
   * Streams matching rows (oldest first by default) from a separate read connection, so writes on this
   * store keep working while an export runs. Finish or `return()` the iterator to release it.
   */
  iterateInspections(filter?: InspectionFilter, order?: 'asc' | 'desc'): Generator<InspectionRecord, void, undefined>;

  /** Sets the current threshold and appends its history row in one transaction. */
  setThreshold(change: ThresholdChange): ThresholdHistoryEntry;
  getThreshold(scope: ThresholdScope): number | null;
  /** Product override if set, else the active model's threshold; null when neither is set. */
  resolveThreshold(productId: string): ResolvedThreshold | null;
  /** Newest first. */
  thresholdHistory(scope: ThresholdScope, limit?: number): ThresholdHistoryEntry[];

  recordEvaluation(input: NewEvaluation): EvaluationRecord;
  getEvaluation(id: number): EvaluationRecord | null;
  /** Newest first, without per-image scores. */
  listEvaluations(filter?: EvaluationFilter): EvaluationSummary[];

  saveAnnotation(input: NewAnnotation): AnnotationRecord;
  getAnnotation(imagePath: string): AnnotationRecord | null;
  listAnnotations(filter?: AnnotationFilter): AnnotationRecord[];
  deleteAnnotation(imagePath: string): boolean;

  /** Records a part as pending; null (nothing written) when its (sourceKey, partKey) is already known. */
  enqueueLinePart(input: NewLinePart): LinePart | null;
  /** Pending parts, oldest first; only ids > `afterId` when given (parts already taken for inspection). */
  pendingLineParts(limit: number, afterId?: number): LinePart[];
  countPendingLineParts(): number;
  /** Whether this source has queued any part before (a restarted source then takes files that arrived meanwhile). */
  lineSourceKnown(sourceKey: string): boolean;
  /** The part's log row and its move to 'done', in one transaction (exactly one row per part, even across a kill). */
  completeLinePart(partId: number, inspection: NewInspection): InspectionRecord;
  /** Forgets done parts finished before `before` (ISO time); returns how many. */
  pruneLineParts(before: string): number;

  setLineProduct(productIndex: number, modelId: string, name?: string): LineProduct;
  getLineProduct(productIndex: number): LineProduct | null;
  listLineProducts(): LineProduct[];

  /** Small JSON settings by key (null when unset); `setSetting(key, null)` removes one. */
  getSetting(key: string): unknown;
  setSetting(key: string, value: unknown): void;

  /** Line adapters' store and forward (0006): the last result sequence `adapter` delivered; null before the first. */
  getDeliveryCursor(adapter: string): number | null;
  setDeliveryCursor(adapter: string, sequence: number): void;

  /** Appends one audit entry (committed before returning). The table refuses UPDATE and DELETE (triggers). */
  appendAudit(entry: NewAuditEntry): AuditEntry;
  /** One page of the audit trail, keyset-paged by id. */
  listAudit(query: AuditQuery): AuditPage;

  createUser(input: NewUser): UserRecord;
  /** Case-insensitive name. */
  getUser(name: string): UserRecord | null;
  listUsers(): UserRecord[];
  updateUser(name: string, patch: UserPatch): UserRecord;
  /** Administrators that are not disabled: while there are none, the station runs in open mode. */
  countAdministrators(): number;

  /** PRAGMA integrity_check; 'ok' or the problems found. Slow on big databases: for a maintenance action. */
  checkIntegrity(): string[];
  /** Bytes per table and index (dbstat), largest first. Reads the whole file: for benchmarks and maintenance. */
  spaceUsed(): Record<string, number>;
  /** Periodic upkeep (the station runs it hourly): `PRAGMA optimize` and a passive WAL checkpoint. */
  maintain(): MaintenanceResult;
  /**
   * Copies every inspection with time < `before` into a new SQLite file at `outPath` (refused if it exists),
   * checks the copy, then deletes exactly those rows from the log in small transactions and vacuums the freed
   * pages. Nothing else is touched. Safe while the station runs (inserts wait at most one small batch).
   */
  archiveInspections(before: string, outPath: string): ArchiveResult;

  /** Floor (0009): records that every NG up to `upToInspectionId` was seen by `actor` (the latch clears). */
  acknowledgeNg(input: { readonly upToInspectionId: number; readonly actor: string; readonly note?: string }): NgAcknowledgement;
  lastNgAcknowledgement(): NgAcknowledgement | null;
  /** Rows per verdict of one lot (optionally of one product), by index. */
  countByLot(lotName: string, productId?: string): Record<string, number>;
  /** Matching rows, highest score first (the shift report's top NG images). */
  topInspections(filter: InspectionFilter, limit: number): InspectionRecord[];
  /** Retention: rows with images whose size is not measured yet, oldest first. */
  unmeasuredMedia(limit: number): MediaRow[];
  setMediaBytes(entries: readonly { readonly id: number; readonly bytes: number }[]): void;
  /** Retention: the oldest rows of a product and verdict that still hold images. */
  oldestMedia(productId: string, verdict: LogVerdict, limit: number): MediaRow[];
  /** Retention: the rows' images were deleted: paths cleared, `mediaPrunedAt` set; the rows stay. Returns how many. */
  markMediaPruned(ids: readonly number[], at?: string): number;
  /** Bytes and rows with images per product and verdict (kept by triggers: one lookup). */
  mediaUsage(): MediaUsage[];
}
