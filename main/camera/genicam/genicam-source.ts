/**
 * A GenICam camera (GigE Vision / USB3 Vision, through Aravis) as a frame source.
 *
 * Aravis's stream thread fills a pool of buffers; this source pulls them (the wait happens on a worker thread, never
 * on the JS loop) and hands each frame on without copying it: the frame's pixels are the camera's buffer, given back
 * to the stream by `release()` once the frame is inspected or replaced.
 *   - continuous: free-running, newest frame wins (setup, preview);
 *   - triggered: one frame per trigger (software trigger from the station/PLC, or the camera's hardware line);
 *     every frame is a part: written to the spool folder (the every-part queue needs a file per part) and its buffer
 *     returned at once, then offered to the queue, and kept and offered again while the queue is full.
 * A camera that disappears (heartbeat lost, pull or trigger failing) is reported `lost` and re-opened with backoff;
 * driver errors become source states, never exceptions out of the station.
 */
import { join } from 'node:path';
import { Emitter } from '../../common/event.js';
import { StationFault } from '../../common/result.js';
import type { RawImage } from '../../common/types.js';
import { writeFileAtomicSync } from '../../node/atomic-write.js';
import { decodeImage } from '../../node/image-io.js';
import { encodeStoredPng } from '../../node/png-encode.js';
import { Backoff, type EmitFrame, type RetryOptions, type SourceFrame, type SourceStatusUpdate, type FrameSource } from '../source.js';
import { cameraPool, type CameraPool } from './camera-pool.js';
import { genicamAddon, type FeatureValue, type NativeCamera, type PulledFrame, type StreamStats } from './native.js';

export interface GenicamSettings {
  readonly pixelFormat?: string;
  readonly width?: number;
  readonly height?: number;
  readonly offsetX?: number;
  readonly offsetY?: number;
  /** Exposure time in µs (ExposureTime or ExposureTimeAbs, whichever the camera has). */
  readonly exposureUs?: number;
  readonly gain?: number;
  /** Free-running rate (continuous mode). */
  readonly frameRate?: number;
  /** Any other GenICam features by name, applied in order after the settings above (from the feature browser). */
  readonly features?: Readonly<Record<string, FeatureValue>>;
}

export interface GenicamSourceOptions extends GenicamSettings, RetryOptions {
  /** Device id (as listed), serial-based id or IP address. */
  readonly camera: string;
  readonly mode: 'continuous' | 'triggered';
  /** triggered: 'Software' or a hardware line ('Line0', 'Line1', ...). */
  readonly triggerSource?: string;
  /** Buffers in the stream's pool. */
  readonly buffers?: number;
  /** Where triggered frames are written before they are queued. */
  readonly spoolDir: string;
  readonly pool?: CameraPool;
}

/** What the log keeps of a camera frame. */
export interface CameraFrameInfo {
  readonly frameId: number;
  /** The camera's timestamp in ns (decimal: beyond 2^53). */
  readonly timestampNs: string;
}

export interface GenicamFrame extends SourceFrame {
  readonly camera: CameraFrameInfo;
}

/** Station-level stream statistics (the camera's counters plus what the source saw). */
export interface GenicamStreamStats extends StreamStats {
  /** Buffers that arrived incomplete or unusable (missing packets, unsupported format). */
  readonly badFrames: number;
  /** Software triggers sent while running. */
  readonly triggers: number;
  readonly framesDelivered: number;
}

/**
 * A triggered part's key in the durable queue: unique per camera frame, and it carries the frame id and camera
 * timestamp through the queue (which keeps only the part's file and key) into the log row, across restarts too.
 */
export function cameraPartKey(camera: string, frameId: bigint | number, timestampNs: bigint | string): string {
  return `genicam|${camera}|${frameId}|${timestampNs}`;
}

/** The camera frame of a part key made by `cameraPartKey`; null for other keys. */
export function cameraInfoOfPartKey(partKey: string | undefined): CameraFrameInfo | null {
  const m = partKey ? /^genicam\|.*\|(\d{1,20})\|(\d{1,20})$/.exec(partKey) : null;
  return m ? { frameId: Number(m[1]), timestampNs: m[2]! } : null;
}

