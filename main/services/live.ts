/**
 * The live inspection service: one source at a time feeding the LivePipeline; results persisted and broadcast.
 * Line sources (hot folder, folder replay, image sequence, trigger) run in every-part delivery through the durable
 * queue (main/pipeline/durable-queue.ts); preview sources (demo, webcam, video file) in newest-wins. The last line
 * source is remembered in the store and resumes by itself when the station starts again (`resume`).
 */
import { randomUUID } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Delivery, FrameEvent, InspectionRecord as InspectionDto, LineAlarm, LineLiveState, LiveState, SourceSpec, SourceStatus } from '../common/api.js';
import { SourceSpecSchema, deliveryOf } from '../common/api.js';
import { Emitter } from '../common/event.js';
import { StationFault, toStationError, type StationError } from '../common/result.js';
import { createSource } from '../camera/create-source.js';
import type { FrameSource, SourceFrame } from '../camera/source.js';
import { PushedFrameSource } from '../camera/webcam-source.js';
import { TriggerSource } from '../camera/trigger-source.js';
import { GenicamSource, cameraInfoOfPartKey } from '../camera/genicam/genicam-source.js';
import { LivePipeline, type Inspected, type Persisted } from '../pipeline/live-pipeline.js';
import { DEFAULT_QUEUE_CAPACITY, DurableQueue } from '../pipeline/durable-queue.js';
import { MediaStore } from '../pipeline/media-store.js';
import { heatmapPngOf, quantisedGrid } from '../pipeline/heatmap.js';
import type { InspectionRecord, NewInspection, StationStore } from '../store/interface.js';
import type { LineOrigin, TriggerReply } from '../common/line-io.js';
import { LineStationImpl, type BusyPolicy } from './line-station.js';
import type { ModelRegistry } from './model-registry.js';

/** Unlogged frames (with thumbnail and heatmap) kept on disk for the UI. */
const UNLOGGED_KEPT = 32;
/** Done parts are remembered this long (a restarted hot folder skips files it already took). */
const DONE_PARTS_KEPT_MS = 7 * 24 * 3600 * 1000;
const LAST_SOURCE_KEY = 'line.lastSource';

export function toInspectionDto(r: InspectionRecord): InspectionDto {
  return {
    id: r.id,
    at: r.time,
    source: r.sourceName || r.sourceId,
    sourceId: r.sourceId,
    modelId: r.modelId,
    score: r.score,
    threshold: r.threshold,
    verdict: r.verdict,
    boxes: r.boxes,
    latencyMs: r.latencyMs,
    frame: r.framePath,
    heatmap: r.heatmapPath,
    thumbnail: MediaStore.thumbnailOf(r.framePath),
    productId: r.productId,
    ...(r.partId ? { partId: r.partId } : {}),
    ...(r.lotName ? { lotName: r.lotName } : {}),
    ...(r.productIndex ? { productIndex: r.productIndex } : {}),
    ...(r.errorCode ? { errorCode: r.errorCode } : {}),
    ...(r.errorMessage ? { error: r.errorMessage } : {}),
    ...(r.mediaPrunedAt ? { mediaPrunedAt: r.mediaPrunedAt } : {}),
  };
}

export interface LiveOptions {
  /** Where in-memory parts are written before they are queued. Default: `<media root>/../spool`. */
  readonly spoolDir?: string;
  readonly queueCapacity?: number;
  readonly busyPolicy?: BusyPolicy;
  readonly stationId?: string;
}

/** The source as remembered for a restart. */
interface LastSource {
  readonly spec: SourceSpec;
  readonly modelId?: string;
}

export class LiveService {
  private pipeline: LivePipeline | null = null;
  private queue: DurableQueue | null = null;
  private delivery: Delivery = 'newest-wins';
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
  private readonly recordedRows = new Emitter<InspectionRecord>();
  /** Every committed row as stored (with its product), for the floor (latch, NG rate, counters) and retention. */
  readonly onRecorded = this.recordedRows.event;
  /** Set by the disk watchdog: images are not saved (verdicts still are) while this says why. */
  private mediaBlocked: string | null = null;
  private lastErrorAt = 0;
  private last: FrameEvent | null = null;
  /** A frame-error notice is up (taken down by the next inspected part). */
  private frameErrorShown = false;
  private readonly alarms = new Map<LineAlarm['code'], LineAlarm>();
  private lastError: LineLiveState['lastError'] = null;
  private readonly spoolDir: string;
  private readonly capacity: number;
  /** The line handshake (triggers, results, acknowledgement) that the OPC UA / Modbus / MQTT adapters expose. */
  readonly line: LineStationImpl;

