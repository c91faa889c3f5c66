/** The live inspection service: one source at a time feeding the LivePipeline; results persisted and broadcast. */
import type { FrameEvent, InspectionRecord as InspectionDto, LiveState, SourceSpec, SourceStatus } from '../common/api.js';
import { SourceSpecSchema } from '../common/api.js';
import { Emitter } from '../common/event.js';
import { StationFault, type StationError } from '../common/result.js';
import { createSource } from '../camera/create-source.js';
import type { FrameSource, SourceFrame } from '../camera/source.js';
import { PushedFrameSource } from '../camera/webcam-source.js';
import { LivePipeline, type Inspected, type Persisted } from '../pipeline/live-pipeline.js';
import { MediaStore } from '../pipeline/media-store.js';
import { downsampleMax, heatmapPng, quantise, quantisedGrid } from '../pipeline/heatmap.js';
import type { StationStore } from '../store/interface.js';
import { DEFAULT_PRODUCT, type ModelRegistry } from './model-registry.js';

/** Unlogged frames (with thumbnail and heatmap) kept on disk for the UI. */
const UNLOGGED_KEPT = 32;

export function toInspectionDto(r: import('../store/interface.js').InspectionRecord): InspectionDto {
  return {
    id: r.id,
    at: r.time,
    source: r.sourceName || r.sourceId,
    modelId: r.modelId,
    score: r.score,
    threshold: r.threshold,
    verdict: r.verdict,
    boxes: r.boxes,
    latencyMs: r.latencyMs,
    frame: r.framePath,
    heatmap: r.heatmapPath,
    thumbnail: MediaStore.thumbnailOf(r.framePath),
  };
}

export class LiveService {
  private pipeline: LivePipeline | null = null;
  private paused = false;
  private store_ = true;
  private readonly unlogged: (string | null)[][] = [];
  private status: SourceStatus = { state: 'idle', spec: null, name: '', at: new Date().toISOString() };
  private readonly frames = new Emitter<FrameEvent>();
  private readonly states = new Emitter<LiveState>();
  private readonly statuses = new Emitter<SourceStatus>();
  private readonly appended = new Emitter<InspectionDto>();
  readonly onFrame = this.frames.event;
  readonly onState = this.states.event;
  readonly onStatus = this.statuses.event;
  readonly onAppended = this.appended.event;
  private lastErrorAt = 0;

  constructor(
    private readonly reg: ModelRegistry,
    private readonly store: StationStore,
    private readonly media: MediaStore,
    private readonly notice: (level: 'info' | 'warning' | 'error', message: string) => void,
  ) {}

  state(): LiveState {
    const cur = this.reg.current();
    return {
      running: this.pipeline !== null,
      paused: this.paused,
      source: this.status,
      modelId: cur?.modelId ?? this.reg.activeId(),
      threshold: cur?.threshold ?? null,
      stats: this.pipeline?.stats ?? { fps: 0, latencyMs: 0, inspected: 0, dropped: 0, ok: 0, ng: 0 },
    };
  }

  sourceStatus(): SourceStatus {
    return this.status;
  }

  private setStatus(s: Omit<SourceStatus, 'at'>) {
    this.status = { ...s, at: new Date().toISOString() };
    this.statuses.fire(this.status);
    this.states.fire(this.state());
  }

  async start(req: { source: SourceSpec; modelId?: string; store: boolean }): Promise<LiveState> {
    if (req.modelId && req.modelId !== this.reg.activeId()) await this.reg.activate(req.modelId);
    await this.reg.ensureLoaded();
    if (!this.reg.current()) throw new StationFault('not-found', 'no active model: train or activate a model first');
    await this.stopPipeline();
    const spec = SourceSpecSchema.parse(req.source);
    const source: FrameSource = await createSource(spec);
    this.store_ = req.store;
    this.paused = false;
    const pipeline = new LivePipeline(source, {
      current: () => this.reg.current(),
      persist: (r) => this.persist(r),
      onFrame: (e) => this.frames.fire(e),
      onError: (e, f) => this.frameError(e, f),
    });
    this.pipeline = pipeline;
    source.onStatus((u) => {
      if (this.pipeline !== pipeline) return;
      this.setStatus({ state: u.state, spec, name: source.name, message: u.message, retry: u.retry });
      if (u.state === 'lost') this.notice('warning', `source ${source.name} lost: ${u.message ?? ''} (retrying in ${Math.round((u.retry?.inMs ?? 0) / 100) / 10}s)`);
      if (u.state === 'error') this.notice('error', `source ${source.name}: ${u.message ?? 'failed'}`);
    });
    this.setStatus({ state: 'starting', spec, name: source.name });
    pipeline.start();
    return this.state();
  }

