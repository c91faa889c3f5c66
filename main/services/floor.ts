/**
 * The floor service (issue 10, item 3): the latched NG and its acknowledgement, the NG-rate alarm (N NG in the
 * last M parts), shift and lot counters, and the shift report. Everything is derived from the log: the latch is
 * the newest NG after the last acknowledgement, counters are the log's own counts (the per-hour summary for a
 * shift, the lot index for a lot), the NG-rate window is seeded from the newest rows. So a restart changes nothing.
 */
import { readFile } from 'node:fs/promises';
import { Emitter } from '../common/event.js';
import { StationFault } from '../common/result.js';
import {
  countsOf,
  FloorConfigureSchema,
  ProductFloorSettingsSchema,
  RetentionSettingsSchema,
  shiftAt,
  ShiftReportRequestSchema,
  StationFloorSettingsSchema,
  type FloorConfigure,
  type FloorPart,
  type FloorSettings,
  type FloorState,
  type ShiftReport,
  type ShiftReportRequest,
  type StationFloorSettings,
} from '../common/floor.js';
import type { InspectionRecord, StationStore } from '../store/interface.js';
import { MediaStore } from '../pipeline/media-store.js';
import { shiftReportCsv, shiftReportHtml, rateSeries } from './shift-report.js';
import { DEFAULT_PRODUCT } from './model-registry.js';

const STATION_KEY = 'floor.station';

export interface FloorDeps {
  readonly store: StationStore;
  readonly media: MediaStore;
  /** The line's current lot name ('' = none). */
  readonly lotName: () => string;
  /** The line outputs: NG-rate alarm and latched NG as signals (OPC UA / Modbus / MQTT). */
  readonly signals: (s: { ngRateAlarm: boolean; ngLatched: boolean }) => void;
  readonly notice: (level: 'info' | 'warning' | 'error', message: string, key?: string) => void;
  /** Audit trail (who acknowledged, who changed a setting); absent in tests. */
  readonly audit?: (e: { action: string; target: string; old?: unknown; new?: unknown; reason?: string; productId?: string | null }) => void;
  /** Who is acting (the logged-in user, 'local' in open mode). */
  readonly actor?: () => string;
}

export interface DiskState {
  freeBytes: number | null;
  totalBytes: number | null;
  alarm: boolean;
  savingImages: boolean;
  message: string | null;
}

export function partOf(r: InspectionRecord): FloorPart {
  return {
    inspectionId: r.id,
    at: r.time,
    verdict: r.verdict,
    score: r.score,
    threshold: r.threshold,
    partId: r.partId || r.sourceName.split('/').pop() || '',
    thumbnail: MediaStore.thumbnailOf(r.framePath),
  };
}

export class FloorService {
  private productId: string;
  private latched: FloorPart | null = null;
  /** The last M verdicts of the current product, oldest first. */
  private window: string[] = [];
  private alarm = false;
  private readonly states = new Emitter<FloorState>();
  readonly onState = this.states.event;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private cached: FloorState | null = null;
  private shiftCounts: { from: string; to: string; byVerdict: Record<string, number> } | null = null;
  private lotCounts: { name: string; byVerdict: Record<string, number> } | null = null;
  disk: DiskState = { freeBytes: null, totalBytes: null, alarm: false, savingImages: true, message: null };
  retention = { usedBytes: 0, prunedRows: 0, lastPassAt: null as string | null };

  constructor(private readonly deps: FloorDeps) {
    const newest = deps.store.queryInspections({ limit: 1 }).items[0];
    this.productId = newest?.productId ?? DEFAULT_PRODUCT;
    this.seedWindow();
    const ack = deps.store.lastNgAcknowledgement();
    const ng = deps.store.queryInspections({ limit: 1, verdict: 'NG', afterId: ack?.upToInspectionId ?? 0 }).items[0];
    if (ng && this.settings(ng.productId).product.ngLatch) this.latched = partOf(ng);
    this.pushSignals();
  }

  // ---------------------------------------------------------------- settings

  settings(productId = this.productId): FloorSettings {
    const p = this.deps.store.getProduct(productId);
    const s = (p?.settings ?? {}) as { floor?: unknown; retention?: unknown };
    return {
      productId,
      product: ProductFloorSettingsSchema.parse(s.floor ?? {}),
      retention: RetentionSettingsSchema.parse(s.retention ?? {}),
      station: this.stationSettings(),
    };
  }

