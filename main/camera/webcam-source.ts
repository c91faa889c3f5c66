/**
 * Webcam frames captured in the renderer (getUserMedia -> canvas -> JPEG) and pushed with `live.pushFrame`.
 * The engine has no camera access of its own; this source just turns pushed bytes into frames.
 */
import { Emitter } from '../common/event.js';
import { decodeImage } from '../node/image-io.js';
import { PauseGate, type FrameSource, type SourceFrame, type SourceStatusUpdate } from './source.js';

export class PushedFrameSource implements FrameSource {
  readonly kind = 'webcam' as const;
  private readonly status = new Emitter<SourceStatusUpdate>();
  readonly onStatus = this.status.event;
  private emit: ((f: SourceFrame) => void) | null = null;
  private readonly gate = new PauseGate((u) => this.status.fire(u));
  private index = 0;

  constructor(readonly name: string) {}

  start(emit: (frame: SourceFrame) => void): void {
    this.emit = emit;
    this.status.fire({ state: 'running', message: 'waiting for frames from the renderer' });
  }
  pause(): void {
    this.gate.pause();
  }
  resume(): void {
    this.gate.resume();
  }
  step(): void {
    this.gate.step(this.emit);
  }
  async stop(): Promise<void> {
    this.emit = null;
    this.status.fire({ state: 'idle' });
    this.status.dispose();
  }

  /** Returns false when the source is not started. */
  push(bytes: Uint8Array, capturedAt = Date.now()): boolean {
    if (!this.emit) return false;
    const frame: SourceFrame = {
      source: this.name,
      name: `${this.name}#${this.index++}`,
      capturedAt,
      read: (o) => decodeImage(bytes, { ...o, channels: 3 }),
    };
    this.gate.offer(frame, this.emit);
    return true;
  }
}
