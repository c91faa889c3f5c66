/**
 * Runs a long job (training, evaluation, dataset generation) in a worker thread of its own (main/node/job-worker.ts),
 * apart from the live path: the engine worker's event loop keeps serving live inspection and the UI while it runs.
 * Progress and cancellation cross the thread boundary; a job that ignores a cancel is terminated.
 */
import type { z } from 'zod';
import type { EvaluateRequestSchema, GenerateRequest, TrainRequestSchema } from '../common/api.js';
import { StationFault, type ErrorKind } from '../common/result.js';
import type { JobWorkerMessage } from '../node/job-worker.js';
import type { JobContext } from './jobs.js';
import type { LearnTask } from './learn-job.js';
import { startWorker, workerEntry } from '../node/worker-start.js';

export type JobTask =
  | { readonly kind: 'train'; readonly dataDir: string; readonly req: z.output<typeof TrainRequestSchema> }
  | { readonly kind: 'bootstrap'; readonly dataDir: string }
  | { readonly kind: 'evaluate'; readonly dataDir: string; readonly req: z.output<typeof EvaluateRequestSchema> }
  | { readonly kind: 'learn'; readonly dataDir: string; readonly task: LearnTask }
  | {
      readonly kind: 'generate';
      readonly req: GenerateRequest & { perImage: number };
      readonly defaultOut: string;
    };

/** Grace period between a cancel and terminating a job that does not stop by itself. */
const CANCEL_GRACE_MS = 10_000;

export function runInJobWorker<T>(task: JobTask, ctx: JobContext): Promise<T> {
  const worker = startWorker(workerEntry(new URL('../node/job-worker.js', import.meta.url)), { workerData: task });
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    let killTimer: ReturnType<typeof setTimeout> | undefined;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(killTimer);
      ctx.signal.removeEventListener('abort', onAbort);
      fn();
    };
    const onAbort = () => {
      worker.postMessage({ type: 'cancel' });
      killTimer = setTimeout(() => void worker.terminate(), CANCEL_GRACE_MS);
    };
    if (ctx.signal.aborted) onAbort();
    else ctx.signal.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (m: JobWorkerMessage) => {
      if (m.type === 'progress') ctx.progress(m.progress);
      else if (m.type === 'done') settle(() => resolve(m.value as T));
      else if (m.type === 'failed') settle(() => reject(new StationFault(m.error.kind as ErrorKind, m.error.message)));
      if (m.type !== 'progress') void worker.terminate();
    });
    worker.on('error', (e) => settle(() => reject(new StationFault('internal', `job worker failed: ${e.message}`))));
    worker.on('exit', (code) =>
      settle(() => reject(ctx.signal.aborted ? new StationFault('cancelled', 'cancelled') : new StationFault('internal', `job worker exited with code ${code}`))),
    );
  });
}