  stationSettings(): StationFloorSettings {
    return StationFloorSettingsSchema.parse(this.deps.store.getSetting(STATION_KEY) ?? {});
  }

  /** Changes floor settings (an engineer's action, on the audit trail). */
  configure(req: FloorConfigure): FloorSettings {
    const c = FloorConfigureSchema.parse(req);
    const productId = c.productId ?? this.productId;
    const before = this.settings(productId);
    if (c.product || c.retention) {
      const p = this.deps.store.getProduct(productId);
      if (!p) throw new StationFault('not-found', `no product "${productId}"`);
      const floor = ProductFloorSettingsSchema.parse({ ...before.product, ...c.product });
      const retention = RetentionSettingsSchema.parse({ ...before.retention, ...c.retention });
      this.deps.store.updateProduct(productId, { settings: { ...(p.settings ?? {}), floor, retention } });
    }
    if (c.station) {
      const station = StationFloorSettingsSchema.parse({ ...before.station, ...c.station });
      if (station.diskFloorFreeBytes > station.diskAlarmFreeBytes) throw new StationFault('invalid-input', 'the disk floor must not exceed the disk alarm level');
      this.deps.store.setSetting(STATION_KEY, station);
    }
    const after = this.settings(productId);
    this.shiftCounts = null;
    this.deps.audit?.({ action: 'floor.configure', target: `product:${productId}`, old: before, new: after, reason: c.reason, productId });
    if (productId === this.productId) {
      this.seedWindow();
      if (this.latched && !after.product.ngLatch) this.latched = null;
    }
    this.changed(true);
    return after;
  }

  // ---------------------------------------------------------------- fed by the live side

  /** A log row was committed. */
  recorded(r: InspectionRecord): void {
    if (r.productId !== this.productId) {
      this.productId = r.productId;
      this.seedWindow(); // includes this row
    } else {
      this.window.push(r.verdict);
      const m = this.settings().product.ngRate.m;
      if (this.window.length > m) this.window.splice(0, this.window.length - m);
    }
    const sc = this.shiftCounts;
    if (sc && r.time >= sc.from && r.time < sc.to) sc.byVerdict[r.verdict] = (sc.byVerdict[r.verdict] ?? 0) + 1;
    if (this.lotCounts && r.lotName === this.lotCounts.name) this.lotCounts.byVerdict[r.verdict] = (this.lotCounts.byVerdict[r.verdict] ?? 0) + 1;
    if (r.verdict === 'NG' && this.settings(r.productId).product.ngLatch) this.latched = partOf(r);
    this.evaluateAlarm();
    this.changed(false);
  }

  private seedWindow(): void {
    const m = this.settings().product.ngRate.m;
    this.window = this.deps.store
      .queryInspections({ limit: m, productId: this.productId })
      .items.map((r) => r.verdict)
      .reverse();
    this.evaluateAlarm();
  }

  private evaluateAlarm(): void {
    const { n, m } = this.settings().product.ngRate;
    const ng = this.window.filter((v) => v === 'NG').length;
    const alarm = n > 0 && ng >= n;
    if (alarm !== this.alarm) {
      this.alarm = alarm;
      // The banner stays up while the count moves: it names the limit, the Live panel shows the live count.
      if (alarm) this.deps.notice('error', `NG rate alarm: ${n} or more NG in the last ${m} parts`, 'floor:ng-rate');
      else this.deps.notice('info', 'NG rate back below the alarm limit', 'floor:ng-rate');
    }
    this.pushSignals();
  }

  private pushSignals(): void {
    this.deps.signals({ ngRateAlarm: this.alarm, ngLatched: this.latched !== null });
  }

  /** The operator has seen the latched NG (and every NG before it). */
  acknowledge(note = ''): FloorState {
    const l = this.latched;
    if (l) {
      const actor = this.deps.actor?.() ?? 'local';
      const ack = this.deps.store.acknowledgeNg({ upToInspectionId: l.inspectionId, actor, note });
      this.deps.audit?.({ action: 'ng.acknowledge', target: `inspection:${l.inspectionId}`, old: { latched: l.inspectionId }, new: { acknowledgedAt: ack.acknowledgedAt }, reason: note });
      this.latched = null;
      this.pushSignals();
      this.changed(true);
    }
    return this.state();
  }

