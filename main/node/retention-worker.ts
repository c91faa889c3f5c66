/**
 * Entry of the retention worker thread: measuring images and deleting the oldest ones over a product's budget,
 * on its own store connection (SQLite WAL), so the engine worker's event loop (the live path) never waits for
 * the file system calls or the batches of updates. One pass per 'pass' message; the engine keeps the schedule,
 * the disk watchdog and the floor state.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { toStationError } from '../common/result.js';
import { openStore } from '../store/store.js';
import { MediaStore } from '../pipeline/media-store.js';
import { RetentionCore } from '../services/retention.js';

export interface RetentionWorkerData {
  readonly dbPath: string;
  readonly mediaRoot: string;
  readonly measureBatch?: number;
  readonly pruneBatch?: number;
}

export type RetentionWorkerReply =
  | { readonly id: number; readonly ok: true; readonly value: Awaited<ReturnType<RetentionCore['pass']>> }
  | { readonly id: number; readonly ok: false; readonly error: { readonly kind: string; readonly message: string } };

const port = parentPort;
if (!port) throw new Error('retention-worker must run in a worker thread');
const data = workerData as RetentionWorkerData;
const store = openStore(data.dbPath);
const core = new RetentionCore(store, new MediaStore(data.mediaRoot), data.measureBatch, data.pruneBatch);
port.on('message', (m: { type: 'pass' | 'close'; id: number }) => {
  if (m.type === 'close') {
    store.close();
    port.close();
    return;
  }
  core.pass().then(
    (value) => port.postMessage({ id: m.id, ok: true, value } satisfies RetentionWorkerReply),
    (e: unknown) => {
      const err = toStationError(e);
      port.postMessage({ id: m.id, ok: false, error: { kind: err.kind, message: err.message } } satisfies RetentionWorkerReply);
    },
  );
});
