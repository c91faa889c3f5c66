/**
 * Products (recipes, issue 10 item 1): a product bundles its models (the active one and its threshold), its
 * settings (preprocessing/registration, source, outputs, retention) and the index a PLC selects it by. Create,
 * clone, rename, archive, switch; every change and switch goes to the audit trail. The current lot belongs to
 * the current product and is recorded with every log row.
 */
import { cp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { ProductDto } from '../common/accounts.js';
import { Emitter } from '../common/event.js';
import { StationFault } from '../common/result.js';
import type { LineOrigin, LineSignals } from '../common/line-io.js';
import type { Product, ProductSettings, StationStore } from '../store/interface.js';
import type { AuditTrail } from './audit.js';
import { currentActor } from './audit.js';
import type { ModelRegistry } from './model-registry.js';

export type { ProductDto };

/** What the products service needs of the line (the LineStation of main/services/line-station.ts). */
export interface ProductLine {
  signals(): LineSignals;
  selectProduct(origin: LineOrigin, index: number): Promise<{ ok: boolean; error?: { kind: string; message: string } }>;
  setLotName(origin: LineOrigin, name: string): void;
}

const slug = (name: string) =>
  name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40) || 'product';

export class ProductService {
  private readonly changed = new Emitter<ProductDto[]>();
  readonly onChanged = this.changed.event;

  constructor(
    private readonly store: StationStore,
    private readonly reg: ModelRegistry,
    private readonly audit: AuditTrail,
    private readonly line: ProductLine,
  ) {}

  private dto(p: Product, current = this.reg.productId()): ProductDto {
    const models = this.store.listModels({ productId: p.id });
    const active = p.activeModelId ? models.find((m) => m.id === p.activeModelId) : undefined;
    return {
      id: p.id,
      name: p.name,
      description: p.description,
      activeModelId: p.activeModelId,
      activeModelName: active ? active.name || active.id : null,
      modelCount: models.length,
      settings: p.settings ?? {},
      archived: !!p.archivedAt,
      lineIndex: p.lineIndex ?? null,
      lotName: p.lotName ?? '',
      current: p.id === current,
      createdAt: p.createdAt,
      updatedAt: p.updatedAt,
    };
  }

  private get(id: string): Product {
    const p = this.store.getProduct(id);
    if (!p) throw new StationFault('not-found', `no product "${id}"`);
    return p;
  }

  private fire(): void {
    this.changed.fire(this.list({ includeArchived: true }));
  }

  list(req: { includeArchived?: boolean } = {}): ProductDto[] {
    const current = this.reg.productId();
    return this.store
      .listProducts()
      .filter((p) => req.includeArchived || !p.archivedAt || p.id === current)
      .map((p) => this.dto(p, current));
  }

  current(): ProductDto {
    return this.dto(this.get(this.reg.productId()));
  }

  private newId(name: string): string {
    const base = slug(name);
    return this.store.getProduct(base) ? `${base}-${randomUUID().slice(0, 6)}` : base;
  }

  create(req: { name: string; description?: string; lineIndex?: number | null; settings?: ProductSettings; reason?: string }): ProductDto {
    this.checkName(req.name);
    const p = this.store.createProduct({
      id: this.newId(req.name),
      name: req.name,
      description: req.description ?? '',
      settings: req.settings ?? {},
      lineIndex: req.lineIndex ?? null,
    });
    this.audit.record({ action: 'product.create', target: `product:${p.id}`, new: { name: p.name, lineIndex: p.lineIndex ?? null }, reason: req.reason ?? '', productId: p.id });
    this.fire();
    return this.dto(p);
  }

  private checkName(name: string, except?: string): void {
    const clash = this.store.listProducts().find((p) => p.name.toLowerCase() === name.trim().toLowerCase() && p.id !== except);
    if (clash) throw new StationFault('invalid-input', `a product named "${clash.name}" already exists`);
  }

  /**
   * A new product with the same settings and a copy of the active model (its own artifact folder, threshold and
   * validation scores), so the two can then be tuned apart. The line index is not copied (it must stay unique).
   */
  async clone(req: { id: string; name: string; reason?: string }): Promise<ProductDto> {
    const src = this.get(req.id);
    this.checkName(req.name);
    const p = this.store.createProduct({ id: this.newId(req.name), name: req.name, description: src.description, settings: src.settings ?? {} });
    const model = src.activeModelId ? this.store.getModel(src.activeModelId) : null;
    let copied: string | null = null;
    if (model) {
      const id = `${model.id.slice(0, 150)}-${p.id.slice(0, 40)}-${randomUUID().slice(0, 6)}`;
      const dir = join(this.reg.modelsDir, id);
      try {
        await cp(model.artifactPath, dir, { recursive: true, errorOnExist: true, force: false });
        this.store.createModel({
          id,
          kind: model.kind,
          productId: p.id,
          name: model.name,
          artifactPath: dir,
          backbone: model.backbone,
          createdAt: model.createdAt,
          trainInfo: { ...model.trainInfo, clonedFrom: model.id },
          metrics: model.metrics,
        });
        if (model.threshold !== null) {
          this.store.setThreshold({ modelId: id, value: model.threshold, who: currentActor().name, why: `cloned from model ${model.id} of product ${src.id}` });
        }
        const latest = this.store.listEvaluations({ modelId: model.id })[0];
        const full = latest ? this.store.getEvaluation(latest.id) : null;
        if (full) this.store.recordEvaluation({ modelId: id, metrics: full.metrics, perImage: full.perImage });
        this.store.updateProduct(p.id, { activeModelId: id });
        copied = id;
      } catch (e) {
        await rm(dir, { recursive: true, force: true }).catch(() => {});
        throw new StationFault('io', `product "${p.name}" was created but its model could not be copied: ${(e as Error).message}`, { cause: e });
      }
    }
    this.audit.record({
      action: 'product.clone',
      target: `product:${p.id}`,
      old: { from: src.id, model: src.activeModelId },
      new: { name: p.name, model: copied },
      reason: req.reason ?? '',
      productId: p.id,
    });
    this.fire();
    return this.dto(this.get(p.id));
  }