  /** Set by the products service: a line index selects a product (recipe); the line's lot is the product's lot. */
  productHooks: {
    selectByIndex(origin: LineOrigin, index: number): Promise<boolean>;
    lotChanged(origin: LineOrigin, lot: string): void;
  } | null = null;

  constructor(
    private readonly reg: ModelRegistry,
    private readonly store: StationStore,
    private readonly media: MediaStore,
    /** `key` names the cause: a later notice with the same key replaces it, an 'info' one ends it (see Notice). */
    private readonly notice: (level: 'info' | 'warning' | 'error', message: string, key?: string) => void,
    opts: LiveOptions = {},
  ) {
    this.spoolDir = opts.spoolDir ?? join(dirname(media.root), 'spool');
    this.capacity = opts.queueCapacity ?? DEFAULT_QUEUE_CAPACITY;
    this.line = new LineStationImpl(
      {
        store,
        acquire: (origin, partId) => this.acquire(origin, partId),
        activateModel: async (id) => {
          if (id !== this.reg.activeId() || !this.reg.current()) await this.reg.activate(id);
        },
        selectProduct: (origin, index) => this.productHooks?.selectByIndex(origin, index) ?? Promise.resolve(false),
        onLotName: (origin, lot) => this.productHooks?.lotChanged(origin, lot),
        threshold: () => this.reg.current()?.threshold ?? null,
      },
      { busyPolicy: opts.busyPolicy, stationId: opts.stationId },
    );
    reg.onThresholdChanged((t) => this.line.setThreshold(t.value));
  }

  /** The session's last inspected frame, for a screen opened after it (null before the first, and once stopped). */
  lastFrame(): FrameEvent | null {
    return this.pipeline ? this.last : null;
  }

  state(): LiveState {
    const cur = this.reg.current();
    return {
      running: this.pipeline !== null,
      paused: this.paused,
      source: this.status,
      modelId: cur?.modelId ?? this.reg.activeId(),
      threshold: cur?.threshold ?? null,
      stats: this.pipeline?.stats ?? { fps: 0, latencyMs: 0, inspected: 0, dropped: 0, ok: 0, ng: 0, errors: 0 },
      line: this.lineState(),
    };
  }

