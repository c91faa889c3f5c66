/** Starts the retention worker thread (main/node/retention-worker.ts) and runs passes in it, one at a time. */
import { StationFault, type ErrorKind } from '../common/result.js';
import type { RetentionWorkerData, RetentionWorkerReply } from '../node/retention-worker.js';
import type { CoreResult } from './retention.js';
import { startWorker, workerEntry } from '../node/worker-start.js';

export interface RetentionWorker {
  pass(): Promise<CoreResult>;
  close(): Promise<void>;
}

export function startRetentionWorker(data: RetentionWorkerData): RetentionWorker {
  const path = workerEntry(new URL('../node/retention-worker.js', import.meta.url));
  const worker = startWorker(path, { workerData: data });
  worker.unref();
  let next = 1;
  let failure: Error | null = null;
  const waiting = new Map<number, { resolve: (v: CoreResult) => void; reject: (e: Error) => void }>();
  const failAll = (e: Error) => {
    failure = e;
    for (const w of waiting.values()) w.reject(e);
    waiting.clear();
  };
  worker.on('message', (m: RetentionWorkerReply) => {
    const w = waiting.get(m.id);
    if (!w) return;
    waiting.delete(m.id);
    if (waiting.size === 0) worker.unref();
    if (m.ok) w.resolve(m.value);
    else w.reject(new StationFault(m.error.kind as ErrorKind, m.error.message));
  });
  worker.on('error', (e) => failAll(new StationFault('internal', `retention worker failed: ${e.message}`)));
  worker.on('exit', (code) => failAll(new StationFault('internal', `retention worker exited with code ${code}`)));
  return {
    pass: () => {
      if (failure) return Promise.reject(failure);
      const id = next++;
      return new Promise<CoreResult>((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        // Held only while a pass is in flight: an idle worker never keeps the process alive.
        worker.ref();
        worker.postMessage({ type: 'pass', id });
      });
    },
    close: async () => {
      if (failure) return;
      worker.ref(); // the caller awaits the exit: keep the process alive until then
      worker.postMessage({ type: 'close', id: 0 });
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([new Promise((r) => worker.once('exit', r)), new Promise((r) => (timer = setTimeout(r, 2000)))]);
      clearTimeout(timer);
      await worker.terminate();
    },
  };
}
