/**
 * The station side of the line handshake (`LineStation` in main/common/line-io.ts), as LandingEdge's PLC
 * workflow and common PLC practice do it:
 *
 *   Trigger -> TriggerReady low, Busy high -> inspection -> ResultsReady high with OK | NG | Error (+ code)
 *   -> the PLC acknowledges -> ResultsReady low -> TriggerReady high (when nothing else waits).
 *
 * Results are presented one at a time, in sequence order, each until it is acknowledged; results made meanwhile
 * wait in order (they are also in the log, which `resultsSince` reads for store-and-forward). A trigger while
 * busy is queued (default: the part goes to the durable queue) or answered `busy` (`busyPolicy: 'reject'`).
 * Busy = parts recorded and not yet decided. Product index and lot name are kept in the store's settings, so a
 * restarted station keeps them; every part records the ones in force when it arrived.
 */
import { hostname } from 'node:os';
import { Emitter } from '../common/event.js';
import { fail, ok, toStationError, type Result } from '../common/result.js';
import type { LineOrigin, LineResult, LineSignals, LineStation, TriggerReply } from '../common/line-io.js';
import type { InspectionRecord, StationStore } from '../store/interface.js';

export type BusyPolicy = 'queue' | 'reject';

export interface LineStationDeps {
  readonly store: StationStore;
  /** Acquires one part from the running trigger source into the durable queue. */
  acquire(origin: LineOrigin, partId: string | undefined): Promise<TriggerReply>;
  /** Makes `modelId` the active model (product change). */
  activateModel(modelId: string): Promise<void>;
  /** Switches to the product (recipe) whose line index is `index`; false when none has it (then line products apply). */
  selectProduct?(origin: LineOrigin, index: number): Promise<boolean>;
  /** The lot name changed (kept as the current product's lot). */
  onLotName?(origin: LineOrigin, lot: string): void;
  /** The threshold in force (shown before the first result). */
  threshold(): number | null;
}

/** Results waiting for acknowledgement beyond this are only in the log (resultsSince), not presented. */
const MAX_WAITING = 10_000;

export function toLineResult(stationId: string, r: InspectionRecord): LineResult {
  const error = r.verdict === 'ERROR';
  return {
    stationId,
    sequence: r.id,
    partId: r.partId || r.sourceName.split('/').pop() || '',
    verdict: r.verdict,
    score: error ? null : r.score,
    threshold: r.threshold,
    errorCode: error ? r.errorCode : 0,
    errorMessage: r.errorMessage,
    productIndex: r.productIndex,
    lotName: r.lotName,
    modelId: r.modelId,
    source: r.sourceId,
    at: r.time,
  };
}