/** SFNC names differ between cameras (ExposureTime vs ExposureTimeAbs, Gain vs GainRaw): alternatives by name. */
export const FEATURE_ALIASES: Readonly<Record<string, readonly string[]>> = {
  ExposureTime: ['ExposureTimeAbs', 'ExposureTimeRaw'],
  ExposureTimeAbs: ['ExposureTime'],
  Gain: ['GainRaw', 'GainAbs'],
  GainRaw: ['Gain'],
  AcquisitionFrameRate: ['AcquisitionFrameRateAbs'],
};

/** `name`, or the alias this camera actually has. */
export async function resolveFeature(cam: NativeCamera, name: string): Promise<string> {
  try {
    await cam.getFeature(name);
    return name;
  } catch (e) {
    if ((e as { code?: string }).code !== 'unknown-feature') throw e;
    for (const alt of FEATURE_ALIASES[name] ?? []) {
      const ok = await cam.getFeature(alt).then(() => true, () => false);
      if (ok) return alt;
    }
    throw e;
  }
}

/** A driver error as a station error: unknown feature / bad value are the user's input, the rest the driver's. */
export function cameraFault(e: unknown): StationFault {
  const code = (e as { code?: string }).code;
  const message = (e as Error).message ?? String(e);
  if (code === 'invalid-value' || code === 'unknown-feature') return new StationFault('invalid-input', message);
  if (code === 'not-found') return new StationFault('not-found', message);
  return new StationFault('source-lost', message);
}

/** Applies settings in the order a camera accepts them (offsets to 0 before growing the ROI, pixel format first). */
export async function applySettings(cam: NativeCamera, s: GenicamSettings): Promise<void> {
  const step = async (what: string, fn: () => Promise<unknown>) => {
    try {
      await fn();
    } catch (e) {
      const f = cameraFault(e);
      throw new StationFault(f.kind, `${what}: ${f.message}`);
    }
  };
  if (s.pixelFormat) await step('pixel format', () => cam.setFeature('PixelFormat', s.pixelFormat!));
  if (s.width !== undefined || s.height !== undefined || s.offsetX !== undefined || s.offsetY !== undefined) {
    await step('region', async () => {
      if (s.offsetX !== undefined || s.width !== undefined) await cam.setFeature('OffsetX', 0);
      if (s.offsetY !== undefined || s.height !== undefined) await cam.setFeature('OffsetY', 0);
      if (s.width !== undefined) await cam.setFeature('Width', s.width);
      if (s.height !== undefined) await cam.setFeature('Height', s.height);
      if (s.offsetX) await cam.setFeature('OffsetX', s.offsetX);
      if (s.offsetY) await cam.setFeature('OffsetY', s.offsetY);
    });
  }
  if (s.exposureUs !== undefined) await step('exposure', () => cam.setExposure(s.exposureUs!));
  if (s.gain !== undefined) await step('gain', () => cam.setGain(s.gain!));
  if (s.frameRate !== undefined) await step('frame rate', () => cam.setFrameRate(s.frameRate!));
  for (const [name, value] of Object.entries(s.features ?? {})) {
    await step(`feature ${name}`, async () => cam.setFeature(await resolveFeature(cam, name), value));
  }
}

const PULL_TIMEOUT_MS = 250;
/** How long a software trigger waits for the previous trigger's frame before it goes ahead anyway. */
const TRIGGER_FRAME_WAIT_MS = 2000;
const REOFFER_MS = 200;

export class GenicamSource implements FrameSource {
  readonly kind = 'genicam' as const;
  readonly name: string;
  private readonly status = new Emitter<SourceStatusUpdate>();
  readonly onStatus = this.status.event;
  private readonly pool: CameraPool;
  private readonly backoff: Backoff;
  private emit: EmitFrame | null = null;
  private running = false;
  private paused = false;
  private stepRequested = false;
  private held: GenicamFrame | null = null;
  private cam: NativeCamera | null = null;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  /** Part ids given with software triggers, in trigger order. */
  private readonly partIds: string[] = [];
  /** Triggered frames the every-part queue did not take yet (it was full), oldest first. */
  private readonly backlog: GenicamFrame[] = [];
  private lastStats: StreamStats = { completed: 0, failed: 0, underruns: 0, missingPackets: 0, resentPackets: 0, buffers: 0 };
  private badFrames = 0;
  private missingSeq = 0;
  private triggers = 0;
  private delivered = 0;

