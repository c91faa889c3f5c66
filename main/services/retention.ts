/**
 * Retention (issue 10, item 4): each product's saved frames, thumbnails and heatmaps stay within its disk budget
 * (default 5 GB), oldest first, NG images kept `ngKeepFactor` times longer than OK ones; the log row and its
 * verdict are never deleted (the row keeps `mediaPrunedAt`). A free-disk watchdog alarms below one level and stops
 * saving images (never verdicts) below a lower floor.
 *
 * Off the inspection path: a pass runs on a timer (and shortly after new rows), does a bounded amount of work
 * (at most `measureBatch` rows measured and `pruneBatch` rows pruned, each batch one short transaction), and in
 * the station its store and file work runs in a worker thread of its own (RetentionCore in
 * main/node/retention-worker.ts, own store connection), so a live insert waits at most one small batch and the
 * engine's event loop not at all. The disk watchdog (one statfs) and the floor state stay in the engine. Sizes are measured here, by `stat`,
 * not on the inspection path; rows written before this version are measured the same way.
 */
import { stat, statfs as fsStatfs } from 'node:fs/promises';
import type { MediaRow, MediaUsage, StationStore } from '../store/interface.js';
import { RetentionSettingsSchema, type RetentionSettings } from '../common/floor.js';
import { MediaStore } from '../pipeline/media-store.js';
import type { FloorService } from './floor.js';

export interface DiskSpace {
  readonly freeBytes: number;
  readonly totalBytes: number;
}

export interface RetentionDeps {
  readonly store: StationStore;
  readonly media: MediaStore;
  readonly floor: Pick<FloorService, 'stationSettings' | 'update'> & { readonly state: () => { productId: string } };
  /** Stops (reason) or resumes (null) saving images on the live side. */
  readonly setMediaBlocked: (reason: string | null) => void;
  readonly notice: (level: 'info' | 'warning' | 'error', message: string, key?: string) => void;
  /** Free and total bytes of the file system holding `path` (default: node:fs statfs). */
  readonly diskSpace?: (path: string) => Promise<DiskSpace>;
}

export interface RetentionOptions {
  /** Time between passes. Default 30 s. */
  readonly intervalMs?: number;
  /** A pass after new rows waits this long (coalescing a burst). Default 2 s. */
  readonly kickDelayMs?: number;
  readonly measureBatch?: number;
  readonly pruneBatch?: number;
  /** Where the store and file work runs: default inline; the engine passes the retention worker. */
  readonly core?: Pick<RetentionCore, 'pass'> & { close?(): Promise<void> };
}

export interface RetentionPass {
  readonly measured: number;
  readonly pruned: number;
  readonly freedBytes: number;
  readonly disk: DiskSpace | null;
  /** Products still over budget after this pass (more passes follow). */
  readonly overBudget: readonly string[];
}

async function defaultDiskSpace(path: string): Promise<DiskSpace> {
  const s = await fsStatfs(path);
  return { freeBytes: Number(s.bavail) * Number(s.bsize), totalBytes: Number(s.blocks) * Number(s.bsize) };
}

const refsOf = (r: Pick<MediaRow, 'framePath' | 'heatmapPath'>): string[] =>
  [r.framePath, MediaStore.thumbnailOf(r.framePath), r.heatmapPath].filter((x): x is string => !!x);

/** Rows per store transaction. */
const CHUNK = 50;

const gb = (b: number) => `${(b / 1e9).toFixed(2)} GB`;


/** What one pass of the core did (measure + prune), and the usage after it. */
export interface CoreResult {
  readonly measured: number;
  readonly pruned: number;
  readonly freedBytes: number;
  readonly overBudget: readonly string[];
  readonly usage: readonly MediaUsage[];
}

/**
 * The store and file work of a pass: measuring new rows' images, deleting the oldest images of products over their
 * budget. Runs in the retention worker thread (main/node/retention-worker.ts) on its own store connection, or inline.
 */
export class RetentionCore {
  constructor(
    private readonly store: StationStore,
    private readonly media: MediaStore,
    private readonly measureBatch = 500,
    private readonly pruneBatch = 200,
  ) {}

