/**
 * The live loop: source -> queue -> decode -> model.infer -> verdict -> persist -> event. One frame is inspected
 * at a time. The queue is either the newest-wins slot (preview sources: frames that arrive meanwhile replace each
 * other and are counted as dropped, so memory and latency stay bounded whatever the source rate) or the durable
 * every-part queue (line sources: every part is recorded before it is inspected and gets exactly one log row,
 * an ERROR row when it cannot be inspected).
 */
import type { FrameEvent, LiveStats } from '../common/api.js';
import { toStationError, type StationError } from '../common/result.js';
import type { ModelOutput, RawImage, Verdict } from '../common/types.js';
import type { InspectionModel } from '../inference/model.js';
import type { FrameReadOptions, FrameSource, SourceFrame } from '../camera/source.js';
import { LatestSlot } from './latest-slot.js';
import type { FrameQueue } from './durable-queue.js';
import { LINE_ERROR_CODES } from '../common/line-io.js';
import { decideVerdict } from './verdict.js';

export interface CurrentModel {
  readonly modelId: string;
  readonly model: InspectionModel;
  /** Read per frame, so a threshold change is effective on the next frame. */
  readonly threshold: number;
}

export interface Inspected {
  readonly seq: number;
  readonly frame: SourceFrame;
  readonly image: RawImage;
  readonly output: ModelOutput;
  readonly modelId: string;
  readonly executionProvider: string;
  readonly threshold: number;
  readonly verdict: Verdict;
  readonly inferMs: number;
}

export interface Persisted {
  readonly inspectionId: number | null;
  readonly frame: string;
  readonly heatmap: string | null;
  readonly anomaly?: FrameEvent['anomaly'];
}

export interface LivePipelineDeps {
  current(): CurrentModel | null;
  /** Saves files + log row; returns refs for the event. */
  persist(r: Inspected): Promise<Persisted>;
  onFrame(e: FrameEvent): void;
  /** A frame that could not be inspected (corrupt file, model error, no model); the loop goes on. */
  onError(e: StationError, frame: SourceFrame | null): void;
  /**
   * Every-part delivery: a queued part that could not be inspected gets its ERROR row here (code from
   * LINE_ERROR_CODES). Returns false when not even that row could be written (the part stays pending).
   */
  fail?(frame: SourceFrame, e: StationError, code: number): Promise<boolean>;
}

/** The newest-wins slot as a FrameQueue. */
export class NewestWins implements FrameQueue {
  // A replaced frame gives its memory back to its source (a camera buffer) at once.
  private readonly slot = new LatestSlot<SourceFrame>((f) => f.release?.());
  offer(frame: SourceFrame): boolean {
    this.slot.offer(frame);
    return true;
  }
  take(): Promise<SourceFrame | undefined> {
    return this.slot.take();
  }
  close(): void {
    this.slot.close();
  }
  get dropped(): number {
    return this.slot.dropped;
  }
}

/** Moving frame rate over the last `windowMs`. */
class RateMeter {
  private readonly times: number[] = [];
  constructor(private readonly windowMs = 3000) {}
  tick(now: number): void {
    this.times.push(now);
    while (this.times.length > 2 && now - this.times[0] > this.windowMs) this.times.shift();
  }
  rate(): number {
    if (this.times.length < 2) return 0;
    const span = this.times[this.times.length - 1] - this.times[0];
    return span > 0 ? ((this.times.length - 1) * 1000) / span : 0;
  }
}

export class LivePipeline {
  private readonly meter = new RateMeter();
  private seq = 0;
  private inspected = 0;
  private ok = 0;
  private ng = 0;
  private errors = 0;
  private lastLatency = 0;
  private loop: Promise<void> | null = null;
  private stopped = false;

  constructor(
    readonly source: FrameSource,
    private readonly deps: LivePipelineDeps,
    readonly queue: FrameQueue = new NewestWins(),
  ) {}

  start(): void {
    if (this.loop) return;
    this.source.start((f) => this.offer(f));
    this.loop = this.run();
  }

  /** Entry for frames (sources call it; tests may too). False: not taken (every-part queue full). */
  offer(frame: SourceFrame): boolean {
    if (this.stopped) return false;
    return this.queue.offer(frame);
  }

  get stats(): LiveStats {
    return {
      fps: Math.round(this.meter.rate() * 100) / 100,
      latencyMs: Math.round(this.lastLatency * 10) / 10,
      inspected: this.inspected,
      dropped: this.queue.dropped,
      ok: this.ok,
      ng: this.ng,
      errors: this.errors,
      ...(this.source.streamStats ? { camera: this.source.streamStats() } : {}),
    };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.source.stop();
    this.queue.close();
    await this.loop;
  }

  private async run(): Promise<void> {
    // Every-part queues decode ahead: the next part's read() (the decode thread, or sharp's) runs while this part is
    // inspected on the main thread, which is what makes parts/s exceed 1 / (decode + inspect). The newest-wins
    // slot does not: a frame taken early would be inspected instead of a newer one arriving meanwhile.
    const ahead = !(this.queue instanceof NewestWins);
    let next = this.takeFrame(ahead);
    // Every-part queues also store a part (frame files, log row) while the next one is inspected: storing is mostly
    // sharp encoding on the libuv pool, and waiting for it left the inspecting thread idle 43 % of the time (GenICam
    // bench profile). Stores run one at a time, in order, so rows and results keep the parts' order.
    let stored: Promise<void> = Promise.resolve();
    try {
      for (;;) {
        const item = await next;
        if (!item) return;
        if (this.stopped) {
          item.frame.release?.();
          return;
        }
        if (ahead) next = this.takeFrame(ahead);
        const { store } = await this.inspect(item.frame, item.image, stored);
        stored = store.finally(() => item.frame.release?.());
        if (!ahead) {
          await stored;
          next = this.takeFrame(ahead);
        }
      }
    } finally {
      await stored;
    }
  }

