/**
 * Entry of a job worker thread: one training, evaluation or dataset generation, apart from the engine worker's
 * live path, so a long job never stalls live inspection (CNN features, coreset selection and scoring loops in
 * TypeScript would otherwise hold the live loop's event loop for seconds). The job opens its own connection to
 * the station's store (SQLite WAL: the live side keeps writing meanwhile), records what it made, and returns a
 * small result; the engine then activates a trained model in its own thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { join } from 'node:path';
import { toStationError } from '../common/result.js';
import type { Progress } from '../common/types.js';
import type { JobTask } from '../services/job-runner.js';

export type JobWorkerMessage =
  | { readonly type: 'progress'; readonly progress: Progress }
  | { readonly type: 'done'; readonly value: unknown }
  | { readonly type: 'failed'; readonly error: { readonly kind: string; readonly message: string } };

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('job-worker must run in a worker thread');
  const task = workerData as JobTask;
  const controller = new AbortController();
  port.on('message', (m: { type?: string }) => {
    if (m?.type === 'cancel') controller.abort();
  });
  let last = 0;
  const ctx = {
    signal: controller.signal,
    // The job manager throttles too; this keeps the message rate low.
    progress: (p: Progress) => {
      const now = Date.now();
      if (now - last < 50 && p.done < p.total) return;
      last = now;
      port.postMessage({ type: 'progress', progress: p } satisfies JobWorkerMessage);
    },
  };
  const { openStore } = await import('../store/store.js');
  const { ModelRegistry } = await import('../services/model-registry.js');
  const training = await import('../services/training.js');
  const dataDir = task.kind === 'generate' ? null : task.dataDir;
  const store = dataDir === null ? null : openStore(join(dataDir, 'station.db'));
  const reg = store && dataDir ? new ModelRegistry(store, join(dataDir, 'models')) : null;
  try {
    let value: unknown;
    switch (task.kind) {
      case 'train': {
        // Registered (not activated) here; the engine activates it in its own thread.
        const req = { ...task.req, activate: false };
        if (req.kind === 'supervised') {
          const { AnnotationService } = await import('../services/annotations.js');
          value = await training.runSupervisedTraining(reg!, new AnnotationService(store!, join(task.dataDir, 'media')), req, ctx);
        } else value = await training.runTraining(reg!, req, ctx);
        break;
      }
      case 'bootstrap':
        value = await training.runBootstrap(reg!, task.dataDir, ctx);
        break;
      case 'evaluate': {
        const { MediaStore } = await import('../pipeline/media-store.js');
        value = await training.runEvaluation(reg!, task.req, ctx, new MediaStore(join(task.dataDir, 'media')));
        break;
      }
      case 'learn': {
        const { MediaStore } = await import('../pipeline/media-store.js');
        const { runLearnGood } = await import('../services/learn-job.js');
        const media = new MediaStore(join(task.dataDir, 'media'));
        value = await runLearnGood(reg!, task.task, ctx, (ref) => media.pathOf(ref));
        break;
      }
      case 'generate': {
        const { runGenerate } = await import('../services/datasets.js');
        value = await runGenerate(task.req, task.defaultOut, ctx);
        break;
      }
    }
    port.postMessage({ type: 'done', value } satisfies JobWorkerMessage);
  } catch (e) {
    const err = controller.signal.aborted ? { kind: 'cancelled', message: 'cancelled' } : toStationError(e);
    port.postMessage({ type: 'failed', error: { kind: err.kind, message: err.message } } satisfies JobWorkerMessage);
  } finally {
    await reg?.dispose().catch(() => {});
    store?.close();
  }
}

main().catch((e: Error) => {
  parentPort?.postMessage({ type: 'failed', error: { kind: 'internal', message: e.message } } satisfies JobWorkerMessage);
});
