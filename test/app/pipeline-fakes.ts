/** Test doubles for the live pipeline: a source driven by the test, and an in-memory every-part queue. */
import { Emitter } from '../../main/common/event.js';
import type { FrameSource, SourceFrame, SourceStatusUpdate } from '../../main/camera/source.js';
import { StationFault } from '../../main/common/result.js';
import type { ModelInfo } from '../../main/inference/model.js';

/** The info of a test model whose `infer` the test writes. */
export const TEST_MODEL_INFO: ModelInfo = { id: 'm', kind: 'patchcore', formatVersion: 1, backbone: 'x', createdAt: '', trainImages: 1, defaultThreshold: 0.5, params: {} };

/**
 * Part `i`: a frame named `p<i>` whose image is i pixels wide (so a model tells the parts apart by width); its read
 * fails as a corrupt image with `fail`. `onRead` runs when it is read, `onRelease` when it is released.
 */
export function numberedPart(i: number, o: { channels?: 1 | 3; fail?: boolean; onRead?: () => void; onRelease?: () => void } = {}): SourceFrame {
  const channels = o.channels ?? 1;
  return {
    source: 'manual',
    name: `p${i}`,
    capturedAt: Date.now(),
    read: async () => {
      o.onRead?.();
      if (o.fail) throw new StationFault('corrupt-image', 'bad png');
      return { width: i, height: 1, channels, data: new Uint8Array(channels * i) };
    },
    ...(o.onRelease ? { release: o.onRelease } : {}),
  };
}

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