  private frameError(e: StationError, f: SourceFrame | null) {
    // Rate-limit: a folder full of corrupt files must not flood the UI.
    const now = Date.now();
    if (now - this.lastErrorAt < 2000) return;
    this.lastErrorAt = now;
    this.notice(e.kind === 'corrupt-image' ? 'warning' : 'error', `${f?.name ?? 'frame'}: ${e.message}`);
  }

  private async persist(r: Inspected): Promise<Persisted> {
    const stem = MediaStore.stem(new Date(r.frame.capturedAt), r.seq);
    const saved = await this.media.saveFrame(r.image, stem);
    let heatmap: string | null = null;
    let anomaly: Persisted['anomaly'];
    if (r.output.map) {
      const small = downsampleMax(r.output.map, 256);
      heatmap = await this.media.saveHeatmap(await heatmapPng(quantise(small, r.threshold), small.width, small.height), stem);
      anomaly = quantisedGrid(r.output.map, r.threshold);
    }
    let inspectionId: number | null = null;
    if (this.store_) {
      try {
        const rec = this.store.recordInspection({
          time: new Date(r.frame.capturedAt).toISOString(),
          sourceId: r.frame.source,
          sourceName: r.frame.name ? `${r.frame.source}/${r.frame.name}`.slice(0, 200) : r.frame.source,
          productId: DEFAULT_PRODUCT,
          modelId: r.modelId,
          score: r.output.score,
          threshold: r.threshold,
          verdict: r.verdict,
          boxes: r.output.boxes,
          framePath: saved.frame,
          heatmapPath: heatmap,
          latencyMs: Math.max(0, Date.now() - r.frame.capturedAt),
          executionProvider: r.executionProvider,
        });
        inspectionId = rec.id;
        this.appended.fire(toInspectionDto(rec));
      } catch (e) {
        this.notice('error', `could not record inspection: ${(e as Error).message}`);
      }
    }
    if (!this.store_) await this.keepRecentOnly([saved.frame, saved.thumbnail, heatmap]);
    return { inspectionId, frame: saved.frame, heatmap, anomaly };
  }

  /**
   * Frames that are not logged are only needed while the UI shows them: keep the last UNLOGGED_KEPT sets and
   * delete older ones, so a source left running unlogged (the demo) never fills the disk.
   */
  private async keepRecentOnly(refs: (string | null)[]): Promise<void> {
    this.unlogged.push(refs);
    while (this.unlogged.length > UNLOGGED_KEPT) {
      await this.media.remove(this.unlogged.shift()!).catch(() => {});
    }
  }

  async stop(): Promise<LiveState> {
    await this.stopPipeline();
    this.setStatus({ state: 'idle', spec: null, name: '' });
    return this.state();
  }

  private async stopPipeline() {
    const p = this.pipeline;
    this.pipeline = null;
    this.paused = false;
    if (p) await p.stop();
  }

  pause(): LiveState {
    if (!this.pipeline) throw new StationFault('invalid-input', 'nothing is running');
    this.paused = true;
    this.pipeline.source.pause();
    this.states.fire(this.state());
    return this.state();
  }

  resume(): LiveState {
    if (!this.pipeline) throw new StationFault('invalid-input', 'nothing is running');
    this.paused = false;
    this.pipeline.source.resume();
    this.states.fire(this.state());
    return this.state();
  }

  step(): LiveState {
    if (!this.pipeline || !this.paused) throw new StationFault('invalid-input', 'step works while paused');
    this.pipeline.source.step();
    return this.state();
  }

  pushFrame(req: { data: string; capturedAt?: string }): { accepted: boolean } {
    const src = this.pipeline?.source;
    if (!(src instanceof PushedFrameSource)) throw new StationFault('invalid-input', 'start a webcam source before pushing frames');
    const bytes = Buffer.from(req.data, 'base64');
    const at = req.capturedAt ? Date.parse(req.capturedAt) : Date.now();
    return { accepted: src.push(bytes, Number.isFinite(at) ? at : Date.now()) };
  }

  async dispose(): Promise<void> {
    await this.stopPipeline();
    for (const e of [this.frames, this.states, this.statuses, this.appended]) e.dispose();
  }
}
