/**
 * The Modbus TCP register map (0-based protocol addresses; add 1 for the 1-based "00001 / 10001 / 30001 / 40001"
 * numbering many PLC tools show). Pure: the server, the README and the Integration screen share it.
 */
import type { LineSignals, LineVerdict } from '../common/line-io.js';

/** Coils (FC1 read, FC5 / FC15 write): commands. Writing 1 runs the command; they always read back 0. */
export const COILS = {
  /** 1 = trigger one part. The write's reply means accepted; exception 06 (busy) or 04 when refused. */
  trigger: 0,
  /** 1 = the PLC has read the result: ResultsReady goes low, then TriggerReady high. */
  resultsAck: 1,
} as const;

/** Discrete inputs (FC2): the handshake signals. */
export const DISCRETE_INPUTS = {
  triggerReady: 0,
  busy: 1,
  resultsReady: 2,
  resultOk: 3,
  resultNg: 4,
  error: 5,
  queueFull: 6,
  /** The last trigger was refused (busy, queue full, not running); cleared by the next accepted trigger. */
  triggerRefused: 7,
  /** NG-rate alarm: at least N NG in the last M parts. */
  ngRateAlarm: 8,
  /** An NG waits for the operator's acknowledgement. */
  ngLatched: 9,
} as const;

/**
 * Registers: the same layout is served as input registers (FC4) and holding registers (FC3), for PLCs that
 * read only one kind. Holding register `productIndex` is writable (FC6 / FC16), and so is `command`.
 */
export const REGISTERS = {
  /** Sequence of the result on ResultsReady, 32-bit unsigned: high word first, then low word. */
  sequenceHigh: 0,
  sequenceLow: 1,
  /** Anomaly score × 1000, unsigned, saturating at 65535. */
  scoreX1000: 2,
  thresholdX1000: 3,
  errorCode: 4,
  /** Writable (holding): selects the product (recipe); exception 03 when the index is refused. */
  productIndex: 5,
  queueDepth: 6,
  /** The discrete inputs as bits of one word (bit n = discrete input n). */
  statusBits: 7,
  /** 0 none yet, 1 OK, 2 NG, 3 ERROR. */
  verdict: 8,
  /** Writable (holding) command register for clients without coil access: 1 = trigger, 2 = acknowledge; reads 0. */
  command: 10,
} as const;

export const REGISTER_COUNT = 11;
export const VERDICT_CODES: Record<LineVerdict, number> = { OK: 1, NG: 2, ERROR: 3 };
export const COMMAND_CODES = { trigger: 1, acknowledge: 2 } as const;

export function discreteInputs(s: LineSignals, triggerRefused: boolean): boolean[] {
  return [s.triggerReady, s.busy, s.resultsReady, s.resultOk, s.resultNg, s.error, s.queueFull, triggerRefused, s.ngRateAlarm, s.ngLatched];
}

const u16 = (v: number) => Math.max(0, Math.min(0xffff, Math.round(Number.isFinite(v) ? v : 0)));

/** The register block (addresses 0..REGISTER_COUNT-1) for the current signals. */
export function registers(s: LineSignals, triggerRefused: boolean): number[] {
  const seq = Math.max(0, Math.min(0xffffffff, Math.trunc(s.sequence)));
  const bits = discreteInputs(s, triggerRefused).reduce((w, b, i) => (b ? w | (1 << i) : w), 0);
  const verdict = s.sequence === 0 ? 0 : s.error ? VERDICT_CODES.ERROR : s.resultNg ? VERDICT_CODES.NG : s.resultOk ? VERDICT_CODES.OK : 0;
  const out = new Array<number>(REGISTER_COUNT).fill(0);
  out[REGISTERS.sequenceHigh] = Math.floor(seq / 0x10000);
  out[REGISTERS.sequenceLow] = seq % 0x10000;
  out[REGISTERS.scoreX1000] = u16(s.score * 1000);
  out[REGISTERS.thresholdX1000] = u16(s.threshold * 1000);
  out[REGISTERS.errorCode] = u16(s.errorCode);
  out[REGISTERS.productIndex] = u16(s.productIndex);
  out[REGISTERS.queueDepth] = u16(s.queueDepth);
  out[REGISTERS.statusBits] = bits;
  out[REGISTERS.verdict] = verdict;
  return out;
}