  /** A product's retention settings (from its settings, defaults when absent). */
  private retentionOf(productId: string): RetentionSettings {
    const s = (this.store.getProduct(productId)?.settings ?? {}) as { retention?: unknown };
    return RetentionSettingsSchema.parse(s.retention ?? {});
  }

  async pass(): Promise<CoreResult> {
    const measured = await this.measure();
    const { pruned, freedBytes, overBudget } = await this.prune();
    return { measured, pruned, freedBytes, overBudget, usage: this.store.mediaUsage() };
  }

  /** Sizes of rows not measured yet (new rows, rows from before retention existed). */
  private async measure(): Promise<number> {
    const rows = this.store.unmeasuredMedia(this.measureBatch);
    if (rows.length === 0) return 0;
    const sizes = await Promise.all(
      rows.map(async (r) => {
        let bytes = 0;
        for (const ref of refsOf(r)) {
          const st = await stat(this.media.pathOf(ref)).catch(() => null);
          if (st?.isFile()) bytes += st.size;
        }
        return { id: r.id, bytes };
      }),
    );
    // Short transactions, with the event loop let through between them: a live insert waits at most one.
    for (let k = 0; k < sizes.length; k += CHUNK) {
      this.store.setMediaBytes(sizes.slice(k, k + CHUNK));
      await new Promise((r) => setImmediate(r));
    }
    return rows.length;
  }

  private async prune(): Promise<{ pruned: number; freedBytes: number; overBudget: string[] }> {
    const byProduct = new Map<string, number>();
    for (const u of this.store.mediaUsage()) byProduct.set(u.productId, (byProduct.get(u.productId) ?? 0) + u.bytes);
    let pruned = 0;
    let freedBytes = 0;
    const overBudget: string[] = [];
    for (const [productId, used] of byProduct) {
      const { budgetBytes, ngKeepFactor } = this.retentionOf(productId);
      let excess = used - budgetBytes;
      if (excess <= 0) continue;
      const now = Date.now();
      // NG of age a competes like an OK of age a / k: the effective time is now - (now - t) / k.
      const effective = (r: MediaRow) => (r.verdict === 'NG' ? now - (now - Date.parse(r.time)) / ngKeepFactor : Date.parse(r.time));
      const chosen: MediaRow[] = [];
      const batch = Math.min(this.pruneBatch, CHUNK);
      const ok = this.store.oldestMedia(productId, 'OK', this.pruneBatch);
      const ng = this.store.oldestMedia(productId, 'NG', this.pruneBatch);
      let i = 0;
      let j = 0;
      while (excess > 0 && chosen.length < this.pruneBatch && (i < ok.length || j < ng.length)) {
        const pickOk = j >= ng.length || (i < ok.length && effective(ok[i]!) <= effective(ng[j]!));
        const r = pickOk ? ok[i++]! : ng[j++]!;
        chosen.push(r);
        excess -= r.bytes ?? 0;
      }
      for (let k = 0; k < chosen.length; k += batch) {
        const part = chosen.slice(k, k + batch);
        // Files first, then the mark: after a crash in between, the row is still listed and is pruned again.
        await this.media.remove(part.flatMap(refsOf));
        pruned += this.store.markMediaPruned(part.map((r) => r.id));
        freedBytes += part.reduce((a, r) => a + (r.bytes ?? 0), 0);
      }
      // More to do only when this pass stopped at its bound (not when nothing else can be pruned).
      if (excess > 0 && chosen.length >= this.pruneBatch) overBudget.push(productId);
    }
    return { pruned, freedBytes, overBudget };
  }

}

export class RetentionService {
  private timer: ReturnType<typeof setInterval> | null = null;
  private kickTimer: ReturnType<typeof setTimeout> | null = null;
  private running: Promise<RetentionPass> | null = null;
  private blocked: string | null = null;
  private diskAlarm = false;
  private prunedTotal = 0;
  private disposed = false;
  private readonly intervalMs: number;
  private readonly kickDelayMs: number;
  private readonly measureBatch: number;
  private readonly pruneBatch: number;
  private core: Pick<RetentionCore, 'pass'> & { close?(): Promise<void> };