  constructor(private readonly opts: GenicamSourceOptions) {
    if (!opts.camera.trim()) throw new StationFault('invalid-input', 'a GenICam source needs a camera id');
    this.name = `genicam:${opts.camera}`;
    this.pool = opts.pool ?? cameraPool;
    this.backoff = new Backoff(opts.retryBaseMs, opts.retryMaxMs);
  }

  get mode(): 'continuous' | 'triggered' {
    return this.opts.mode;
  }

  /** Whether the station's software trigger drives this source. */
  get softwareTriggered(): boolean {
    return this.opts.mode === 'triggered' && (this.opts.triggerSource ?? 'Software') === 'Software';
  }

  start(emit: EmitFrame): void {
    if (this.running) return;
    // Fails early (and clearly) when the addon is missing, instead of retrying forever.
    try {
      genicamAddon();
    } catch (e) {
      this.status.fire({ state: 'error', message: (e as Error).message });
      return;
    }
    this.emit = emit;
    this.running = true;
    this.status.fire({ state: 'starting', message: `opening camera ${this.opts.camera}` });
    this.loop = this.run();
  }

  pause(): void {
    if (!this.running || this.paused) return;
    this.paused = true;
    this.status.fire({ state: 'paused' });
  }

  resume(): void {
    if (!this.running || !this.paused) return;
    this.paused = false;
    this.status.fire({ state: 'running' });
    const h = this.held;
    this.held = null;
    h?.release?.();
  }

  step(): void {
    if (!this.running || !this.paused) return;
    const h = this.held;
    this.held = null;
    if (h) this.emit?.(h);
    else this.stepRequested = true;
  }

  /**
   * Software trigger: the camera takes one frame, which becomes the part `partId`. Resolves once the camera has
   * accepted the trigger; the frame follows through the stream.
   */
  async trigger(partId?: string): Promise<void> {
    if (!this.running || !this.cam) throw new StationFault('invalid-input', `camera ${this.opts.camera} is not acquiring`);
    if (!this.softwareTriggered) throw new StationFault('invalid-input', `camera ${this.opts.camera} is not in software-trigger mode`);
    // One trigger at a time, each once the previous one's frame is in: a camera ignores a trigger that overlaps
    // the previous exposure/readout (and the simulator merges triggers that arrive together), which would lose parts.
    const turn = this.triggerChain.then(() => this.triggerOne(partId ?? ''));
    this.triggerChain = turn.catch(() => {});
    return turn;
  }

  private triggerChain: Promise<void> = Promise.resolve();
  /** Frames (good or bad) that arrived in triggered mode since the camera was opened. */
  private framesIn = 0;
  private triggersOut = 0;

  private async triggerOne(partId: string): Promise<void> {
    const cam = this.cam;
    if (!this.running || !cam) throw new StationFault('source-lost', `camera ${this.opts.camera} is not acquiring`);
    const deadline = Date.now() + TRIGGER_FRAME_WAIT_MS;
    while (this.framesIn < this.triggersOut && Date.now() < deadline && this.running) await this.sleepUntilFrame(deadline - Date.now());
    if (this.framesIn < this.triggersOut && this.running) {
      // The previous trigger's frame never came: that part is still a part (an ERROR row, so the line gets its one
      // verdict), and its id leaves the queue, so the next frame is not taken for it.
      const lost = this.partIds.shift();
      this.offerMissing(lost || `trigger-${this.triggersOut}`, 'source-lost', `no frame came from camera ${this.opts.camera} within ${TRIGGER_FRAME_WAIT_MS} ms of the trigger`);
      await this.flushBacklog();
    }
    this.framesIn = Math.max(this.framesIn, this.triggersOut);
    this.partIds.push(partId);
    try {
      await cam.softwareTrigger();
      this.triggers++;
      this.triggersOut++;
    } catch (e) {
      this.partIds.pop();
      throw cameraFault(e);
    }
  }