  /**
   * A model that reads gray (PatchCore) gets gray files as one channel: no RGB copy to decode and convert back, and
   * a third of the pixels to store (the frame JPEG). A part read ahead is also registered there with the model's
   * settings, which leaves the backbone, search and map to this thread.
   */
  private readOptions(): FrameReadOptions {
    const model = this.deps.current()?.model;
    return { keepGray: model?.inputChannels === 1, register: model?.registration };
  }

  /** The next frame, with its pixels already being read when `read` is set (a failed read is reported by inspect). */
  private async takeFrame(read: boolean): Promise<{ frame: SourceFrame; image?: Promise<RawImage> } | undefined> {
    const frame = await this.queue.take();
    if (!frame || this.stopped) {
      frame?.release?.();
      return undefined;
    }
    if (!read) return { frame };
    let image: Promise<RawImage>;
    try {
      image = frame.read({ ...this.readOptions(), ahead: true });
    } catch (e) {
      image = Promise.reject(e);
    }
    image.catch(() => {}); // awaited (and its error handled) in inspect
    return { frame, image };
  }

  /** A queued part that cannot be inspected: its ERROR row (every-part), or just the error (newest-wins). */
  private async failed(frame: SourceFrame, err: StationError, code: number): Promise<void> {
    this.deps.onError(err, frame);
    if (frame.line && this.deps.fail && (await this.deps.fail(frame, err, code))) {
      this.errors++;
      this.meter.tick(Date.now());
    }
  }

  /**
   * Reads and infers one part; resolves then with the rest: storing it (after `previous` is stored) and telling the
   * UI. Neither promise rejects: failures become ERROR rows or onError.
   */
  private async inspect(frame: SourceFrame, reading: Promise<RawImage> | undefined, previous: Promise<void>): Promise<{ store: Promise<void> }> {
    // Wrapped in an object: an async function returning the promise itself would wait for it.
    const after = (fn: () => Promise<void> | void): { store: Promise<void> } => ({
      store: previous.then(fn).catch((e: unknown) => this.deps.onError(toStationError(e), frame)),
    });
    const cur = this.deps.current();
    if (!cur) {
      return after(() => this.failed(frame, { kind: 'not-found', message: 'no active model: train or activate a model first' }, LINE_ERROR_CODES.noModel));
    }
    let image: RawImage;
    try {
      image = await (reading ?? frame.read(this.readOptions()));
    } catch (e) {
      const err = toStationError(e);
      const code = err.kind === 'source-lost' ? LINE_ERROR_CODES.sourceLost : frame.missing?.kind === 'io' ? LINE_ERROR_CODES.storeFailed : LINE_ERROR_CODES.unreadableImage;
      return after(() => this.failed(frame, err, code));
    }
    // Read gray for a gray model, and the model changed since: give the new one the RGB it expects.
    if (image.channels === 1 && cur.model.inputChannels !== 1) image = grayToRgb(image);
    const t0 = performance.now();
    // Boxes are cut at the threshold in force (it can change live), not the model's default.
    let output: ModelOutput;
    try {
      output = await cur.model.infer(image, { threshold: cur.threshold });
    } catch (e) {
      return after(() => this.failed(frame, toStationError(e), LINE_ERROR_CODES.inferenceFailed));
    }
    const inferMs = performance.now() - t0;
    return after(async () => {
      if (this.stopped) return;
      const verdict = decideVerdict(cur.model.info.kind, output, cur.threshold);
      const seq = ++this.seq;
      const r: Inspected = {
        seq,
        frame,
        image,
        output,
        modelId: cur.modelId,
        executionProvider: cur.model.executionProvider,
        threshold: cur.threshold,
        verdict,
        inferMs,
      };
      const saved = await this.deps.persist(r);
      const now = Date.now();
      this.inspected++;
      if (verdict === 'NG') this.ng++;
      else this.ok++;
      this.lastLatency = now - frame.capturedAt;
      this.meter.tick(now);
      this.deps.onFrame({
        seq,
        inspectionId: saved.inspectionId,
        source: frame.source,
        name: frame.name,
        capturedAt: new Date(frame.capturedAt).toISOString(),
        width: image.width,
        height: image.height,
        frame: saved.frame,
        heatmap: saved.heatmap,
        anomaly: saved.anomaly,
        score: output.score,
        threshold: cur.threshold,
        verdict,
        boxes: output.boxes,
        modelId: cur.modelId,
        timings: { ...output.timings, infer: Math.round(inferMs * 10) / 10 },
        stats: this.stats,
      });
    });
  }
}

function grayToRgb(img: RawImage): RawImage {
  const n = img.width * img.height;
  const data = new Uint8Array(3 * n);
  for (let i = 0, o = 0; i < n; i++, o += 3) data[o] = data[o + 1] = data[o + 2] = img.data[i]!;
  return { width: img.width, height: img.height, channels: 3, data };
}