  constructor(
    private readonly deps: RetentionDeps,
    opts: RetentionOptions = {},
  ) {
    this.intervalMs = opts.intervalMs ?? 30_000;
    this.kickDelayMs = opts.kickDelayMs ?? 2_000;
    this.measureBatch = opts.measureBatch ?? 500;
    this.pruneBatch = opts.pruneBatch ?? 200;
    this.core = opts.core ?? new RetentionCore(deps.store, deps.media, this.measureBatch, this.pruneBatch);
  }

  start(): void {
    if (this.timer || this.disposed) return;
    this.timer = setInterval(() => void this.pass().catch(() => {}), this.intervalMs);
    this.timer.unref?.();
    this.kick();
  }

  /** New rows were written: a pass soon (coalesced). */
  kick(): void {
    if (this.kickTimer || this.disposed) return;
    this.kickTimer = setTimeout(() => {
      this.kickTimer = null;
      void this.pass().catch(() => {});
    }, this.kickDelayMs);
    this.kickTimer.unref?.();
  }

  /** One bounded pass; concurrent callers share the pass in progress. */
  pass(): Promise<RetentionPass> {
    this.running ??= this.run().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async run(): Promise<RetentionPass> {
    const disk = await this.watchDisk();
    const { measured, pruned, freedBytes, overBudget, usage } = await this.core.pass().catch((e: Error) => {
      if (this.core instanceof RetentionCore) throw e;
      // The worker thread is gone (could not start, crashed): keep retention going here rather than not at all.
      this.deps.notice('warning', `retention runs in the engine thread: ${e.message}`, 'floor:retention');
      this.core = new RetentionCore(this.deps.store, this.deps.media, this.measureBatch, this.pruneBatch);
      return this.core.pass();
    });
    this.prunedTotal += pruned;
    const product = this.deps.floor.state().productId;
    const used = usage
      .filter((u) => u.productId === product)
      .reduce((a, u) => a + u.bytes, 0);
    this.deps.floor.update({ retention: { usedBytes: used, prunedRows: this.prunedTotal, lastPassAt: new Date().toISOString() } });
    // Still over budget (a backlog): go on soon rather than at the next interval.
    if (overBudget.length > 0 || measured >= this.measureBatch) this.kick();
    return { measured, pruned, freedBytes, disk, overBudget };
  }

  private async watchDisk(): Promise<DiskSpace | null> {
    let disk: DiskSpace | null = null;
    try {
      disk = await (this.deps.diskSpace ?? defaultDiskSpace)(this.deps.media.root);
    } catch (e) {
      this.deps.floor.update({ disk: { message: `free disk space unknown: ${(e as Error).message}` } });
      return null;
    }
    const s = this.deps.floor.stationSettings();
    const alarm = disk.freeBytes < s.diskAlarmFreeBytes;
    const blocked = disk.freeBytes < s.diskFloorFreeBytes ? `free disk ${gb(disk.freeBytes)} is below the floor of ${gb(s.diskFloorFreeBytes)}: images are not saved` : null;
    const message = blocked ?? (alarm ? `free disk ${gb(disk.freeBytes)} is below ${gb(s.diskAlarmFreeBytes)}` : null);
    if (alarm !== this.diskAlarm) {
      this.diskAlarm = alarm;
      this.deps.notice(alarm ? 'error' : 'info', alarm ? `disk almost full: ${message}` : 'free disk space is back above the alarm level', 'floor:disk');
    }
    if ((blocked === null) !== (this.blocked === null)) this.deps.setMediaBlocked(blocked);
    this.blocked = blocked;
    this.deps.floor.update({ disk: { freeBytes: disk.freeBytes, totalBytes: disk.totalBytes, alarm, savingImages: blocked === null, message } });
    return disk;
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    if (this.timer) clearInterval(this.timer);
    if (this.kickTimer) clearTimeout(this.kickTimer);
    await this.running?.catch(() => {});
    await this.core.close?.();
  }
}