  private frameWaiter: (() => void) | null = null;
  private sleepUntilFrame(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.frameWaiter = null;
        resolve();
      }, Math.max(1, ms));
      this.frameWaiter = () => {
        clearTimeout(t);
        this.frameWaiter = null;
        resolve();
      };
    });
  }

  private frameArrived(): void {
    this.framesIn++;
    this.frameWaiter?.();
  }

  streamStats(): GenicamStreamStats {
    if (this.cam) {
      try {
        this.lastStats = this.cam.stats();
      } catch {
        // closed meanwhile: keep the last figures
      }
    }
    return { ...this.lastStats, badFrames: this.badFrames, triggers: this.triggers, framesDelivered: this.delivered };
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop?.catch(() => {});
    this.loop = null;
    this.emit = null;
    this.held?.release?.();
    this.held = null;
    // Parts the queue never took stay in the spool folder (not deleted: they are real parts).
    this.backlog.length = 0;
    this.status.fire({ state: 'idle' });
    this.status.dispose();
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        await this.open();
        this.backoff.reset();
        this.status.fire({ state: this.paused ? 'paused' : 'running', message: this.describe() });
        await this.acquire();
      } catch (e) {
        if (!this.running) break;
        const f = cameraFault(e);
        await this.closeCamera(true);
        if (f.kind === 'invalid-input') {
          // A setting the camera refuses will be refused again: give up with the camera's own words.
          this.status.fire({ state: 'error', message: f.message });
          this.running = false;
          break;
        }
        const inMs = this.backoff.next();
        this.status.fire({ state: 'lost', message: f.message, retry: { attempt: this.backoff.attempt, inMs } });
        await this.sleep(inMs);
      }
    }
    await this.closeCamera(false);
  }

  private describe(): string {
    const o = this.opts;
    return o.mode === 'continuous' ? `${o.camera}: continuous` : `${o.camera}: one part per ${o.triggerSource ?? 'Software'} trigger`;
  }

  private async open(): Promise<void> {
    const cam = await this.pool.acquire(this.opts.camera);
    this.cam = cam;
    // Trigger off first: some cameras refuse frame-rate or format changes while armed.
    await cam.setTrigger(null);
    await applySettings(cam, this.opts);
    if (this.opts.mode === 'triggered') await cam.setTrigger(this.opts.triggerSource ?? 'Software');
    await cam.start(this.opts.buffers ?? (this.opts.mode === 'triggered' ? 16 : 8));
  }

  private async closeCamera(lost: boolean): Promise<void> {
    const cam = this.cam;
    this.cam = null;
    if (!cam) return;
    this.lastStats = (() => {
      try {
        return cam.stats();
      } catch {
        return this.lastStats;
      }
    })();
    this.partIds.length = 0;
    this.framesIn = this.triggersOut = 0;
    this.frameWaiter?.();
    if (lost) {
      // A fresh handle on the next attempt: the old one's control channel is gone.
      await this.pool.forget(this.opts.camera);
    } else {
      await cam.stop().catch(() => {});
      this.pool.release(this.opts.camera);
    }
  }

  private async acquire(): Promise<void> {
    const cam = this.cam!;
    while (this.running) {
      await this.flushBacklog();
      const f = await cam.pull(PULL_TIMEOUT_MS);
      if (!this.running) {
        if (f?.data) genicamAddon().release(f.data.buffer);
        return;
      }
      if (!f) {
        if (cam.isLost()) throw new StationFault('source-lost', `camera ${this.opts.camera} stopped answering (heartbeat lost)`);
        continue;
      }
      if (this.opts.mode === 'triggered') this.frameArrived();
      if (f.status !== 'ok') {
        this.badFrames++;
        if (f.data?.byteLength) genicamAddon().release(f.data.buffer);
        // In triggered mode the frame was a part: it gets an ERROR row (a continuous frame is just skipped).
        if (this.opts.mode === 'triggered') {
          this.offerMissing(this.partIds.shift() || `frame-${f.frameId}`, 'source-lost', `frame ${f.frameId} from camera ${this.opts.camera} arrived unusable (${f.status}${f.error ? `: ${f.error}` : ''})`);
        }
        continue;
      }
      if (this.opts.mode === 'continuous') this.offerContinuous(this.frameOf(f));
      else await this.offerTriggered(f);
    }
  }

  private frameOf(f: PulledFrame): GenicamFrame {
    const image: RawImage = { width: f.width, height: f.height, channels: f.channels, data: f.data };
    let released = false;
    return {
      source: this.name,
      name: `frame-${f.frameId}`,
      // Host time of the frame's first packet: latency is measured from acquisition, not from the pull.
      capturedAt: Number(f.systemTimestamp / 1_000_000n) || Date.now(),
      camera: { frameId: Number(f.frameId), timestampNs: f.timestamp.toString() },
      read: async () => {
        if (released) throw new StationFault('internal', `frame ${f.frameId} was read after its buffer went back to the camera`);
        return image;
      },
      release: () => {
        if (released) return;
        released = true;
        genicamAddon().release(f.data.buffer);
      },
    };
  }

  private offerContinuous(frame: GenicamFrame): void {
    if (this.paused) {
      if (this.stepRequested) {
        this.stepRequested = false;
        this.delivered++;
        this.emit?.(frame);
        return;
      }
      this.held?.release?.();
      this.held = frame;
      return;
    }
    this.delivered++;
    this.emit?.(frame);
  }

  /**
   * Writes the part to the spool folder (one PNG), returns the camera's buffer, queues the part. Stored, not
   * compressed: the file lives only until the part has its row (per 1024 x 1024 Mono8 frame, sharp's level-0 PNG
   * cost 5.7 ms of CPU instead of 10.4 at level 1, and 3.2 instead of 5.9 to read back); written here without sharp
   * (node/png-encode.ts) it is ~2 ms, and the acquisition loop no longer waits for a pool thread per frame.
   */
  private async offerTriggered(f: PulledFrame): Promise<void> {
    const partKey = cameraPartKey(this.opts.camera, f.frameId, f.timestamp);
    const path = join(this.opts.spoolDir, `genicam-${process.pid}-${Date.now()}-${f.frameId}.png`);
    const partId = this.partIds.shift() || `frame-${f.frameId}`;
    try {
      writeFileAtomicSync(path, encodeStoredPng({ width: f.width, height: f.height, channels: f.channels, data: f.data }));
    } catch (e) {
      // Disk full, spool folder gone: the part still gets its row (ERROR, store failed); the camera keeps running.
      this.offerMissing(partId, 'io', `frame ${f.frameId} could not be written to the spool folder ${this.opts.spoolDir}: ${(e as Error).message}`);
      await this.flushBacklog();
      return;
    } finally {
      genicamAddon().release(f.data.buffer);
    }
    const channels = f.channels;
    const frame: GenicamFrame = {
      source: this.name,
      name: `frame-${f.frameId}`,
      capturedAt: Number(f.systemTimestamp / 1_000_000n) || Date.now(),
      camera: { frameId: Number(f.frameId), timestampNs: f.timestamp.toString() },
      path,
      partKey,
      partId,
      spooled: true,
      read: (o) => decodeImage(path, { ...o, channels }),
    };
    this.backlog.push(frame);
    await this.flushBacklog();
  }

  /**
   * A triggered part without a usable frame: queued like any part (its spool path never gets a file), with the reason,
   * so it is decided ERROR in its turn instead of vanishing.
   */
  private offerMissing(partId: string, kind: 'source-lost' | 'io', reason: string): void {
    const n = ++this.missingSeq;
    const now = Date.now();
    const frame: GenicamFrame = {
      source: this.name,
      name: partId,
      capturedAt: now,
      camera: { frameId: -1, timestampNs: '0' },
      path: join(this.opts.spoolDir, `genicam-${process.pid}-${now}-missing-${n}.png`),
      partKey: `genicam-missing|${this.opts.camera}|${process.pid}|${now}|${n}`,
      partId,
      spooled: true,
      missing: { kind, message: reason },
      read: () => Promise.reject(new StationFault(kind, reason)),
    };
    this.backlog.push(frame);
  }

  /** Offers waiting parts in order; stops at the first one the queue refuses (full). */
  private async flushBacklog(): Promise<void> {
    while (this.backlog.length > 0 && this.emit) {
      if (this.emit(this.backlog[0]!) === false) {
        await this.sleep(REOFFER_MS);
        return;
      }
      this.backlog.shift();
      this.delivered++;
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.wake = null;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(t);
        this.wake = null;
        resolve();
      };
    });
  }
}
