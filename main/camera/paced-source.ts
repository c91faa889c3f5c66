/**
 * Shared machinery for sources that produce frames on a clock (demo, folder replay, image sequence, video):
 * pacing at `fps`, pause/step, end-of-stream, and "lost -> retry with backoff" when the underlying medium
 * disappears (folder deleted, file gone). Subclasses implement `open()` and `next()`.
 */
import type { SourceKind } from '../common/api.js';
import { Emitter } from '../common/event.js';
import { StationFault, toStationError } from '../common/result.js';
import { Backoff, type EmitFrame, type FrameSource, type RetryOptions, type SourceFrame, type SourceStatusUpdate } from './source.js';

export abstract class PacedSource implements FrameSource {
  abstract readonly kind: SourceKind;
  abstract readonly name: string;
  private readonly status = new Emitter<SourceStatusUpdate>();
  readonly onStatus = this.status.event;
  private emit: EmitFrame | null = null;
  /** A frame the every-part queue refused (full): offered again before the next one is produced. */
  private held: SourceFrame | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private running = false;
  private paused = false;
  private opened = false;
  private busy = false;
  private stepRequested = false;
  private readonly backoff: Backoff;
  private lastState: string | null = null;

  constructor(
    protected readonly fps: number,
    retry: RetryOptions = {},
  ) {
    this.backoff = new Backoff(retry.retryBaseMs, retry.retryMaxMs);
  }

  /** (Re)opens the medium; throw StationFault('not-found' | 'source-lost') when it is not there. */
  protected abstract open(): Promise<void>;
  /** The next frame, or null at the end of a non-looping stream. Throw 'not-found'/'source-lost' when gone. */
  protected abstract next(): Promise<SourceFrame | null>;
  /** Releases resources (child processes, watchers). */
  protected async close(): Promise<void> {}

  protected report(u: SourceStatusUpdate): void {
    const key = `${u.state}|${u.message ?? ''}|${u.retry?.attempt ?? ''}`;
    if (key === this.lastState) return;
    this.lastState = key;
    this.status.fire(u);
  }

  start(emit: EmitFrame): void {
    if (this.running) return;
    this.emit = emit;
    this.running = true;
    this.report({ state: 'starting' });
    this.schedule(0);
  }

  pause(): void {
    if (!this.running || this.paused) return;
    this.paused = true;
    this.report({ state: 'paused' });
  }

  resume(): void {
    if (!this.running || !this.paused) return;
    this.paused = false;
    this.report({ state: 'running' });
    this.schedule(0);
  }

  step(): void {
    if (!this.running || !this.paused) return;
    this.stepRequested = true;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.emit = null;
    await this.close().catch(() => {});
    this.report({ state: 'idle' });
    this.status.dispose();
  }

  private schedule(ms: number): void {
    if (!this.running) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), ms);
  }

  private async tick(): Promise<void> {
    this.timer = null;
    if (!this.running || this.busy) return;
    if (this.paused && !this.stepRequested) return;
    this.busy = true;
    const t0 = Date.now();
    try {
      if (!this.opened) {
        await this.open();
        this.opened = true;
      }
      const frame = this.held ?? (await this.next());
      this.held = null;
      if (!this.running) return;
      this.backoff.reset();
      if (frame === null) {
        this.report({ state: 'ended', message: 'end of stream' });
        this.running = false;
        return;
      }
      if (!this.paused) this.report({ state: 'running' });
      if (this.emit?.(frame) === false) {
        this.held = frame;
        this.schedule(200);
        return;
      }
      this.stepRequested = false;
      if (!this.paused) this.schedule(Math.max(0, 1000 / this.fps - (Date.now() - t0)));
    } catch (e) {
      if (!this.running) return;
      const err = toStationError(e);
      if (err.kind === 'not-found' || err.kind === 'source-lost' || err.kind === 'io') {
        // The medium went away: close, report, and try again later; never crash the station.
        this.opened = false;
        await this.close().catch(() => {});
        const inMs = this.backoff.next();
        this.report({ state: 'lost', message: err.message, retry: { attempt: this.backoff.attempt, inMs } });
        this.schedule(inMs);
      } else {
        this.report({ state: 'error', message: err.message });
        this.running = false;
        await this.close().catch(() => {});
      }
    } finally {
      this.busy = false;
    }
  }
}

export function lost(message: string): StationFault {
  return new StationFault('source-lost', message);
}
