/**
 * Models and thresholds: the store holds the records, this keeps the current product's active model loaded
 * in memory with its threshold, so the live loop reads both synchronously per frame. The current product (recipe)
 * is a station setting; `useProduct` switches it (main/services/products.ts audits and drives that).
 */
import { withChecksum } from '../inference/artifact-json.js';
import { mkdir, rename, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { ModelSummary, ThresholdRecord, ThresholdState, ValidationScoreDto, ValidationScores } from '../common/api.js';
import { Emitter } from '../common/event.js';
import { StationFault } from '../common/result.js';
import type { ModelKind } from '../common/types.js';
import type { InspectionModel, ModelInfo } from '../inference/model.js';
import { loadModel } from '../inference/load-model.js';
import { CHUNK_DIR_NAME, collectBankChunks } from '../inference/patchcore/bank-chunks.js';
import type { ModelRecord, StationStore, ThresholdHistoryEntry } from '../store/interface.js';
import { auroc } from '../evaluation/metrics.js';
import { expectedFalseRejectRate as frrAt, recallAt } from '../evaluation/threshold-rule.js';
import type { CurrentModel } from '../pipeline/live-pipeline.js';

export const DEFAULT_PRODUCT = 'default';
/** Station setting: the id of the product being inspected. */
export const CURRENT_PRODUCT_KEY = 'station.product';

/** Loads a model artifact of any kind (the folder's model.json says which). */
export async function loadInspectionModel(_kind: ModelKind, dir: string): Promise<InspectionModel> {
  return loadModel(dir);
}

/** A new version's id: the parent's without an earlier version suffix, then kind letter, time and a random tail. */
export function versionId(parentId: string, kind: 't' | 'v'): string {
  const base = parentId.replace(/-[tv][0-9a-z]{6,12}-[0-9a-f]{6}$/, '').slice(0, 160);
  return `${base}-${kind}${Date.now().toString(36)}-${randomUUID().slice(0, 6)}`;
}

/** "3.79": two decimals unless that hides the difference from `other` or the value is tiny or huge. */
function fmtThreshold(v: number, other: number): string {
  const fixed = v.toFixed(2);
  if (Math.abs(v) >= 0.01 && Math.abs(v) < 1e5 && fixed !== other.toFixed(2)) return fixed;
  return String(Number(v.toPrecision(6)));
}

function toRecord(e: ThresholdHistoryEntry, modelId: string): ThresholdRecord {
  return { modelId, value: e.newValue, previous: e.oldValue, reason: e.why, who: e.who, at: e.changedAt };
}

export class ModelRegistry {
  private loaded: { id: string; model: InspectionModel; productId: string; artifactPath: string } | null = null;
  private loading: Promise<void> | null = null;
  private threshold: number | null = null;
  private readonly changed = new Emitter<ModelSummary[]>();
  readonly onChanged = this.changed.event;
  private readonly thresholdChanged = new Emitter<ThresholdRecord>();
  readonly onThresholdChanged = this.thresholdChanged.event;

  constructor(
    readonly store: StationStore,
    readonly modelsDir: string,
  ) {
    if (!store.getProduct(DEFAULT_PRODUCT)) store.createProduct({ id: DEFAULT_PRODUCT, name: 'Default product' });
  }

  /** The product being inspected (read from the store each time: job workers share it through the database). */
  productId(): string {
    const id = this.store.getSetting(CURRENT_PRODUCT_KEY);
    return typeof id === 'string' && this.store.getProduct(id) ? id : DEFAULT_PRODUCT;
  }

  /** The product a log row of `modelId` belongs to (the loaded model's without a query). */
  productOf(modelId: string): string {
    if (this.loaded?.id === modelId) return this.loaded.productId;
    return this.store.getModel(modelId)?.productId ?? this.productId();
  }

  activeId(): string | null {
    return this.store.getProduct(this.productId())?.activeModelId ?? null;
  }

  /**
   * Makes `productId` the current product: loads its active model first (a broken artifact leaves the station as
   * it was), then switches. A product without a model is allowed (the Live screen then asks for training).
   */
  async useProduct(productId: string): Promise<void> {
    const p = this.store.getProduct(productId);
    if (!p) throw new StationFault('not-found', `no product "${productId}"`);
    if (p.archivedAt) throw new StationFault('invalid-input', `product "${p.name}" is archived: restore it first`);
    const rec = p.activeModelId ? this.get(p.activeModelId) : null;
    const model = rec ? await loadInspectionModel(rec.kind, rec.artifactPath) : null;
    const old = this.loaded;
    this.loaded = rec && model ? { id: rec.id, model, productId, artifactPath: rec.artifactPath } : null;
    this.threshold = rec ? this.thresholdOf(rec) : null;
    this.store.setSetting(CURRENT_PRODUCT_KEY, productId);
    if (old && old.model !== model) await old.model.dispose().catch(() => {});
    this.changed.fire(this.list());
    if (rec) this.thresholdChanged.fire({ modelId: rec.id, value: this.thresholdOf(rec), previous: null, reason: 'product switched', who: 'system', at: new Date().toISOString() });
  }

  private defaultThresholdOf(rec: ModelRecord): number {
    const v = (rec.trainInfo as { defaultThreshold?: unknown }).defaultThreshold;
    return typeof v === 'number' && Number.isFinite(v) ? v : 0;
  }

  thresholdOf(rec: ModelRecord): number {
    return rec.threshold ?? this.defaultThresholdOf(rec);
  }

  summary(rec: ModelRecord, activeId = this.activeId()): ModelSummary {
    const ti = rec.trainInfo as { trainImages?: number; params?: Record<string, unknown>; validationCount?: number };
    return {
      id: rec.id,
      name: rec.name || rec.id,
      kind: rec.kind,
      backbone: rec.backbone,
      createdAt: rec.createdAt,
      trainImages: typeof ti.trainImages === 'number' ? ti.trainImages : 0,
      defaultThreshold: this.defaultThresholdOf(rec),
      threshold: this.thresholdOf(rec),
      active: rec.id === activeId,
      hasValidation: (ti.validationCount ?? 0) > 0 || this.store.listEvaluations({ modelId: rec.id }).length > 0,
      params: ti.params ?? {},
      ...this.thresholdEvidence(rec, ti.params ?? {}),
    };
  }

  /** What the threshold in force is expected to do: recall on validated defects, false rejects from the good-score fit. */
  private thresholdEvidence(rec: ModelRecord, params: Record<string, unknown>): { recallAtThreshold: number | null; expectedFalseRejectRate: number | null } {
    const t = this.thresholdOf(rec);
    const latest = this.store.listEvaluations({ modelId: rec.id })[0];
    const perImage = latest ? (this.store.getEvaluation(latest.id)?.perImage ?? []) : [];
    const recallAtThreshold = recallAt(perImage.map((p) => ({ score: p.score, label: p.label === 'good' ? 0 : 1 })), t);
    const [mean, std, n] = [params['trainScoreMean'], params['trainScoreStd'], params['trainScoreCount']];
    const expectedFalseRejectRate =
      typeof mean === 'number' && typeof std === 'number' ? frrAt({ mean, std, n: typeof n === 'number' ? n : 2 }, t) : null;
    return { recallAtThreshold, expectedFalseRejectRate };
  }

  list(): ModelSummary[] {
    const active = this.activeId();
    return this.store.listModels({ productId: this.productId() }).map((r) => this.summary(r, active));
  }

  get(id: string): ModelRecord {
    const rec = this.store.getModel(id);
    if (!rec) throw new StationFault('not-found', `no model ${id}`);
    return rec;
  }

  active(): ModelSummary | null {
    const id = this.activeId();
    return id ? this.summary(this.get(id), id) : null;
  }

  /**
   * Loads the model first (so a broken artifact never becomes active), then makes it active. A version that shares
   * the loaded model's artifact (a threshold version) reuses the loaded model: only the id and threshold change.
   */
  async activate(id: string): Promise<ModelSummary> {
    const rec = this.get(id);
    if (this.loaded && this.loaded.artifactPath === rec.artifactPath) {
      if (rec.productId !== this.productId()) this.store.setSetting(CURRENT_PRODUCT_KEY, rec.productId);
      return this.switchActive(rec);
    }
    const model = await loadInspectionModel(rec.kind, rec.artifactPath);
    const old = this.loaded;
    this.loaded = { id, model, productId: rec.productId, artifactPath: rec.artifactPath };
    this.threshold = this.thresholdOf(rec);
    this.store.updateProduct(rec.productId, { activeModelId: id });
    // A model of another product (a line index mapped to it) brings its product along.
    if (rec.productId !== this.productId()) this.store.setSetting(CURRENT_PRODUCT_KEY, rec.productId);
    if (old && old.model !== model) await old.model.dispose().catch(() => {});
    this.changed.fire(this.list());
    return this.summary(rec, id);
  }

  /** Makes `rec` active; the loaded model is kept when it is `rec`'s artifact (else it loads on the next ensureLoaded). */
  private switchActive(rec: ModelRecord): ModelSummary {
    this.store.updateProduct(rec.productId, { activeModelId: rec.id });
    if (this.loaded && this.loaded.artifactPath === rec.artifactPath) {
      this.loaded = { ...this.loaded, id: rec.id, productId: rec.productId };
      this.threshold = this.thresholdOf(rec);
      this.thresholdChanged.fire({ modelId: rec.id, value: this.threshold, previous: null, reason: 'version activated', who: 'system', at: new Date().toISOString() });
    }
    this.changed.fire(this.list());
    return this.summary(rec, rec.id);
  }

  /** Loads the active model if it is not loaded yet. */
  async ensureLoaded(): Promise<void> {
    const id = this.activeId();
    if (!id || this.loaded?.id === id) return;
    this.loading ??= (async () => {
      const rec = this.get(id);
      const model = await loadInspectionModel(rec.kind, rec.artifactPath);
      this.loaded = { id, model, productId: rec.productId, artifactPath: rec.artifactPath };
      this.threshold = this.thresholdOf(rec);
    })().finally(() => (this.loading = null));
    await this.loading;
  }

  /** For the live loop: the loaded active model and its threshold (null when none is loaded). */
  current(): CurrentModel | null {
    if (!this.loaded || this.threshold === null) return null;
    return { modelId: this.loaded.id, model: this.loaded.model, threshold: this.threshold };
  }

  executionProvider(): string | null {
    return this.loaded?.model.executionProvider ?? null;
  }

  async remove(id: string): Promise<void> {
    const rec = this.get(id);
    if (this.activeId() === id) {
      if (this.loaded?.id === id) {
        await this.loaded.model.dispose().catch(() => {});
        this.loaded = null;
        this.threshold = null;
      }
    }
    this.store.deleteModel(id); // refuses while inspections reference it
    // Threshold versions share their parent's artifact folder: it goes with the last model row using it.
    if (this.store.learning.modelsWithArtifact(rec.artifactPath).length === 0) await rm(rec.artifactPath, { recursive: true, force: true }).catch(() => {});
    await collectBankChunks(this.modelsDir).catch(() => {});
    this.changed.fire(this.list());
  }

  /** Registers a trained model saved by `save(dir)`: writes to a temp folder, renames, records, sets its threshold. */
  async register(
    model: InspectionModel,
    save: (dir: string) => Promise<void>,
    extra: { name?: string; trainImages: number; activate: boolean },
  ): Promise<ModelSummary> {
    const info: ModelInfo = model.info;
    const id = info.id || randomUUID();
    const dir = resolve(this.modelsDir, id);
    const tmp = `${dir}.tmp-${process.pid}`;
    await rm(tmp, { recursive: true, force: true });
    await mkdir(tmp, { recursive: true });
    await save(tmp);
    if (existsSync(dir)) await rm(dir, { recursive: true, force: true });
    await rename(tmp, dir);
    const rec = this.store.createModel({
      id,
      kind: info.kind,
      productId: this.productId(),
      name: extra.name ?? `${info.kind} ${info.backbone} ${info.createdAt.slice(0, 16).replace('T', ' ')}`,
      artifactPath: dir,
      backbone: info.backbone,
      createdAt: info.createdAt,
      trainInfo: {
        trainImages: extra.trainImages,
        defaultThreshold: info.defaultThreshold,
        formatVersion: info.formatVersion,
        validationCount: info.validation?.length ?? 0,
        params: info.params,
      },
    });
    this.store.setThreshold({ modelId: id, value: info.defaultThreshold, who: 'system', why: 'default threshold from training' });
    if (info.validation?.length) {
      const scores = info.validation.map((v) => ({ path: v.name, score: v.score, label: v.label === 0 ? 'good' : (v.defectType ?? 'defect') }));
      this.store.recordEvaluation({ modelId: id, metrics: { auroc: this.aurocOf(info.validation) }, perImage: scores });
    }
    await model.dispose().catch(() => {});
    if (extra.activate) return this.activate(rec.id);
    this.changed.fire(this.list());
    return this.summary(this.get(id));
  }

  private aurocOf(scores: readonly { score: number; label: 0 | 1 }[]): number | null {
    const hasBoth = scores.some((s) => s.label === 0) && scores.some((s) => s.label === 1);
    if (!hasBoth) return null;
    try {
      return auroc(
        scores.map((s) => s.score),
        scores.map((s) => s.label),
      );
    } catch {
      return null;
    }
  }

  private resolveId(modelId?: string): string {
    const id = modelId ?? this.activeId();
    if (!id) throw new StationFault('not-found', 'no active model: train or activate one first');
    return id;
  }

  getThreshold(modelId?: string): ThresholdState {
    const rec = this.get(this.resolveId(modelId));
    const last = this.store.thresholdHistory({ modelId: rec.id }, 1)[0];
    // The first history row is the training default; only operator changes count as "last".
    const changed = last && last.oldValue !== null ? toRecord(last, rec.id) : null;
    return { modelId: rec.id, value: this.thresholdOf(rec), defaultValue: this.defaultThresholdOf(rec), last: changed };
  }

  /**
   * A threshold change makes a new immutable version of the model (issue 12): a model row that shares the parent's
   * artifact (nothing new on disk), with the parent, "threshold a -> b", who and why. When the parent was its
   * product's active version the new one becomes active (the loaded model is reused: the next frame is decided by
   * the new version with the new threshold); re-activating the parent restores its threshold.
   */
  setThreshold(req: { modelId?: string; value: number; reason: string; who: string }): ThresholdRecord {
    const parent = this.get(this.resolveId(req.modelId));
    const from = this.thresholdOf(parent);
    const id = versionId(parent.id, 't');
    const parentDetail = this.store.learning.getModelVersion(parent.id)?.detail ?? {};
    const { history } = this.store.learning.addThresholdVersion({
      modelId: id,
      parentId: parent.id,
      name: `${(parent.name || parent.id).replace(/ · threshold \S+$/, '')} · threshold ${fmtThreshold(req.value, from)}`,
      value: req.value,
      detail: {
        text: `threshold ${fmtThreshold(from, req.value)} -> ${fmtThreshold(req.value, from)}`,
        from,
        to: req.value,
        // The learn job finds the validation set through the version it learns from.
        ...(typeof parentDetail['validationFolder'] === 'string' ? { validationFolder: parentDetail['validationFolder'] } : {}),
      },
      who: req.who,
      why: req.reason,
    });
    if (this.store.getProduct(parent.productId)?.activeModelId === parent.id) this.switchActive(this.get(id));
    const out = toRecord(history, id);
    this.thresholdChanged.fire(out);
    this.changed.fire(this.list());
    return out;
  }

  /**
   * Threshold changes of the version and of the versions it was made from (the parent chain), newest first:
   * the Threshold screen shows how the threshold in force came to be.
   */
  thresholdHistory(modelId: string | undefined, limit: number): ThresholdRecord[] {
    const id = this.resolveId(modelId);
    this.get(id);
    const rows: ThresholdRecord[] = [];
    const seen = new Set<string>();
    for (let cur: string | null = id; cur && !seen.has(cur) && seen.size < 10_000; cur = this.store.learning.getModelVersion(cur)?.parentId ?? null) {
      seen.add(cur);
      if (!this.store.getModel(cur)) break;
      const mine = cur;
      rows.push(...this.store.thresholdHistory({ modelId: mine }, limit).map((e) => toRecord(e, mine)));
    }
    return rows.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0)).slice(0, limit);
  }

  validationScores(modelId?: string): ValidationScores {
    const rec = this.get(this.resolveId(modelId));
    const latest = this.store.listEvaluations({ modelId: rec.id })[0];
    const full = latest ? this.store.getEvaluation(latest.id) : null;
    const scores: ValidationScoreDto[] = (full?.perImage ?? []).map((p) => ({
      name: p.path,
      score: p.score,
      label: p.label === 'good' ? 0 : 1,
      ...(p.label && p.label !== 'good' ? { defectType: p.label } : {}),
    }));
    return {
      modelId: rec.id,
      scores,
      threshold: this.thresholdOf(rec),
      defaultThreshold: this.defaultThresholdOf(rec),
      auroc: this.aurocOf(scores),
    };
  }

  /** Tells listeners the model list changed (a model registered by a job worker through its own connection). */
  refresh(): void {
    this.changed.fire(this.list());
  }

  async dispose(): Promise<void> {
    await this.loaded?.model.dispose().catch(() => {});
    this.loaded = null;
    this.changed.dispose();
    this.thresholdChanged.dispose();
  }

  modelDir(id: string): string {
    return join(this.modelsDir, id);
  }

  /** The content-addressed store of memory-bank chunks the models of this folder share (bank-chunks.ts). */
  get chunkDir(): string {
    return join(resolve(this.modelsDir), CHUNK_DIR_NAME);
  }
}