export class LineStationImpl implements LineStation {
  readonly stationId: string;
  private sig: LineSignals;
  private readonly signalEmitter = new Emitter<LineSignals>();
  private readonly resultEmitter = new Emitter<LineResult>();
  readonly onSignals = this.signalEmitter.event;
  readonly onResult = this.resultEmitter.event;
  private readonly waiting: LineResult[] = [];
  /** A line (every-part) source is running; a trigger source takes triggers. */
  private running = false;
  private triggerable = false;
  busyPolicy: BusyPolicy;
  /**
   * After an acknowledge, ResultsReady stays low at least this long before the next waiting result is presented,
   * so a PLC that polls (Modbus, OPC UA sampling) sees the falling edge and not only a new Sequence.
   */
  resultsGapMs = 50;
  private gapTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly deps: LineStationDeps,
    opts: { stationId?: string; busyPolicy?: BusyPolicy } = {},
  ) {
    const store = deps.store;
    const saved = store.getSetting('line.stationId');
    this.stationId = opts.stationId ?? (typeof saved === 'string' ? saved : process.env.STATION_ID || `station-${hostname()}`);
    if (saved !== this.stationId) store.setSetting('line.stationId', this.stationId);
    const policy = store.getSetting('line.busyPolicy');
    this.busyPolicy = opts.busyPolicy ?? (policy === 'reject' ? 'reject' : 'queue');
    const productIndex = store.getSetting('line.productIndex');
    const lotName = store.getSetting('line.lotName');
    this.sig = {
      triggerReady: false,
      busy: false,
      resultsReady: false,
      resultOk: false,
      resultNg: false,
      error: false,
      errorCode: 0,
      score: 0,
      threshold: deps.threshold() ?? 0,
      sequence: 0,
      partId: '',
      productIndex: typeof productIndex === 'number' ? productIndex : 0,
      lotName: typeof lotName === 'string' ? lotName : '',
      queueDepth: store.countPendingLineParts(),
      queueFull: false,
      ngRateAlarm: false,
      ngLatched: false,
    };
  }

  signals(): LineSignals {
    return this.sig;
  }

  /** Product index and lot name recorded with each arriving part. */
  context(): { productIndex: number; lotName: string } {
    return { productIndex: this.sig.productIndex, lotName: this.sig.lotName };
  }

  private set(patch: Partial<LineSignals>): void {
    const next = { ...this.sig, ...patch };
    next.busy = next.queueDepth > 0;
    next.triggerReady = this.running && this.triggerable && !next.busy && !next.resultsReady && this.waiting.length === 0 && !next.queueFull;
    const changed = (Object.keys(next) as (keyof LineSignals)[]).some((k) => next[k] !== this.sig[k]);
    this.sig = next;
    if (changed) this.signalEmitter.fire(next);
  }

  // ---------------------------------------------------------------- fed by the live side

  /** A line source started (`triggerable`: it takes triggers) or stopped. */
  setRunning(running: boolean, triggerable: boolean): void {
    this.running = running;
    this.triggerable = running && triggerable;
    this.set({});
  }

  setQueue(depth: number, full: boolean): void {
    this.set({ queueDepth: depth, queueFull: full });
  }

  /** The floor's alarms (NG rate, latched NG) as output signals. */
  setFloorSignals(s: { ngRateAlarm: boolean; ngLatched: boolean }): void {
    this.set({ ngRateAlarm: s.ngRateAlarm, ngLatched: s.ngLatched });
  }

  setThreshold(t: number): void {
    if (!this.sig.resultsReady) this.set({ threshold: t });
  }

  /** A log row was committed: deliver it (onResult) and present it in turn. */
  recorded(rec: InspectionRecord): void {
    const r = toLineResult(this.stationId, rec);
    this.resultEmitter.fire(r);
    if (this.waiting.length >= MAX_WAITING) this.waiting.shift();
    this.waiting.push(r);
    this.present();
  }

  private present(): void {
    if (this.sig.resultsReady || this.gapTimer) return;
    const r = this.waiting.shift();
    if (!r) {
      this.set({});
      return;
    }
    this.set({
      resultsReady: true,
      resultOk: r.verdict === 'OK',
      resultNg: r.verdict === 'NG',
      error: r.verdict === 'ERROR',
      errorCode: r.errorCode,
      score: r.score ?? 0,
      threshold: r.threshold ?? this.sig.threshold,
      sequence: r.sequence,
      partId: r.partId,
    });
  }

  // ---------------------------------------------------------------- LineStation

  async trigger(origin: LineOrigin, partId?: string): Promise<TriggerReply> {
    if (!this.running || !this.triggerable) {
      return { accepted: false, reason: 'not-running', message: this.running ? 'the running source does not take triggers (start a trigger source)' : 'no line source is running' };
    }
    if (this.busyPolicy === 'reject' && (this.sig.busy || this.sig.resultsReady || this.waiting.length > 0)) {
      return { accepted: false, reason: 'busy', message: 'busy: the previous part is not decided or not acknowledged yet' };
    }
    if (this.sig.queueFull) return { accepted: false, reason: 'queue-full', message: `the part queue is full (${this.sig.queueDepth} pending)` };
    try {
      return await this.deps.acquire(origin, partId);
    } catch (e) {
      const err = toStationError(e);
      return { accepted: false, reason: 'not-running', message: err.message };
    }
  }

  acknowledge(_origin: LineOrigin): void {
    if (!this.sig.resultsReady) return; // idempotent: a repeated ack changes nothing
    this.set({ resultsReady: false, resultOk: false, resultNg: false, error: false, errorCode: 0 });
    if (this.waiting.length === 0) return;
    this.gapTimer = setTimeout(() => {
      this.gapTimer = null;
      this.present();
    }, this.resultsGapMs);
  }

  async selectProduct(_origin: LineOrigin, index: number): Promise<Result<void>> {
    if (!Number.isSafeInteger(index) || index < 0) return fail('invalid-input', `invalid product index ${index}`);
    const p = this.deps.store.getLineProduct(index);
    try {
      const recipe = (await this.deps.selectProduct?.(_origin, index)) ?? false;
      if (!recipe && !p && index !== 0) return fail('not-found', `no product ${index}: give a product this line index, or assign a model to it (line.setProduct)`);
      if (!recipe && p) await this.deps.activateModel(p.modelId);
    } catch (e) {
      const err = toStationError(e);
      return fail(err.kind, err.message);
    }
    this.deps.store.setSetting('line.productIndex', index);
    this.set({ productIndex: index, threshold: this.sig.resultsReady ? this.sig.threshold : (this.deps.threshold() ?? this.sig.threshold) });
    return ok(undefined);
  }

  setLotName(_origin: LineOrigin, name: string): void {
    const lot = String(name).trim().slice(0, 200);
    this.deps.store.setSetting('line.lotName', lot);
    this.set({ lotName: lot });
    this.deps.onLotName?.(_origin, lot);
  }

  resultsSince(after: number, limit: number): readonly LineResult[] {
    const out: LineResult[] = [];
    if (limit < 1) return out;
    const it = this.deps.store.iterateInspections({ afterId: Math.max(0, Math.floor(after)) }, 'asc');
    try {
      for (const r of it) {
        out.push(toLineResult(this.stationId, r));
        if (out.length >= limit) break;
      }
    } finally {
      it.return?.();
    }
    return out;
  }

  dispose(): void {
    if (this.gapTimer) clearTimeout(this.gapTimer);
    this.signalEmitter.dispose();
    this.resultEmitter.dispose();
  }
}
