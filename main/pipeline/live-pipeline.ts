/**
 * The live loop: source -> (newest-frame-wins slot) -> decode -> model.infer -> verdict -> persist -> event.
 * One frame is inspected at a time; frames that arrive meanwhile replace each other in the slot and are counted
 * as dropped, so memory and latency stay bounded whatever the source rate.
 */
import type { FrameEvent, LiveStats } from '../common/api.js';
import { toStationError, type StationError } from '../common/result.js';
import type { ModelOutput, RawImage, Verdict } from '../common/types.js';
import type { InspectionModel } from '../inference/model.js';
import type { FrameSource, SourceFrame } from '../camera/source.js';
import { LatestSlot } from './latest-slot.js';
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
  private readonly slot = new LatestSlot<SourceFrame>();
  private readonly meter = new RateMeter();
  private seq = 0;
  private inspected = 0;
  private ok = 0;
  private ng = 0;
  private lastLatency = 0;
  private loop: Promise<void> | null = null;
  private stopped = false;

  constructor(
    readonly source: FrameSource,
    private readonly deps: LivePipelineDeps,
  ) {}

  start(): void {
    if (this.loop) return;
    this.source.start((f) => this.offer(f));
    this.loop = this.run();
  }

  /** Entry for frames (sources call it; tests may too). */
  offer(frame: SourceFrame): void {
    if (!this.stopped) this.slot.offer(frame);
  }

  get stats(): LiveStats {
    return {
      fps: Math.round(this.meter.rate() * 100) / 100,
      latencyMs: Math.round(this.lastLatency * 10) / 10,
      inspected: this.inspected,
      dropped: this.slot.dropped,
      ok: this.ok,
      ng: this.ng,
    };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.source.stop();
    this.slot.close();
    await this.loop;
  }

  private async run(): Promise<void> {
    for (;;) {
      const frame = await this.slot.take();
      if (!frame || this.stopped) return;
      await this.inspect(frame);
    }
  }

  private async inspect(frame: SourceFrame): Promise<void> {
    const cur = this.deps.current();
    if (!cur) {
      this.deps.onError({ kind: 'not-found', message: 'no active model: train or activate a model first' }, frame);
      return;
    }
    try {
      const image = await frame.read();
      const t0 = performance.now();
      // Boxes are cut at the threshold in force (it can change live), not the model's default.
      const output = await cur.model.infer(image, { threshold: cur.threshold });
      const inferMs = performance.now() - t0;
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
    } catch (e) {
      this.deps.onError(toStationError(e), frame);
    }
  }
}