  private lineState(): LineLiveState {
    const sig = this.line.signals();
    return {
      delivery: this.delivery,
      queueDepth: sig.queueDepth,
      queueCapacity: this.capacity,
      queueFull: sig.queueFull,
      alarms: [...this.alarms.values()].reverse(),
      lastError: this.lastError,
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

  /** Raises (message) or clears (null) an alarm; a newly raised one is also a notice. */
  private alarm(code: LineAlarm['code'], message: string | null): void {
    const had = this.alarms.get(code);
    if (message === null) {
      if (!had) return;
      this.alarms.delete(code);
      this.notice('info', `cleared: ${had.message}`, `alarm:${code}`);
    } else {
      if (had?.message === message) return;
      this.alarms.set(code, { code, message, at: new Date().toISOString() });
      if (!had) this.notice('error', message, `alarm:${code}`);
    }
    this.states.fire(this.state());
  }

  /** The delivery mode of a spec: its own, else per kind (a video path that is a folder is an image sequence). */
  private async deliveryFor(spec: SourceSpec): Promise<Delivery> {
    if (spec.kind === 'video' && !spec.delivery) {
      const st = await stat(resolve(spec.path)).catch(() => null);
      if (st?.isDirectory()) return 'every-part';
    }
    return deliveryOf(spec);
  }

  async start(req: { source: SourceSpec; modelId?: string; store: boolean }): Promise<LiveState> {
    if (req.modelId && req.modelId !== this.reg.activeId()) await this.reg.activate(req.modelId);
    await this.reg.ensureLoaded();
    if (!this.reg.current()) throw new StationFault('not-found', 'no active model: train or activate a model first');
    await this.stopPipeline();
    this.last = null;
    const parsed = SourceSpecSchema.parse(req.source);
    const delivery = await this.deliveryFor(parsed);
    const source: FrameSource = await createSource(await this.resumable(parsed, delivery), {}, this.spoolDir);
    const spec = req.source;
    // Every part gets its row: line delivery always logs.
    this.store_ = req.store || delivery === 'every-part';
    this.delivery = delivery;
    this.paused = false;
    let queue: DurableQueue | undefined;
    if (delivery === 'every-part') {
      try {
        this.store.pruneLineParts(new Date(Date.now() - DONE_PARTS_KEPT_MS).toISOString());
      } catch {
        // pruning is housekeeping; a failure here must not stop the line
      }
      queue = new DurableQueue(this.store, {
        capacity: this.capacity,
        sourceKey: sourceKeyOf(parsed),
        context: () => this.line.context(),
        onChange: (depth, full) => this.queueChanged(depth, full),
        onStoreError: (e) => this.alarm('store-failed', `the store refused a part: ${e.message}`),
      });
      this.store.setSetting(LAST_SOURCE_KEY, { spec, modelId: this.reg.activeId() ?? undefined } satisfies LastSource);
    }
    this.queue = queue ?? null;
    const pipeline = new LivePipeline(
      source,
      {
        current: () => this.reg.current(),
        persist: (r) => this.persist(r),
        onFrame: (e) => {
          this.last = e;
          if (this.frameErrorShown) {
            this.frameErrorShown = false;
            this.notice('info', 'a part was inspected again', 'frame');
          }
          this.frames.fire(e);
        },
        onError: (e, f) => this.frameError(e, f),
        fail: (f, e, code) => this.recordError(f, e, code),
      },
      queue,
    );
    this.pipeline = pipeline;
    let troubled = false;
    source.onStatus((u) => {
      if (this.pipeline !== pipeline) return;
      this.setStatus({ state: u.state, spec, name: source.name, message: u.message, retry: u.retry });
      // One banner per source problem, updated on each retry and taken down when the source runs again.
      if (u.state === 'lost') this.notice('warning', `source ${source.name} lost: ${u.message ?? ''} (retrying in ${Math.round((u.retry?.inMs ?? 0) / 100) / 10}s)`, 'source');
      else if (u.state === 'error') this.notice('error', `source ${source.name}: ${u.message ?? 'failed'}`, 'source');
      else if (u.state === 'running' && troubled) this.notice('info', `source ${source.name} running again`, 'source');
      troubled = u.state === 'lost' || u.state === 'error' || (troubled && u.state !== 'running');
    });
    this.notice('info', `source ${source.name} starting`, 'source');
    this.setStatus({ state: 'starting', spec, name: source.name });
    this.line.setRunning(delivery === 'every-part', source instanceof TriggerSource || (source instanceof GenicamSource && source.softwareTriggered));
    if (queue) this.queueChanged(queue.depth, queue.full);
    pipeline.start();
    return this.state();
  }

  /**
   * A hot folder this station has taken parts from before takes, on a restart, the files that arrived while it
   * was down (known ones are skipped by the queue), instead of only new ones.
   */
  private async resumable(spec: ReturnType<typeof SourceSpecSchema.parse>, delivery: Delivery): Promise<SourceSpec> {
    if (spec.kind === 'hotfolder' && delivery === 'every-part' && !spec.includeExisting && this.store.lineSourceKnown(sourceKeyOf(spec))) {
      return { ...spec, includeExisting: true };
    }
    return spec;
  }

  /**
   * After a restart: the last line source starts again by itself (pending parts first: the queue is oldest
   * first). Returns whether one was resumed. A failure is a notice, and the source is tried on the next start.
   */
  async resumeLineSource(): Promise<boolean> {
    const last = this.store.getSetting(LAST_SOURCE_KEY) as LastSource | null;
    if (!last?.spec || this.pipeline) return false;
    try {
      await this.start({ source: last.spec, modelId: last.modelId && this.reg.activeId() !== last.modelId ? last.modelId : undefined, store: true });
      this.notice('info', `resumed the line source ${this.status.name} (${this.line.signals().queueDepth} parts pending)`);
      return true;
    } catch (e) {
      this.notice('error', `could not resume the line source: ${(e as Error).message}`);
      return false;
    }
  }

  private queueChanged(depth: number, full: boolean): void {
    this.line.setQueue(depth, full);
    this.alarm('queue-full', full ? `part queue full (${depth} of ${this.capacity} pending): the source waits; inspection is slower than the line` : null);
  }

  /** One trigger: one part from the trigger source into the durable queue. */
  private async acquire(origin: LineOrigin, partId: string | undefined): Promise<TriggerReply> {
    const src = this.pipeline?.source;
    const queue = this.queue;
    if (src instanceof GenicamSource && src.softwareTriggered && queue) {
      // The camera takes the frame; it reaches the queue through the source (spooled like a demo part).
      if (!queue.hasRoom()) return { accepted: false, reason: 'queue-full', message: `the part queue is full (${queue.depth} pending)` };
      const id = partId ?? `${origin}-${randomUUID().slice(0, 8)}`;
      await src.trigger(id);
      return { accepted: true, partId: id };
    }
    if (!(src instanceof TriggerSource) || !queue) return { accepted: false, reason: 'not-running', message: 'no trigger source is running' };
    if (!queue.hasRoom()) return { accepted: false, reason: 'queue-full', message: `the part queue is full (${queue.depth} pending)` };
    const frame = await src.acquire(partId ?? '');
    const id = partId ?? `${origin}-${frame.partKey!.slice(0, 8)}`;
    if (!this.pipeline?.offer({ ...frame, partId: id })) return { accepted: false, reason: 'queue-full', message: 'the part queue is full' };
    return { accepted: true, partId: id };
  }

  private frameError(e: StationError, f: SourceFrame | null) {
    // Rate-limit: a folder full of corrupt files must not flood the UI.
    const now = Date.now();
    if (now - this.lastErrorAt < 2000) return;
    this.lastErrorAt = now;
    this.frameErrorShown = true;
    this.notice(e.kind === 'corrupt-image' ? 'warning' : 'error', `${f?.name ?? 'frame'}: ${e.message}`, 'frame');
  }

  private sourceName(frame: SourceFrame): string {
    return frame.name ? `${frame.source}/${frame.name}`.slice(0, 200) : frame.source;
  }

  /** Commits a row: a queued part's row together with its move to done, else a plain row. */
  private commit(frame: SourceFrame, row: NewInspection): InspectionRecord {
    const rec = frame.line && this.queue ? this.queue.complete(frame, row) : this.store.recordInspection(row);
    this.alarm('store-failed', null);
    this.appended.fire(toInspectionDto(rec));
    this.recordedRows.fire(rec);
    this.line.recorded(rec);
    return rec;
  }

  /** The ERROR row of a queued part that could not be inspected. False: not even that could be written. */
  private async recordError(frame: SourceFrame, e: StationError, code: number): Promise<boolean> {
    const modelId = this.reg.current()?.modelId ?? this.reg.activeId();
    if (!modelId) {
      this.alarm('no-model', 'parts are waiting: no active model (train or activate one)');
      return false;
    }
    try {
      const rec = this.commit(frame, {
        time: new Date().toISOString(),
        sourceId: frame.source,
        sourceName: this.sourceName(frame),
        productId: this.reg.productOf(modelId),
        modelId,
        score: 0,
        threshold: this.reg.current()?.threshold ?? 0,
        verdict: 'ERROR',
        latencyMs: Math.max(0, Date.now() - frame.capturedAt),
        executionProvider: this.reg.executionProvider() ?? 'none',
        partId: (frame.partId ?? frame.name ?? '').slice(0, 200),
        lotName: frame.line?.lotName ?? this.line.context().lotName,
        productIndex: frame.line?.productIndex ?? this.line.context().productIndex,
        errorCode: code,
        errorMessage: `${e.kind}: ${e.message}`.slice(0, 2000),
        ...cameraColumns(frame),
      });
      this.lastError = { partId: rec.partId, message: rec.errorMessage ?? '', at: rec.time, inspectionId: rec.id };
      this.states.fire(this.state());
      return true;
    } catch (err) {
      this.alarm('store-failed', `could not record the ERROR verdict of ${frame.name ?? 'a part'}: ${(err as Error).message}`);
      return false;
    }
  }

  private async persist(r: Inspected): Promise<Persisted> {
    const stem = MediaStore.stem(new Date(r.frame.capturedAt), r.seq);
    // A verdict is never lost to a side effect: if the frame or heatmap cannot be saved, the row is still written
    // (paths empty, the reason kept) and an alarm is raised.
    let saved: { frame: string; thumbnail: string } | null = null;
    let heatmap: string | null = null;
    let mediaError: string | null = null;
    let anomaly: Persisted['anomaly'];
    try {
      if (this.mediaBlocked) throw new StationFault('io', this.mediaBlocked);
      // The heatmap is encoded while the frame is (both are sharp jobs on the pool).
      const heatmapPng = r.output.map ? heatmapPngOf(r.output.map, r.threshold) : null;
      heatmapPng?.catch(() => {}); // awaited below unless saving the frame failed first
      saved = await this.media.saveFrame(r.image, stem);
      if (heatmapPng) heatmap = await this.media.saveHeatmap(await heatmapPng, stem);
    } catch (e) {
      mediaError = toStationError(e).message;
      if (saved) await this.media.remove([saved.frame, saved.thumbnail]).catch(() => {});
      saved = null;
      heatmap = null;
    }
    if (r.output.map) anomaly = quantisedGrid(r.output.map, r.threshold);
    this.alarm('media-not-saved', mediaError ? `frames are not being saved (verdicts still are): ${mediaError}` : null);
    let inspectionId: number | null = null;
    if (this.store_ || r.frame.line) {
      try {
        const rec = this.commit(r.frame, {
          time: new Date(r.frame.capturedAt).toISOString(),
          sourceId: r.frame.source,
          sourceName: this.sourceName(r.frame),
          productId: this.reg.productOf(r.modelId),
          modelId: r.modelId,
          score: r.output.score,
          threshold: r.threshold,
          verdict: r.verdict,
          boxes: r.output.boxes,
          framePath: saved?.frame ?? null,
          heatmapPath: heatmap,
          latencyMs: Math.max(0, Date.now() - r.frame.capturedAt),
          executionProvider: r.executionProvider,
          partId: (r.frame.partId ?? (r.frame.line ? r.frame.name : '') ?? '').slice(0, 200),
          lotName: r.frame.line?.lotName ?? this.line.context().lotName,
          productIndex: r.frame.line?.productIndex ?? this.line.context().productIndex,
          errorMessage: mediaError ? `frame not saved: ${mediaError}`.slice(0, 2000) : null,
          ...cameraColumns(r.frame),
        });
        inspectionId = rec.id;
      } catch (e) {
        this.alarm('store-failed', `could not record inspection: ${(e as Error).message}`);
      }
    }
    if (!this.store_ && !r.frame.line && saved) await this.keepRecentOnly([saved.frame, saved.thumbnail, heatmap]);
    return { inspectionId, frame: saved?.frame ?? '', heatmap, anomaly };
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

  /** The disk watchdog: stop saving images (reason) or save them again (null). Verdicts are always recorded. */
  setMediaBlocked(reason: string | null): void {
    this.mediaBlocked = reason;
  }

  /** Stops the source; a line source is forgotten (it will not resume). Pending parts stay pending. */
  async stop(): Promise<LiveState> {
    await this.stopPipeline();
    this.store.setSetting(LAST_SOURCE_KEY, null);
    this.setStatus({ state: 'idle', spec: null, name: '' });
    return this.state();
  }

  private async stopPipeline() {
    const p = this.pipeline;
    this.pipeline = null;
    this.queue = null;
    this.paused = false;
    this.line.setRunning(false, false);
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

  /** Stops the pipeline without forgetting the line source (station shutdown: it resumes on the next start). */
  async dispose(): Promise<void> {
    await this.stopPipeline();
    this.line.dispose();
    for (const e of [this.frames, this.states, this.statuses, this.appended]) e.dispose();
    this.recordedRows.dispose();
  }
}

/** A camera frame's id and timestamp for its log row (GenICam sources). */
function cameraColumns(frame: SourceFrame): Pick<NewInspection, 'cameraFrameId' | 'cameraTimestampNs'> {
  // Parts taken from the durable queue carry it in their key (the queue keeps only the file and the key).
  const cam = frame.camera ?? cameraInfoOfPartKey(frame.partKey);
  return cam ? { cameraFrameId: cam.frameId, cameraTimestampNs: cam.timestampNs } : {};
}

/** Identifies a source's parts in the durable queue across restarts. */
export function sourceKeyOf(spec: ReturnType<typeof SourceSpecSchema.parse>): string {
  switch (spec.kind) {
    case 'hotfolder':
    case 'folder':
    case 'video':
      return `${spec.kind}:${resolve(spec.path)}`;
    case 'trigger':
      return spec.from === 'folder' && spec.path ? `trigger:${resolve(spec.path)}` : 'trigger:demo';
    case 'genicam':
      return `genicam:${spec.camera}`;
    default:
      return spec.kind;
  }
}
