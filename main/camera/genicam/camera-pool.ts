/**
 * Open cameras, shared: a GigE Vision camera accepts one controlling application, so the running source and the
 * engineer's feature browser must use the same handle. Reference-counted; a camera nobody uses is closed after a
 * short grace period (the browser opens and releases it per request).
 */
import { genicamAddon, type NativeCamera } from './native.js';

const IDLE_CLOSE_MS = 20_000;

interface Entry {
  readonly opening: Promise<NativeCamera>;
  users: number;
  idle: ReturnType<typeof setTimeout> | null;
}

export class CameraPool {
  private readonly entries = new Map<string, Entry>();

  /** The open camera `id`, opening it if needed; pair with `release(id)`. */
  async acquire(id: string): Promise<NativeCamera> {
    let e = this.entries.get(id);
    if (!e) {
      const opening = genicamAddon().openCamera(id);
      e = { opening, users: 0, idle: null };
      this.entries.set(id, e);
      opening.catch(() => {
        if (this.entries.get(id) === e) this.entries.delete(id);
      });
    }
    e.users++;
    if (e.idle) clearTimeout(e.idle);
    e.idle = null;
    try {
      return await e.opening;
    } catch (err) {
      e.users--;
      throw err;
    }
  }

  release(id: string): void {
    const e = this.entries.get(id);
    if (!e) return;
    e.users = Math.max(0, e.users - 1);
    if (e.users > 0 || e.idle) return;
    e.idle = setTimeout(() => void this.close(id, e), IDLE_CLOSE_MS);
    e.idle.unref?.();
  }

  /** Closes `id` now (a lost camera: the next `acquire` opens a fresh handle). */
  async forget(id: string): Promise<void> {
    const e = this.entries.get(id);
    if (e) await this.close(id, e);
  }

  /** Runs `fn` with the camera open (shared with a running source). */
  async with<T>(id: string, fn: (cam: NativeCamera) => Promise<T>): Promise<T> {
    const cam = await this.acquire(id);
    try {
      return await fn(cam);
    } finally {
      this.release(id);
    }
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.entries].map(([id, e]) => this.close(id, e)));
  }

  private async close(id: string, e: Entry): Promise<void> {
    if (this.entries.get(id) === e) this.entries.delete(id);
    if (e.idle) clearTimeout(e.idle);
    const cam = await e.opening.catch(() => null);
    await cam?.close().catch(() => {});
  }
}

/** The engine's pool (one per process: the source and the feature browser share it). */
export const cameraPool = new CameraPool();