  /** Disk watchdog and retention results (from the retention service). */
  update(patch: { disk?: Partial<DiskState>; retention?: Partial<FloorService['retention']> }): void {
    if (patch.disk) this.disk = { ...this.disk, ...patch.disk };
    if (patch.retention) this.retention = { ...this.retention, ...patch.retention };
    this.changed(false);
  }

  // ---------------------------------------------------------------- state

  state(): FloorState {
    if (this.cached) return this.cached;
    const s = this.settings();
    const shift = shiftAt(new Date(), s.station.shifts);
    const lotName = this.deps.lotName();
    // Counted from the log once per shift / lot (and after settings change), then kept up with each recorded row.
    if (this.shiftCounts?.from !== shift.from || this.shiftCounts.to !== shift.to) {
      this.shiftCounts = { from: shift.from, to: shift.to, byVerdict: { ...this.deps.store.summarizeInspections({ from: shift.from, to: shift.to }).byVerdict } };
    }
    if (lotName && this.lotCounts?.name !== lotName) this.lotCounts = { name: lotName, byVerdict: this.deps.store.countByLot(lotName) };
    const { n, m } = s.product.ngRate;
    this.cached = {
      productId: this.productId,
      latched: this.latched,
      ngRate: { alarm: this.alarm, ng: this.window.filter((v) => v === 'NG').length, parts: this.window.length, n, m },
      shift: { ...shift, counts: countsOf(this.shiftCounts.byVerdict) },
      lot: lotName && this.lotCounts ? { name: lotName, counts: countsOf(this.lotCounts.byVerdict) } : null,
      disk: { ...this.disk },
      retention: { budgetBytes: s.retention.budgetBytes, ...this.retention },
      at: new Date().toISOString(),
    };
    return this.cached;
  }

  /** Pushes the state at most every 250 ms; `now` for operator actions. */
  private changed(now: boolean): void {
    this.cached = null;
    if (now) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      this.states.fire(this.state());
      return;
    }
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.cached = null;
      this.states.fire(this.state());
    }, 250);
  }

  /** The last `limit` verdicts (newest first) for the strip. */
  recent(limit = 20): FloorPart[] {
    return this.deps.store.queryInspections({ limit: Math.max(1, Math.min(100, limit)) }).items.map(partOf);
  }

  // ---------------------------------------------------------------- shift report

  async report(req: ShiftReportRequest = {}): Promise<ShiftReport> {
    const r = ShiftReportRequestSchema.parse(req);
    const station = this.stationSettings();
    let shift = shiftAt(new Date(), station.shifts, r.offset);
    if (r.from || r.to) {
      const from = new Date(r.from ?? shift.from).toISOString();
      const to = new Date(r.to ?? new Date().toISOString()).toISOString();
      if (from >= to) throw new StationFault('invalid-input', `the report window is empty (${from} .. ${to})`);
      shift = { name: `${from.slice(0, 16)}–${to.slice(0, 16)}`, from, to };
    }
    const filter = { from: shift.from, to: shift.to, ...(r.productId ? { productId: r.productId } : {}) };
    const counts = countsOf(this.deps.store.summarizeInspections(filter).byVerdict);
    const series = rateSeries(this.deps.store, filter);
    const top = this.deps.store.topInspections({ ...filter, verdict: 'NG' }, 12);
    const thumbs = new Map<number, string>();
    for (const t of top) {
      const ref = MediaStore.thumbnailOf(t.framePath);
      if (!ref) continue;
      const bytes = await readFile(this.deps.media.pathOf(ref)).catch(() => null);
      if (bytes) thumbs.set(t.id, `data:image/jpeg;base64,${bytes.toString('base64')}`);
    }
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const base = `reports/shift-${shift.from.slice(0, 13).replace(/[:]/g, '')}-${stamp}`;
    const topNg = top.map(partOf);
    const data = { shift, productId: r.productId ?? null, counts, series, topNg };
    const csv = await this.deps.media.write(`${base}.csv`, Buffer.from(shiftReportCsv(data, top)));
    const html = await this.deps.media.write(`${base}.html`, Buffer.from(shiftReportHtml(data, top, thumbs)));
    return { ...data, csv, html };
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.states.dispose();
  }
}
