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
import type { Box, ModelKind, Verdict } from '../common/types.js';
import type { AnnotationBox } from '../annotation/types.js';

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
}

export interface NewProduct {
  readonly id?: string;
  readonly name: string;
  readonly description?: string;
}

/** Thresholds are changed only through `setThreshold` so every change has a history row. */
export interface ProductPatch {
  readonly name?: string;
  readonly description?: string;
  /** Must be a model of this product; null clears it. */
  readonly activeModelId?: string | null;
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
  readonly verdict: Verdict;
  readonly boxes: readonly Box[];
  readonly framePath: string | null;
  readonly heatmapPath: string | null;
  readonly latencyMs: number;
  /** ONNX Runtime execution provider that ran the model, e.g. 'cpu', 'webgpu'. */
  readonly executionProvider: string;
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
  readonly verdict: Verdict;
  readonly boxes?: readonly Box[];
  readonly framePath?: string | null;
  readonly heatmapPath?: string | null;
  readonly latencyMs: number;
  readonly executionProvider: string;
}

/** Which inspections; every field narrows. `from` inclusive, `to` exclusive. */
export interface InspectionFilter {
  readonly from?: string;
  readonly to?: string;
  readonly verdict?: Verdict;
  readonly modelId?: string;
  readonly productId?: string;
  readonly sourceId?: string;
  /** Keyset bound: only ids < beforeId. */
  readonly beforeId?: number;
  /** Keyset bound: only ids > afterId. */
  readonly afterId?: number;
}

/** One page, newest first. Pass `nextBeforeId` back as `beforeId` for the next page. */
export interface InspectionQuery extends InspectionFilter {
  /** 1..10000 */
  readonly limit: number;
}

export interface InspectionPage {
  readonly items: readonly InspectionRecord[];
  /** null when this page is the last one. */
  readonly nextBeforeId: number | null;
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

// ---------------------------------------------------------------- the store

export interface StoreOptions {
  /**
   * 'full' (default): each commit is fsynced, so committed rows survive a process kill AND a power cut.
   * 'normal': survives a process kill, may lose the last commits on an OS crash / power cut; faster.
   */
  readonly durability?: 'full' | 'normal';
  /** How long a write waits for another connection's lock before failing with 'busy'. Default 5000 ms. */
  readonly busyTimeoutMs?: number;
}

export interface StationStore {
  readonly path: string;
  /** PRAGMA user_version after migration. */
  readonly schemaVersion: number;
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
  countInspections(filter?: InspectionFilter): number;
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

  /** PRAGMA integrity_check; 'ok' or the problems found. Slow on big databases: for a maintenance action. */
  checkIntegrity(): string[];
}
