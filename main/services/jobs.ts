/**
 * Long-running work (training, dataset generation, evaluation, export) as jobs: one at a time per kind group,
 * cancellable via AbortSignal, progress throttled to ~10 events/s per job, last 50 kept for the UI.
 */
import { randomUUID } from 'node:crypto';
import type { JobInfo, JobKind } from '../common/api.js';
import { Emitter } from '../common/event.js';
import { StationFault, toStationError } from '../common/result.js';
import type { Progress, ProgressFn } from '../common/types.js';

export interface JobContext {
  readonly signal: AbortSignal;
  readonly progress: ProgressFn;
}

interface Entry {
  info: JobInfo;
  readonly controller: AbortController;
  lastEmit: number;
  done: Promise<void>;
}

export class JobManager {
  private readonly jobs = new Map<string, Entry>();
  private readonly changed = new Emitter<JobInfo>();
  readonly onProgress = this.changed.event;

  constructor(private readonly keep = 50) {}

  list(): JobInfo[] {
    return [...this.jobs.values()].map((e) => e.info).reverse();
  }

  get(id: string): JobInfo {
    const e = this.jobs.get(id);
    if (!e) throw new StationFault('not-found', `no job ${id}`);
    return e.info;
  }

  /** True when a job of one of `kinds` is queued or running. */
  busy(kinds: readonly JobKind[]): boolean {
    return [...this.jobs.values()].some((e) => kinds.includes(e.info.kind) && (e.info.state === 'running' || e.info.state === 'queued'));
  }

  /** Starts `fn` as a job; `exclusive` kinds refuse to start while one of them runs. */
  start<T>(kind: JobKind, title: string, fn: (ctx: JobContext) => Promise<T>, exclusive: readonly JobKind[] = []): JobInfo {
    if (exclusive.length && this.busy(exclusive)) {
      throw new StationFault('busy', `another ${exclusive.join('/')} job is running; wait for it or cancel it`);
    }
    const id = randomUUID();
    const controller = new AbortController();
    const entry: Entry = {
      info: { id, kind, title, state: 'running', progress: null, startedAt: new Date().toISOString(), finishedAt: null, error: null, result: null },
      controller,
      lastEmit: 0,
      done: Promise.resolve(),
    };
    this.jobs.set(id, entry);
    this.trim();
    this.changed.fire(entry.info);
    const progress = (p: Progress) => {
      if (entry.info.state !== 'running') return;
      entry.info = { ...entry.info, progress: p };
      const now = Date.now();
      if (now - entry.lastEmit >= 100 || p.done >= p.total) {
        entry.lastEmit = now;
        this.changed.fire(entry.info);
      }
    };
    entry.done = (async () => {
      try {
        // Yield once so the caller gets the job id before any work starts.
        await new Promise((r) => setImmediate(r));
        const result = await fn({ signal: controller.signal, progress });
        if (controller.signal.aborted) throw new StationFault('cancelled', 'cancelled');
        entry.info = { ...entry.info, state: 'done', result: result ?? null, finishedAt: new Date().toISOString() };
      } catch (e) {
        const err = controller.signal.aborted ? { kind: 'cancelled' as const, message: `${title}: cancelled` } : toStationError(e);
        entry.info = {
          ...entry.info,
          state: err.kind === 'cancelled' ? 'cancelled' : 'failed',
          error: err,
          finishedAt: new Date().toISOString(),
        };
      }
      this.changed.fire(entry.info);
    })();
    return entry.info;
  }

  cancel(id: string): JobInfo {
    const e = this.jobs.get(id);
    if (!e) throw new StationFault('not-found', `no job ${id}`);
    if (e.info.state === 'running' || e.info.state === 'queued') e.controller.abort();
    return e.info;
  }

  /** Waits for a job to settle (tests, shutdown). */
  async wait(id: string): Promise<JobInfo> {
    const e = this.jobs.get(id);
    if (!e) throw new StationFault('not-found', `no job ${id}`);
    await e.done;
    return e.info;
  }

  async cancelAll(): Promise<void> {
    for (const e of this.jobs.values()) e.controller.abort();
    await Promise.all([...this.jobs.values()].map((e) => e.done));
  }

  private trim(): void {
    if (this.jobs.size <= this.keep) return;
    for (const [id, e] of this.jobs) {
      if (this.jobs.size <= this.keep) break;
      if (e.info.state !== 'running' && e.info.state !== 'queued') this.jobs.delete(id);
    }
  }
}
