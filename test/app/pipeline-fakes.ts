/** Test doubles for the live pipeline: a source driven by the test, and an in-memory every-part queue. */
import { Emitter } from '../../main/common/event.js';
import type { FrameSource, SourceFrame, SourceStatusUpdate } from '../../main/camera/source.js';

/** A source whose frames the test emits by hand. */
export class ManualSource implements FrameSource {
  readonly kind = 'webcam' as const;
  readonly name = 'manual';
  emit: ((f: SourceFrame) => void) | null = null;
  readonly status = new Emitter<SourceStatusUpdate>();
  readonly onStatus = this.status.event;
  start(emit: (f: SourceFrame) => void) {
    this.emit = emit;
  }
  pause() {}
  resume() {}
  step() {}
  async stop() {}
}

/** First in, first out, never full: the durable every-part queue's contract without the store behind it. */
export class FifoQueue {
  readonly dropped = 0;
  private items: SourceFrame[] = [];
  private waiter: ((f: SourceFrame | undefined) => void) | null = null;
  private closed = false;
  offer(f: SourceFrame): boolean {
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = null;
      w(f);
    } else this.items.push(f);
    return true;
  }
  take(): Promise<SourceFrame | undefined> {
    if (this.items.length) return Promise.resolve(this.items.shift());
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((r) => (this.waiter = r));
  }
  close(): void {
    this.closed = true;
    this.waiter?.(undefined);
    this.waiter = null;
  }
}
