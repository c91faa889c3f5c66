/**
 * A small in-test LineStation: the handshake (TriggerReady, Busy, ResultsReady, OK/NG/Error, acknowledge) with
 * synthetic verdicts and an in-memory log, so the adapters can be tested against real protocol clients without
 * a model. The real station (line-core) is exercised by the end-to-end tests.
 */
import { Emitter } from '../../main/common/event.js';
import { ok, type Result } from '../../main/common/result.js';
import type { LineResult, LineSignals, LineStation, TriggerReply } from '../../main/common/line-io.js';

export class FakeLineStation implements LineStation {
  readonly stationId: string;
  readonly results: LineResult[] = [];
  readonly commands: { origin: string; command: string; arg?: unknown }[] = [];
  private readonly signalsEmitter = new Emitter<LineSignals>();
  private readonly resultEmitter = new Emitter<LineResult>();
  readonly onSignals = this.signalsEmitter.event;
  readonly onResult = this.resultEmitter.event;
  private sig: LineSignals;
  private readonly queue: string[] = [];
  private awaitingAck = false;
  private working = false;
  private parts = 0;
  /** Sequences skip numbers like real log row ids do (other rows interleave). */
  private nextSequence = 100;

  constructor(stationId = 'fake-station', private readonly delayMs = 1) {
    this.stationId = stationId;
    this.sig = {
      triggerReady: true, busy: false, resultsReady: false, resultOk: false, resultNg: false, error: false, errorCode: 0,
      score: 0, threshold: 0.5, sequence: 0, partId: '', productIndex: 0, lotName: '', queueDepth: 0, queueFull: false,
      ngRateAlarm: false, ngLatched: false,
    };
  }

  signals(): LineSignals {
    return this.sig;
  }

  private set(patch: Partial<LineSignals>): void {
    this.sig = { ...this.sig, ...patch };
    this.signalsEmitter.fire(this.sig);
  }

  async trigger(origin: string, partId?: string): Promise<TriggerReply> {
    const id = partId ?? `part-${++this.parts}`;
    this.commands.push({ origin, command: 'trigger', arg: partId });
    this.queue.push(id);
    this.set({ queueDepth: this.queue.length });
    this.pump();
    return { accepted: true, partId: id };
  }

  private pump(): void {
    if (this.working || this.awaitingAck || this.queue.length === 0) return;
    this.working = true;
    const partId = this.queue.shift()!;
    this.set({ triggerReady: false, busy: true, queueDepth: this.queue.length });
    setTimeout(() => {
      const n = this.nextSequence;
      this.nextSequence += 1 + (n % 3 === 0 ? 1 : 0);
      const score = (n % 7) / 10;
      const verdict = score >= this.sig.threshold ? 'NG' : 'OK';
      const r: LineResult = {
        stationId: this.stationId, sequence: n, partId, verdict, score, threshold: this.sig.threshold, errorCode: 0, errorMessage: null,
        productIndex: this.sig.productIndex, lotName: this.sig.lotName, modelId: 'm1', source: 'fake', at: new Date().toISOString(),
      };
      this.results.push(r);
      this.working = false;
      this.awaitingAck = true;
      this.set({ busy: false, resultsReady: true, resultOk: verdict === 'OK', resultNg: verdict === 'NG', error: false, errorCode: 0, score, sequence: n, partId });
      this.resultEmitter.fire(r);
    }, this.delayMs);
  }

  /** The floor's output signals (NG-rate alarm, latched NG), as the live side sets them. */
  setFloorSignals(s: { ngRateAlarm: boolean; ngLatched: boolean }): void {
    this.set(s);
  }

  acknowledge(origin: string): void {
    this.commands.push({ origin, command: 'acknowledge' });
    if (!this.awaitingAck) return;
    this.awaitingAck = false;
    this.set({ resultsReady: false, triggerReady: this.queue.length === 0 });
    this.pump();
  }

  async selectProduct(origin: string, index: number): Promise<Result<void>> {
    this.commands.push({ origin, command: 'selectProduct', arg: index });
    this.set({ productIndex: index });
    return ok(undefined);
  }

  setLotName(origin: string, name: string): void {
    this.commands.push({ origin, command: 'setLotName', arg: name });
    this.set({ lotName: name });
  }

  resultsSince(after: number, limit: number): readonly LineResult[] {
    return this.results.filter((r) => r.sequence > after).slice(0, limit);
  }
}
