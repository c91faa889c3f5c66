/**
 * A one-place mailbox where the newest item wins: `offer` replaces an item nobody has taken yet (counting it
 * as dropped), `take` waits for the next item. This is how the live pipeline stays bounded when inference is
 * slower than the source: memory is one frame, latency is one inference, and drops are visible. Pure.
 */
export class LatestSlot<T> {
  private item: T | undefined;
  private has = false;
  private waiter: ((x: T | undefined) => void) | null = null;
  private closed = false;
  /** Items replaced before anyone took them. */
  dropped = 0;
  /** Items offered in total. */
  offered = 0;

  constructor(private readonly onDrop?: (item: T) => void) {}

  /** Puts `x` in the slot; returns the item it displaced (already counted as dropped), if any. */
  offer(x: T): T | undefined {
    if (this.closed) return undefined;
    this.offered++;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = null;
      w(x);
      return undefined;
    }
    const old = this.has ? this.item : undefined;
    if (this.has) {
      this.dropped++;
      this.onDrop?.(old as T);
    }
    this.item = x;
    this.has = true;
    return old;
  }

  /** The next item; resolves `undefined` once closed. Only one taker at a time. */
  take(): Promise<T | undefined> {
    if (this.has) {
      const x = this.item as T;
      this.item = undefined;
      this.has = false;
      return Promise.resolve(x);
    }
    if (this.closed) return Promise.resolve(undefined);
    if (this.waiter) throw new Error('LatestSlot: only one taker at a time');
    return new Promise((resolve) => (this.waiter = resolve));
  }

  get pending(): boolean {
    return this.has;
  }

  close(): void {
    this.closed = true;
    this.item = undefined;
    this.has = false;
    const w = this.waiter;
    this.waiter = null;
    w?.(undefined);
  }
}
