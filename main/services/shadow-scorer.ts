/**
 * The candidate version of shadow mode in a worker thread of its own (main/node/shadow-worker.ts): the engine
 * thread only posts the part's image path and later stores what comes back, so a shadow inference never delays
 * the active version's next part. One part at a time; `busy` tells the caller to skip a part instead of queueing.
 */
import type { Worker } from 'node:worker_threads';
import { StationFault, type ErrorKind } from '../common/result.js';
import type { ShadowReply, ShadowRequest, ShadowWorkerData } from '../node/shadow-worker.js';
import { startWorker, workerEntry } from '../node/worker-start.js';

/** Tests only: a gate the next shadow workers wait on before each part (see ShadowWorkerData.gate). */
export const shadowTesting: { gate: SharedArrayBuffer | null } = { gate: null };

export class ShadowScorer {
  private pending: { id: number; resolve: (v: { score: number; heatmapPng: Uint8Array | null }) => void; reject: (e: Error) => void } | null = null;
  private nextId = 1;
  private closed = false;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (m: ShadowReply) => {
      const p = this.pending;
      if (!p || m.type === 'ready' || m.id !== p.id) return;
      this.pending = null;
      if (m.type === 'scored') p.resolve({ score: m.score, heatmapPng: m.heatmapPng });
      else p.reject(new StationFault(m.error.kind as ErrorKind, m.error.message));
    });
    // A failure inside the worker ends it ('exit' below); without a listener it would be thrown on the engine thread.
    worker.on('error', () => {});
    worker.on('exit', () => {
      this.closed = true;
      this.pending?.reject(new StationFault('internal', 'the shadow worker stopped'));
      this.pending = null;
    });
  }

  /** Starts the worker and loads the candidate there; rejects when it cannot be loaded. */
  static start(artifactDir: string): Promise<ShadowScorer> {
    const path = workerEntry(new URL('../node/shadow-worker.js', import.meta.url));
    const workerData: ShadowWorkerData = { artifactDir, ...(shadowTesting.gate ? { gate: shadowTesting.gate } : {}) };
    // One intra-op thread: the candidate takes at most one core from the active version.
    const env = { ...process.env, STATION_THREADS: '1' };
    const worker = startWorker(path, { workerData, env });
    return new Promise((resolve, reject) => {
      const onMessage = (m: ShadowReply) => {
        worker.off('message', onMessage);
        worker.off('error', onError);
        if (m.type === 'ready') resolve(new ShadowScorer(worker));
        else {
          void worker.terminate();
          reject(new StationFault(m.type === 'failed' ? (m.error.kind as ErrorKind) : 'internal', m.type === 'failed' ? m.error.message : 'unexpected reply'));
        }
      };
      const onError = (e: Error) => {
        worker.off('message', onMessage);
        reject(new StationFault('internal', `shadow worker failed: ${e.message}`));
      };
      worker.on('message', onMessage);
      worker.once('error', onError);
    });
  }

  /** True while a part is being scored (the caller skips the next part then). */
  get busy(): boolean {
    return this.pending !== null || this.closed;
  }

  score(imagePath: string, threshold: number): Promise<{ score: number; heatmapPng: Uint8Array | null }> {
    if (this.busy) return Promise.reject(new StationFault('internal', 'the shadow worker is busy'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending = { id, resolve, reject };
      this.worker.postMessage({ type: 'score', id, imagePath, threshold } satisfies ShadowRequest);
    });
  }

  async dispose(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // A worker held mid-part (or stuck) is terminated; the model's native memory goes with the thread.
    await this.worker.terminate().catch(() => {});
  }
}
