/**
 * Frame sources: what the live pipeline inspects. A source pushes frames; the pipeline keeps only the newest one
 * it has not started on (see pipeline/latest-slot.ts), so a source never needs to care how slow inference is.
 * Frames are cheap handles: pixels are decoded by `read()` only for frames that actually get inspected.
 */
import type { SourceKind, SourceState } from '../common/api.js';
import type { Event } from '../common/event.js';
import type { RawImage } from '../common/types.js';
import type { RegistrationConfig } from '../inference/registration.js';

export interface FrameReadOptions {
  /** A gray frame may stay one channel (decodeImage's keepGray): the caller takes 1 or 3 channels. */
  readonly keepGray?: boolean;
  /** Read ahead of its inspection (decodeImage's ahead: on the decode thread). */
  readonly ahead?: boolean;
  /** Read ahead: also register the part with the inspecting model's registration there (decodeImage's register). */
  readonly register?: RegistrationConfig;
}

export interface SourceFrame {
  /** Source display name ("demo", folder basename, ...). */
  readonly source: string;
  /** File name when the frame came from a file. */
  readonly name?: string;
  /** Date.now() when the frame was produced / detected. */
  readonly capturedAt: number;
  /** Ground truth when the source knows it (demo: synthesised defect). Not used for the verdict. */
  readonly truth?: { readonly defect: boolean; readonly kind?: string };
  /**
   * Decodes the frame to RGB pixels (gray ones as one channel with `keepGray`, for a model that reads gray);
   * throws StationFault('corrupt-image' | 'not-found').
   */
  read(opts?: FrameReadOptions): Promise<RawImage>;
  /** The file the frame is read from (file sources): what the durable every-part queue records. */
  readonly path?: string;
  /** Identifies the part within its source across restarts (a file's name + size + mtime, a trigger id). */
  readonly partKey?: string;
  /** `path` is the station's own copy of an in-memory frame (deleted once the part has its row). */
  readonly spooled?: boolean;
  /**
   * The part came but its image did not: the camera's fault ('source-lost': a trigger whose frame never arrived, an
   * incomplete frame) or the station's ('io': the frame could not be spooled). The every-part queue still records
   * the part, and it is decided ERROR (code 5 source lost, or 6 store failed) with this message.
   */
  readonly missing?: { readonly kind: 'source-lost' | 'io'; readonly message: string };
  /** The line's part id (given with a trigger); defaults to `name`. */
  readonly partId?: string;
  /** Set on frames taken from the durable queue: the pending part's row. */
  readonly line?: { readonly queueId: number; readonly productIndex: number; readonly lotName: string; readonly spooled: boolean };
  /**
   * Gives the frame's memory back to its source (a camera's stream buffer) once the frame is inspected or replaced
   * in the newest-wins slot. Idempotent; `read()` fails afterwards.
   */
  release?(): void;
  /** Camera frames (GenICam): the camera's frame id and timestamp (ns, decimal), kept in the log. */
  readonly camera?: { readonly frameId: number; readonly timestampNs: string };
}

/**
 * Where a source hands frames over. Returns false when the frame was not taken (the every-part queue is full):
 * the source keeps it and offers it again later, so a full queue never drops a part.
 */
export type EmitFrame = (frame: SourceFrame) => boolean | void;

export interface SourceStatusUpdate {
  readonly state: SourceState;
  readonly message?: string;
  readonly retry?: { readonly attempt: number; readonly inMs: number };
}

export interface FrameSource {
  readonly kind: SourceKind;
  readonly name: string;
  /** Begins producing frames into `emit`. Never throws: problems are reported through onStatus. */
  start(emit: EmitFrame): void;
  pause(): void;
  resume(): void;
  /** While paused: produce exactly one more frame (if the source can). */
  step(): void;
  stop(): Promise<void>;
  readonly onStatus: Event<SourceStatusUpdate>;
  /** Camera sources: the stream's counters (completed, failed, underruns, missing packets), for the status bar. */
  streamStats?(): import('../common/api.js').CameraStreamStats;
}

/** Exponential backoff for reconnecting lost sources: base, 2*base, ... capped at max. */
export class Backoff {
  attempt = 0;
  constructor(
    readonly baseMs = 500,
    readonly maxMs = 30_000,
  ) {}
  next(): number {
    const d = Math.min(this.maxMs, this.baseMs * 2 ** this.attempt);
    this.attempt++;
    return d;
  }
  reset(): void {
    this.attempt = 0;
  }
}

export interface RetryOptions {
  /** First retry delay; doubled per attempt. Default 500 ms. */
  readonly retryBaseMs?: number;
  readonly retryMaxMs?: number;
}

/**
 * Pause and step for sources that push frames as they arrive (webcam, ffmpeg stream) rather than on their own
 * clock: while paused only the newest frame is held, and `step` releases it.
 */
export class PauseGate {
  private paused = false;
  private held: SourceFrame | null = null;

  constructor(private readonly report: (u: SourceStatusUpdate) => void) {}

  get isPaused(): boolean {
    return this.paused;
  }

  pause(): void {
    this.paused = true;
    this.report({ state: 'paused' });
  }

  resume(): void {
    this.paused = false;
    this.report({ state: 'running' });
  }

  step(emit: ((f: SourceFrame) => void) | null): void {
    const f = this.held;
    this.held = null;
    if (f) emit?.(f);
  }

  /** Passes the frame on, or holds it (replacing an older one) while paused; returns whether it was passed on. */
  offer(frame: SourceFrame, emit: ((f: SourceFrame) => void) | null): boolean {
    if (this.paused) {
      this.held = frame;
      return false;
    }
    emit?.(frame);
    return true;
  }
}
