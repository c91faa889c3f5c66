/**
 * The engine's handle on the log reader worker (log-worker.ts): typed requests, replies as promises, export
 * progress and cancellation. The worker starts on the first request and again after it died.
 */
import type { Worker } from 'node:worker_threads';
import { StationFault, type ErrorKind } from '../common/result.js';
import type { ProgressFn } from '../common/types.js';
import type { LogOp, LogOps, LogReply, LogRequest, LogWorkerData } from './log-worker.js';
import { startWorker, workerEntry } from './worker-start.js';

interface Pending {
  resolve(v: unknown): void;
  reject(e: unknown): void;
  progress?: ProgressFn;
}

export class LogReader {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private disposed = false;

  constructor(private readonly dbPath: string) {}

  private start(): Worker {
    if (this.worker) return this.worker;
    const workerData: LogWorkerData = { dbPath: this.dbPath };
    const w = startWorker(workerEntry(new URL('./log-worker.js', import.meta.url)), { workerData });
    w.unref(); // an idle reader never keeps the process alive
    w.on('message', (m: LogReply) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      if ('progress' in m) return p.progress?.(m.progress);
      this.pending.delete(m.id);
      if (m.ok) p.resolve(m.value);
      else p.reject(new StationFault(m.error.kind as ErrorKind, m.error.message));
    });
    const fail = (why: string) => {
      if (this.worker === w) this.worker = null;
      for (const [id, p] of this.pending) {
        this.pending.delete(id);
        p.reject(new StationFault('internal', `the log reader stopped: ${why}`));
      }
    };
    w.on('error', (e) => fail(e.message));
    w.on('exit', (code) => fail(`exit code ${code}`));
    this.worker = w;
    return w;
  }

  request<K extends LogOp>(op: K, arg: LogOps[K]['arg'], opts: { progress?: ProgressFn; signal?: AbortSignal } = {}): Promise<LogOps[K]['result']> {
    if (this.disposed) return Promise.reject(new StationFault('internal', 'the log reader is closed'));
    const w = this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, progress: opts.progress });
      w.postMessage({ id, op, arg } satisfies LogRequest);
      if (opts.signal) {
        const cancel = () => w.postMessage({ id, cancel: true } satisfies LogRequest);
        if (opts.signal.aborted) cancel();
        else opts.signal.addEventListener('abort', cancel, { once: true });
      }
    });
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    const w = this.worker;
    this.worker = null;
    if (w) await w.terminate();
  }
}