  /** Rename, describe, settings, line index, archive / restore: one audit entry per kind of change. */
  update(req: {
    id: string;
    name?: string;
    description?: string;
    settings?: ProductSettings;
    lineIndex?: number | null;
    archived?: boolean;
    reason?: string;
  }): ProductDto {
    const cur = this.get(req.id);
    if (req.name !== undefined && req.name.trim() !== cur.name) this.checkName(req.name, cur.id);
    if (req.archived && cur.id === this.reg.productId()) throw new StationFault('invalid-input', `"${cur.name}" is the current product: switch to another product before archiving it`);
    const next = this.store.updateProduct(cur.id, {
      ...(req.name !== undefined ? { name: req.name } : {}),
      ...(req.description !== undefined ? { description: req.description } : {}),
      ...(req.settings !== undefined ? { settings: req.settings } : {}),
      ...(req.lineIndex !== undefined ? { lineIndex: req.lineIndex } : {}),
      ...(req.archived !== undefined ? { archived: req.archived } : {}),
    });
    const reason = req.reason ?? '';
    const target = `product:${cur.id}`;
    const rec = (action: string, old: unknown, now: unknown) => this.audit.record({ action, target, old, new: now, reason, productId: cur.id });
    if (next.name !== cur.name) rec('product.rename', cur.name, next.name);
    if (next.description !== cur.description) rec('product.describe', cur.description, next.description);
    if (JSON.stringify(next.settings) !== JSON.stringify(cur.settings)) rec('product.settings', cur.settings, next.settings);
    if ((next.lineIndex ?? null) !== (cur.lineIndex ?? null)) rec('product.line-index', cur.lineIndex ?? null, next.lineIndex ?? null);
    if (!!next.archivedAt !== !!cur.archivedAt) rec(next.archivedAt ? 'product.archive' : 'product.restore', !!cur.archivedAt, !!next.archivedAt);
    this.fire();
    return this.dto(next);
  }

  /** Switches the station to product `id` (its model, threshold, line index and lot). */
  async use(req: { id: string; reason?: string }, origin: LineOrigin = 'ui'): Promise<ProductDto> {
    const p = this.get(req.id);
    if (p.archivedAt) throw new StationFault('invalid-input', `product "${p.name}" is archived: restore it first`);
    if (p.lineIndex !== null && p.lineIndex !== undefined) {
      // Through the line, so the PLC sees the product index change; it comes back to `switchTo`.
      this.pendingReason = req.reason ?? '';
      try {
        const r = await this.line.selectProduct(origin, p.lineIndex);
        if (!r.ok) throw new StationFault((r.error?.kind as 'invalid-input') ?? 'internal', r.error?.message ?? 'product selection failed');
      } finally {
        this.pendingReason = '';
      }
    } else {
      await this.switchTo(p, origin, req.reason ?? '');
    }
    return this.current();
  }

  private pendingReason = '';

  private async switchTo(p: Product, origin: LineOrigin, reason: string): Promise<void> {
    const old = this.reg.productId();
    if (old !== p.id || !this.reg.current()) await this.reg.useProduct(p.id);
    if (old !== p.id) {
      this.audit.record({
        ...(origin !== 'ui' && origin !== 'cli' ? { actor: `line:${origin}` } : {}),
        action: 'product.switch',
        target: `product:${p.id}`,
        old,
        new: p.id,
        reason,
        productId: p.id,
      });
    }
    // The line shows (and records) the product's own lot.
    if (this.line.signals().lotName !== (p.lotName ?? '')) this.line.setLotName(origin, p.lotName ?? '');
    this.fire();
  }

  /** The line asked for product `index` (PLC, MQTT, OPC UA, the UI's line panel). */
  async selectByIndex(origin: LineOrigin, index: number): Promise<boolean> {
    const p = this.store.listProducts().find((x) => x.lineIndex === index && !x.archivedAt);
    if (!p) return false;
    await this.switchTo(p, origin, this.pendingReason);
    return true;
  }

  /** The current lot (operator-entered); recorded with every following log row. */
  setLot(req: { name: string; reason?: string }): ProductDto {
    this.line.setLotName('ui', req.name); // -> lotChanged
    return this.current();
  }

  /** The line's lot changed (from the UI or a PLC): it is the current product's lot. */
  lotChanged(origin: LineOrigin, lot: string): void {
    const p = this.get(this.reg.productId());
    if ((p.lotName ?? '') === lot) return;
    this.store.updateProduct(p.id, { lotName: lot });
    this.audit.record({
      ...(origin !== 'ui' && origin !== 'cli' ? { actor: `line:${origin}` } : {}),
      action: 'lot.set',
      target: `product:${p.id}`,
      old: p.lotName ?? '',
      new: lot,
      productId: p.id,
    });
    this.fire();
  }

  dispose(): void {
    this.changed.dispose();
  }
}
