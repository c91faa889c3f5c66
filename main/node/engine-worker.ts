/**
 * Entry of the engine worker thread: builds the engine and serves the StationApi over the parent port,
 * one virtual connection per client (see common/mux.ts). ONNX, sharp and SQLite all run here.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { stationApi } from '../common/api.js';
import { serveApi } from '../common/channel.js';
import { toDisposable } from '../common/event.js';
import { muxServer } from '../common/mux.js';
import { createEngine, type EngineOptions } from '../services/engine.js';

export interface EngineWorkerData {
  readonly dataDir: string;
  readonly shell: 'electron' | 'browser';
  readonly electronVersion?: string;
  readonly bootstrap?: boolean;
  readonly canPickFolder?: boolean;
}

/** Control messages besides the mux envelopes: folder dialogs are answered by the Electron main process. */
export type WorkerControl =
  | { readonly ctl: 'ready' }
  | { readonly ctl: 'fatal'; readonly message: string }
  | { readonly ctl: 'pickFolder'; readonly id: number; readonly title?: string; readonly defaultPath?: string }
  | { readonly ctl: 'pickFolderResult'; readonly id: number; readonly path: string | null }
  | { readonly ctl: 'shutdown' };

async function main() {
  const port = parentPort;
  if (!port) throw new Error('engine-worker must run in a worker thread');
  const data = workerData as EngineWorkerData;
  const picks = new Map<number, (p: string | null) => void>();
  let nextPick = 1;
  const opts: EngineOptions = {
    dataDir: data.dataDir,
    shell: data.shell,
    electronVersion: data.electronVersion,
    bootstrap: data.bootstrap,
    pickFolder: data.canPickFolder
      ? (o) =>
          new Promise((resolve) => {
            const id = nextPick++;
            picks.set(id, resolve);
            port.postMessage({ ctl: 'pickFolder', id, ...o } satisfies WorkerControl);
          })
      : undefined,
  };
  const engine = await createEngine(opts);
  port.on('message', (m: WorkerControl | unknown) => {
    const c = m as WorkerControl;
    if (c && typeof c === 'object' && 'ctl' in c) {
      if (c.ctl === 'pickFolderResult') {
        picks.get(c.id)?.(c.path);
        picks.delete(c.id);
      } else if (c.ctl === 'shutdown') {
        void engine.dispose().finally(() => process.exit(0));
      }
    }
  });
  muxServer(
    {
      send: (x) => port.postMessage(x),
      onMessage: (l) => {
        const h = (m: unknown) => {
          if (m && typeof m === 'object' && !('ctl' in m)) l(m);
        };
        port.on('message', h);
        return toDisposable(() => port.off('message', h));
      },
    },
    (t) => {
      // Each connection (tab, window) has its own login; its calls are checked against its role.
      const conn = engine.connect();
      serveApi(stationApi, conn.api, t);
      t.onClose?.(() => conn.dispose());
    },
  );
  port.postMessage({ ctl: 'ready' } satisfies WorkerControl);
}

main().catch((e: Error) => {
  // One line for the operator (a StationFault already says what to do); the stack only with STATION_DEBUG=1.
  const message = process.env.STATION_DEBUG === '1' ? (e.stack ?? e.message) : e.message.split('\n')[0]!;
  parentPort?.postMessage({ ctl: 'fatal', message } satisfies WorkerControl);
  process.exit(1);
});
