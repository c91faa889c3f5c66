/**
 * Line I/O: the one interface between the station's line runtime (`LineStation`, owned by the live side) and the
 * protocol adapters that expose it to a PLC or MES (OPC UA server, Modbus TCP server, MQTT client).
 *
 * Handshake (as in LandingEdge's PLC workflow and common PLC practice):
 *
 *   PLC:      Trigger ──┐                                   ┌── AcknowledgeResults
 *   station:            └ TriggerReady↓ Busy↑ … inspect … ResultsReady↑ (OK | NG | Error+code) ┘ ResultsReady↓ TriggerReady↑
 *
 * A trigger while a result waits for its acknowledgement is queued (default) or answered `busy` (configurable);
 * it is never lost silently. Every result carries `stationId` + `sequence` so a consumer can de-duplicate
 * at-least-once deliveries. Pure: no runtime imports, so adapters and the station can both depend on it.
 */
import type { Event } from './event.js';
import type { Result } from './result.js';

export type LineVerdict = 'OK' | 'NG' | 'ERROR';

/** Who sent a command, for the audit/log ("opcua", "modbus", "mqtt", "ui", "cli"). */
export type LineOrigin = string;

/** One recorded verdict, as delivered to the line. */
export interface LineResult {
  readonly stationId: string;
  /** Strictly increasing per station and never reused across restarts (the inspection's log row id). */
  readonly sequence: number;
  /** The part's id: given with the trigger, else the file name or frame id. */
  readonly partId: string;
  readonly verdict: LineVerdict;
  /** Anomaly score (null for ERROR). */
  readonly score: number | null;
  readonly threshold: number | null;
  /** 0 = no error; see `LINE_ERROR_CODES`. */
  readonly errorCode: number;
  readonly errorMessage: string | null;
  readonly productIndex: number;
  readonly lotName: string;
  readonly modelId: string | null;
  readonly source: string;
  /** ISO time of the verdict. */
  readonly at: string;
}

/** Error codes on the wire (ErrorCode node / register / JSON field). */
export const LINE_ERROR_CODES = {
  none: 0,
  unreadableImage: 1,
  noModel: 2,
  inferenceFailed: 3,
  queueFull: 4,
  sourceLost: 5,
  storeFailed: 6,
  internal: 9,
} as const;
export type LineErrorCode = (typeof LINE_ERROR_CODES)[keyof typeof LINE_ERROR_CODES];

/** The handshake's signals as a PLC sees them; adapters mirror these 1:1. */
export interface LineSignals {
  readonly triggerReady: boolean;
  readonly busy: boolean;
  readonly resultsReady: boolean;
  readonly resultOk: boolean;
  readonly resultNg: boolean;
  readonly error: boolean;
  readonly errorCode: number;
  readonly score: number;
  readonly threshold: number;
  /** Sequence of the result on ResultsReady (0 before the first). */
  readonly sequence: number;
  readonly partId: string;
  readonly productIndex: number;
  readonly lotName: string;
  /** Parts recorded as pending and not yet decided. */
  readonly queueDepth: number;
  /** The durable queue is full: alarm (also an output signal). */
  readonly queueFull: boolean;
  /** NG-rate alarm: at least N NG in the last M parts (per-product setting). */
  readonly ngRateAlarm: boolean;
  /** An NG is latched on the Live screen until an operator acknowledges it. */
  readonly ngLatched: boolean;
}

export type TriggerReply =
  | { readonly accepted: true; readonly partId: string }
  | { readonly accepted: false; readonly reason: 'busy' | 'queue-full' | 'not-running'; readonly message: string };

export interface LineStation {
  readonly stationId: string;
  signals(): LineSignals;
  /** Fires on every change of any signal. */
  readonly onSignals: Event<LineSignals>;
  /** Fires once per recorded verdict, after its log row is committed. */
  readonly onResult: Event<LineResult>;
  /** Software trigger: one part is acquired (or taken from the line source) and inspected. */
  trigger(origin: LineOrigin, partId?: string): Promise<TriggerReply>;
  /** The PLC acknowledges the result on ResultsReady: ResultsReady↓, then TriggerReady↑. */
  acknowledge(origin: LineOrigin): void;
  selectProduct(origin: LineOrigin, index: number): Promise<Result<void>>;
  setLotName(origin: LineOrigin, name: string): void;
  /** Recorded results with sequence > `after`, oldest first, from the store: store-and-forward for adapters. */
  resultsSince(after: number, limit: number): readonly LineResult[];
}

export type LineProtocol = 'opcua' | 'modbus' | 'mqtt';

export interface AdapterStatus {
  readonly protocol: LineProtocol;
  readonly state: 'stopped' | 'starting' | 'running' | 'degraded' | 'failed';
  /** Endpoint URL / port / broker URL. */
  readonly endpoint: string;
  readonly message?: string;
  /** Results delivered since start, and waiting for delivery (store-and-forward backlog). */
  readonly delivered: number;
  readonly pending: number;
  readonly at: string;
}

export interface LineAdapter {
  readonly protocol: LineProtocol;
  start(station: LineStation): Promise<void>;
  stop(): Promise<void>;
  status(): AdapterStatus;
  readonly onStatus: Event<AdapterStatus>;
}
