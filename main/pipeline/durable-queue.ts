/**
 * The every-part delivery mode: a bounded, durable queue in the store. A part is recorded as pending (a row in
 * `line_queue`) before it is inspected; its log row and its move to 'done' commit together (`complete`), so a
 * killed station inspects exactly the parts that have no row yet, oldest first, when it starts again. A full queue
 * refuses new parts (the source keeps them: a hot folder's files stay on disk) and raises the queue-full alarm;
 * nothing is dropped.
 */
import { rm } from 'node:fs/promises';
import { StationFault } from '../common/result.js';
import { decodeImage } from '../node/image-io.js';
import type { SourceFrame } from '../camera/source.js';
import type { InspectionRecord, LinePart, NewInspection, StationStore } from '../store/interface.js';

/** What the live loop takes frames from: the newest-wins slot or this queue. */
export interface FrameQueue {
  /** False when the frame was not taken (queue full): the source must offer it again later. */
  offer(frame: SourceFrame): boolean;
  take(): Promise<SourceFrame | undefined>;
  close(): void;
  readonly dropped: number;
}

export interface DurableQueueOptions {
  readonly capacity: number;
  /** Identifies the source's parts across restarts ('hotfolder:/abs/dir'). */
  readonly sourceKey: string;
  /** Product index and lot name in force when a part arrives (recorded with it). */
  readonly context: () => { readonly productIndex: number; readonly lotName: string };
  /** Depth or full state changed. */
  readonly onChange: (depth: number, full: boolean) => void;
  /** The store refused a write (disk full, read-only database): the part was not queued, the source keeps it. */
  readonly onStoreError: (e: Error) => void;
}

export const DEFAULT_QUEUE_CAPACITY = 1000;

export class DurableQueue implements FrameQueue {
  readonly dropped = 0;
  private depth_: number;
  private full_ = false;
  /** Highest part id handed to the live loop: pending parts at or below it are being inspected. */
  private cursor = 0;
  private waiter: ((wake: boolean) => void) | null = null;
  private closed = false;
  /** Why parts offered in this process have no image (`SourceFrame.missing`), by queue id, until taken. */
  private readonly missing = new Map<number, NonNullable<SourceFrame['missing']>>();

  constructor(
    private readonly store: StationStore,
    private readonly opts: DurableQueueOptions,
  ) {
    if (!Number.isSafeInteger(opts.capacity) || opts.capacity < 1) throw new StationFault('invalid-input', `invalid queue capacity ${opts.capacity}`);
    this.depth_ = store.countPendingLineParts();
    this.full_ = this.depth_ >= opts.capacity;
  }

  get depth(): number {
    return this.depth_;
  }
  get full(): boolean {
    return this.full_;
  }
  get capacity(): number {
    return this.opts.capacity;
  }

  /** Whether a new part would be taken now. */
  hasRoom(): boolean {
    return !this.closed && this.depth_ < this.opts.capacity;
  }

  offer(frame: SourceFrame): boolean {
    if (this.closed) return false;
    if (!frame.path || !frame.partKey) throw new StationFault('internal', `every-part delivery needs a file per part (${frame.source}/${frame.name ?? ''})`);
    if (this.depth_ >= this.opts.capacity) {
      this.setFull(true);
      return false;
    }
    const ctx = this.opts.context();
    let part: LinePart | null;
    try {
      part = this.store.enqueueLinePart({
        sourceKey: this.opts.sourceKey,
        partKey: frame.partKey,
        partId: (frame.partId ?? frame.name ?? '').slice(0, 200),
        sourceName: `${frame.source}`.slice(0, 200),
        path: frame.path,
        spooled: frame.spooled ?? false,
        origin: 'source',
        productIndex: ctx.productIndex,
        lotName: ctx.lotName,
      });
    } catch (e) {
      this.opts.onStoreError(e as Error);
      return false;
    }
    if (!part) return true; // already known (inspected before a restart): taken, nothing to do
    if (frame.missing) this.missing.set(part.id, frame.missing);
    this.depth_++;
    if (this.depth_ >= this.opts.capacity) this.setFull(true);
    this.opts.onChange(this.depth_, this.full_);
    this.wake();
    return true;
  }

  async take(): Promise<SourceFrame | undefined> {
    for (;;) {
      if (this.closed) return undefined;
      let part: LinePart | undefined;
      try {
        part = this.store.pendingLineParts(1, this.cursor)[0];
      } catch (e) {
        this.opts.onStoreError(e as Error);
        part = undefined;
      }
      if (part) {
        this.cursor = part.id;
        const missing = this.missing.get(part.id);
        this.missing.delete(part.id);
        return frameOf(part, missing);
      }
      // Woken by `offer`, or after a while anyway (another process may have queued parts).
      await new Promise<boolean>((resolve) => {
        this.waiter = resolve;
        setTimeout(() => this.wake(), 1000).unref?.();
      });
    }
  }

  /** Writes the part's log row and marks it done (one transaction); deletes a spooled copy. */
  complete(frame: SourceFrame, row: NewInspection): InspectionRecord {
    if (!frame.line) throw new StationFault('internal', 'complete: not a queued part');
    const rec = this.store.completeLinePart(frame.line.queueId, row);
    this.depth_ = Math.max(0, this.depth_ - 1);
    // Hysteresis: the alarm clears once a tenth of the queue is free again, so it does not flap per part.
    if (this.full_ && this.depth_ <= this.opts.capacity - Math.max(1, Math.floor(this.opts.capacity / 10))) this.setFull(false);
    this.opts.onChange(this.depth_, this.full_);
    if (frame.line.spooled && frame.path) void rm(frame.path, { force: true }).catch(() => {});
    return rec;
  }

  close(): void {
    this.closed = true;
    this.wake();
  }

  private setFull(full: boolean): void {
    if (this.full_ === full) return;
    this.full_ = full;
    this.opts.onChange(this.depth_, full);
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.(true);
  }
}

/**
 * The live loop's frame for a pending part. `missing`: the part has no image (offered so in this process), and
 * reading it fails with that reason; after a restart such a part's absent file fails the same way, as not found.
 */
function frameOf(part: LinePart, missing?: SourceFrame['missing']): SourceFrame {
  const path = part.path;
  return {
    source: part.sourceName,
    name: part.partId,
    partId: part.partId,
    partKey: part.partKey,
    capturedAt: Date.parse(part.enqueuedAt) || Date.now(),
    path,
    line: { queueId: part.id, productIndex: part.productIndex, lotName: part.lotName, spooled: part.spooled },
    ...(missing ? { missing } : {}),
    read: missing
      ? () => Promise.reject(new StationFault(missing.kind, missing.message))
      : (o) => decodeImage(path, { ...o, channels: 3 }),
  };
}
