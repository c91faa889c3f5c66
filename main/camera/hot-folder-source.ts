/**
 * Watches a folder a line camera writes into. Each new image is emitted once, only after it is complete:
 * its size and mtime stayed unchanged for `settleMs` (a file still being written keeps growing), and files with
 * temporary names (`.tmp`, `.part`, `~`, dot-files) are ignored until renamed. fs.watch only nudges a scan; a
 * poll timer is the ground truth (watchers miss events on network shares). A deleted folder is reported as lost
 * and polled with backoff until it comes back.
 */
import { watch, type FSWatcher } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { Emitter } from '../common/event.js';
import { toStationError } from '../common/result.js';
import { decodeImage, IMAGE_EXTENSIONS, isImagePath } from '../node/image-io.js';
import { Backoff, type EmitFrame, type FrameSource, type RetryOptions, type SourceStatusUpdate } from './source.js';

export interface HotFolderOptions extends RetryOptions {
  readonly path: string;
  /** How long size+mtime must stay unchanged. Default 300 ms. */
  readonly settleMs?: number;
  /** Poll interval. Default 200 ms. */
  readonly pollMs?: number;
  /** Also emit files present at start. Default false. */
  readonly includeExisting?: boolean;
}

const TEMP_NAME = /(\.tmp|\.part|\.partial|\.crdownload|~)$/i;

interface Seen {
  size: number;
  mtimeMs: number;
  stableSince: number;
  emitted: boolean;
}

export class HotFolderSource implements FrameSource {
  readonly kind = 'hotfolder' as const;
  readonly name: string;
  private readonly dir: string;
  private readonly status = new Emitter<SourceStatusUpdate>();
  readonly onStatus = this.status.event;
  private readonly seen = new Map<string, Seen>();
  /** Names reported as skipped (not images, empty, dangling links). */
  private readonly skipped = new Set<string>();
  private emit: EmitFrame | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private watcher: FSWatcher | null = null;
  private running = false;
  private paused = false;
  private scanning = false;
  private primed = false;
  private lost = false;
  private readonly backoff: Backoff;
  /** Complete files not handed over yet, oldest first (while paused, or while the every-part queue is full). */
  private readonly pending: { path: string; key: string }[] = [];

  constructor(private readonly opts: HotFolderOptions) {
    this.dir = resolve(opts.path);
    this.name = basename(this.dir) || this.dir;
    this.backoff = new Backoff(opts.retryBaseMs, opts.retryMaxMs);
  }

  start(emit: EmitFrame): void {
    if (this.running) return;
    this.running = true;
    this.emit = emit;
    this.status.fire({ state: 'starting' });
    this.schedule(0);
  }

  pause(): void {
    if (!this.running) return;
    this.paused = true;
    this.status.fire({ state: 'paused' });
  }

  resume(): void {
    if (!this.running || !this.paused) return;
    this.paused = false;
    this.status.fire({ state: 'running' });
    this.flush();
  }

  /** While paused, completed files wait in order; step releases the oldest one. */
  step(): void {
    const p = this.pending[0];
    if (p && this.emitFile(p)) this.pending.shift();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.watcher?.close();
    this.watcher = null;
    this.emit = null;
    this.status.fire({ state: 'idle' });
    this.status.dispose();
  }

