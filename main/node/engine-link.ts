/**
 * Starts the engine worker and hands out channel connections to it (host: one per WebSocket; Electron: one per
 * window). The caller's thread only relays messages.
 */
import { createRequire } from 'node:module';
import type { Worker } from 'node:worker_threads';
import type { Transport } from '../common/channel.js';
import { toDisposable } from '../common/event.js';
import { muxClient } from '../common/mux.js';
import type { EngineWorkerData, WorkerControl } from './engine-worker.js';
import { startWorker, workerEntry } from './worker-start.js';

export interface EngineLink {
  open(): Transport & { close(): void };
  terminate(): Promise<void>;
  readonly worker: Worker;
}

/** The worker entry beside this file: .js when built, .ts when run through tsx. */
export function engineWorkerPath(): string {
  return workerEntry(new URL('./engine-worker.js', import.meta.url));
}

export async function startEngineWorker(
  data: EngineWorkerData,
  hooks: { pickFolder?: (o: { title?: string; defaultPath?: string }) => Promise<string | null>; onExit?: (code: number) => void } = {},
): Promise<EngineLink> {
  const path = engineWorkerPath();
  // sharp's documentation: on glibc Linux, load sharp in the main thread before a worker does, so its shared
  // libvips is never unloaded when a worker exits. Loading only; all image work stays in the worker.
  if (process.platform === 'linux') createRequire(import.meta.url)('sharp');
  const wd = { ...data, canPickFolder: !!hooks.pickFolder } satisfies EngineWorkerData;
  const worker = startWorker(path, { workerData: wd });
  const mux = muxClient({
    send: (x) => worker.postMessage(x),
    onMessage: (l) => {
      const h = (m: unknown) => {
        if (m && typeof m === 'object' && !('ctl' in m)) l(m);
      };
      worker.on('message', h);
      return toDisposable(() => worker.off('message', h));
    },
  });
  worker.on('message', (m: WorkerControl) => {
    if (m && typeof m === 'object' && m.ctl === 'pickFolder' && hooks.pickFolder) {
      void hooks
        .pickFolder({ title: m.title, defaultPath: m.defaultPath })
        .catch(() => null)
        .then((path) => worker.postMessage({ ctl: 'pickFolderResult', id: m.id, path } satisfies WorkerControl));
    }
  });
  await new Promise<void>((resolve, reject) => {
    const onMsg = (m: WorkerControl) => {
      if (m?.ctl === 'ready') {
        worker.off('message', onMsg);
        resolve();
      } else if (m?.ctl === 'fatal') reject(new Error(`engine failed to start: ${m.message}`));
    };
    worker.on('message', onMsg);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`engine worker exited with code ${code} before it was ready`)));
  });
  worker.on('exit', (code) => {
    mux.closeAll();
    hooks.onExit?.(code);
  });
  return {
    worker,
    open: () => mux.open(),
    terminate: async () => {
      worker.postMessage({ ctl: 'shutdown' } satisfies WorkerControl);
      const t = setTimeout(() => void worker.terminate(), 5000);
      await new Promise((r) => worker.once('exit', r));
      clearTimeout(t);
    },
  };
}