/**
 * Imports an exported detector (manifest.json + ONNX, RTMDet or YOLOv8) as a model of kind 'detector': checks it
 * loads, scores `validation` images once (their best-box confidences become the validation scores the threshold
 * screen shows), copies manifest + ONNX into the models folder under a new id and registers it.
 */
export async function importDetectorModel(
  reg: ModelRegistry,
  req: { folder: string; name?: string; activate: boolean },
  validation: readonly { readonly source: string; readonly name: string; readonly label: 0 | 1; readonly defectType?: string }[] = [],
  onProgress?: (p: { stage: string; done: number; total: number }) => void,
): Promise<ModelSummary> {
  const { readDetectorManifest } = await import('../inference/detector/index.js');
  const { decodeImage } = await import('../node/image-io.js');
  const { copyFile, readFile, writeFile } = await import('node:fs/promises');
  const { basename } = await import('node:path');
  const { manifest, dir: srcDir, modelPath } = readDetectorManifest(resolve(req.folder));
  const model = await loadModel(srcDir);
  let scores: { name: string; score: number; label: 0 | 1; defectType?: string }[] = [];
  try {
    for (const [i, v] of validation.entries()) {
      const out = await model.infer(await decodeImage(v.source));
      scores.push({ name: v.name, score: out.score, label: v.label, ...(v.defectType ? { defectType: v.defectType } : {}) });
      onProgress?.({ stage: 'validation', done: i + 1, total: validation.length });
    }
  } catch (e) {
    await model.dispose().catch(() => {});
    throw e;
  }
  if (!(scores.some((s) => s.label === 0) || scores.some((s) => s.label === 1))) scores = [];
  const id = `detector-${randomUUID().slice(0, 8)}`;
  const info: ModelInfo = { ...model.info, id, ...(scores.length ? { validation: scores } : {}) };
  const wrapped: InspectionModel = {
    info,
    executionProvider: model.executionProvider,
    infer: (img, o) => model.infer(img, o),
    dispose: () => model.dispose(),
  };
  const onnxName = basename(modelPath);
  const { checksum: _old, ...raw } = JSON.parse(await readFile(join(srcDir, 'manifest.json'), 'utf8')) as Record<string, unknown>;
  return reg.register(
    wrapped,
    async (dir) => {
      await copyFile(modelPath, join(dir, onnxName));
      // The copy refers to its ONNX file beside it, whatever relative path the original used.
      await writeFile(join(dir, 'manifest.json'), JSON.stringify(withChecksum({ ...raw, id, model: onnxName }), null, 1));
    },
    { name: req.name ?? manifest.description ?? `${manifest.format} detector (${manifest.classes.join(', ')})`, trainImages: manifest.trainImages, activate: req.activate },
  );
}