  private schedule(ms: number): void {
    if (!this.running) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.scan(), ms);
  }

  private ensureWatcher(): void {
    if (this.watcher) return;
    try {
      this.watcher = watch(this.dir, { persistent: false }, () => {
        // A change: scan soon (but the settle rule still applies).
        if (!this.scanning && this.timer) this.schedule(20);
      });
      this.watcher.on('error', () => {
        this.watcher?.close();
        this.watcher = null;
      });
    } catch {
      this.watcher = null; // polling alone still works
    }
  }

  private async scan(): Promise<void> {
    this.timer = null;
    if (!this.running || this.scanning) return;
    this.scanning = true;
    const pollMs = this.opts.pollMs ?? 200;
    const settleMs = this.opts.settleMs ?? 300;
    try {
      const st = await stat(this.dir).catch(() => null);
      if (!st || !st.isDirectory()) throw Object.assign(new Error(`watched folder is gone: ${this.dir}`), { code: 'ENOENT' });
      this.ensureWatcher();
      // Dot-files and temporary names wait silently (they are renamed when complete); anything else that is not
      // an image the station reads is reported once, with the reason.
      const all = (await readdir(this.dir)).filter((n) => !n.startsWith('.') && !TEMP_NAME.test(n)).sort();
      for (const n of all) if (!isImagePath(n)) this.skip(n, `not an image the station reads (${IMAGE_EXTENSIONS.join(', ')})`);
      const names = all.filter(isImagePath);
      if (this.lost || !this.primed) {
        this.lost = false;
        this.backoff.reset();
        this.status.fire({ state: this.paused ? 'paused' : 'running', message: `watching ${this.dir}` });
      }
      const now = Date.now();
      const present = new Set(names);
      for (const name of names) {
        const p = join(this.dir, name);
        const s = await stat(p).catch(() => null);
        if (!s || !s.isFile()) {
          this.skip(name, s ? 'not a regular file' : 'a link to a file that does not exist');
          continue;
        }
        const prev = this.seen.get(name);
        if (!prev || prev.size !== s.size || prev.mtimeMs !== s.mtimeMs) {
          // New or still changing: (re)start its settle clock. Files present before the first scan count as done
          // unless includeExisting.
          const emitted = prev ? false : !this.primed && !this.opts.includeExisting;
          this.seen.set(name, { size: s.size, mtimeMs: s.mtimeMs, stableSince: now, emitted });
          continue;
        }
        if (!prev.emitted && s.size === 0 && now - prev.stableSince >= settleMs) {
          prev.emitted = true;
          this.skip(name, 'empty file (0 bytes)');
        } else if (!prev.emitted && now - prev.stableSince >= settleMs) {
          prev.emitted = true;
          this.pending.push({ path: p, key: `${name}|${s.size}|${s.mtimeMs}` });
        }
      }
      for (const name of [...this.seen.keys()]) if (!present.has(name)) this.seen.delete(name);
      for (const name of [...this.skipped]) if (!all.includes(name)) this.skipped.delete(name);
      this.primed = true;
      if (!this.paused) this.flush();
      this.schedule(pollMs);
    } catch (e) {
      const err = toStationError(e);
      this.watcher?.close();
      this.watcher = null;
      this.lost = true;
      const inMs = this.backoff.next();
      this.status.fire({ state: 'lost', message: err.message, retry: { attempt: this.backoff.attempt, inMs } });
      this.schedule(inMs);
    } finally {
      this.scanning = false;
    }
  }

  /** Reports a file the source will not hand over, once per name (again if it goes away and comes back). */
  private skip(name: string, why: string): void {
    if (this.skipped.has(name) || (!this.primed && !this.opts.includeExisting)) {
      this.skipped.add(name);
      return;
    }
    this.skipped.add(name);
    this.status.fire({ state: this.paused ? 'paused' : 'running', message: `skipped ${name}: ${why}` });
  }

  private flush(): void {
    // Oldest first. Newest-wins: the pipeline keeps the newest and counts the rest as dropped. Every part: a
    // refused file (queue full) stays here, on disk, and is offered again on the next scan.
    while (this.pending.length && !this.paused) {
      if (!this.emitFile(this.pending[0]!)) break;
      this.pending.shift();
    }
  }

  private emitFile(f: { path: string; key: string }): boolean {
    if (!this.emit) return false;
    const path = f.path;
    return (
      this.emit({
        source: this.name,
        name: basename(path),
        capturedAt: Date.now(),
        path,
        partKey: f.key,
        read: (o) => decodeImage(path, { ...o, channels: 3 }),
      }) !== false
    );
  }
}
