/**
 * Entry of the log reader worker thread: heavy log work (pages, counts, exports) on its own read-only
 * connection, so it never runs on the engine thread where parts are inspected and recorded. Requests come from
 * `LogReader` (log-reader.ts); SQLite calls are synchronous here, exports yield between chunks so pages and
 * counts are answered while one runs.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { StationFault, toStationError } from '../common/result.js';
import { exportInspections, type ExportFormat } from '../store/export.js';
import type { InspectionFilter, InspectionQuery, StationStore } from '../store/interface.js';
import { openStore } from '../store/store.js';

export interface LogWorkerData {
  readonly dbPath: string;
}

/** What the worker does; each op's argument and result type. */
export interface LogOps {
  query: { arg: InspectionQuery; result: ReturnType<StationStore['queryInspections']> };
  summary: { arg: InspectionFilter; result: ReturnType<StationStore['summarizeInspections']> };
  count: { arg: InspectionFilter; result: number };
  export: { arg: { filter: InspectionFilter; format: ExportFormat; path: string }; result: number };
}
export type LogOp = keyof LogOps;

export type LogRequest = { readonly id: number; readonly op: LogOp; readonly arg: unknown } | { readonly id: number; readonly cancel: true };
export type LogReply =
  | { readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly id: number; readonly ok: false; readonly error: { kind: string; message: string } }
  | { readonly id: number; readonly progress: { stage: string; done: number; total: number } };

function main() {
  const port = parentPort;
  if (!port) throw new Error('log-worker must run in a worker thread');
  const { dbPath } = workerData as LogWorkerData;
  let store: StationStore | null = null;
  const reader = () => (store ??= openStore(dbPath, { readonly: true }));
  const running = new Map<number, AbortController>();

  const handle = async (id: number, op: LogOp, arg: unknown): Promise<unknown> => {
    switch (op) {
      case 'query':
        return reader().queryInspections(arg as InspectionQuery);
      case 'summary':
        return reader().summarizeInspections(arg as InspectionFilter);
      case 'count':
        return reader().countInspections(arg as InspectionFilter);
      case 'export': {
        const a = arg as LogOps['export']['arg'];
        const ctl = new AbortController();
        running.set(id, ctl);
        try {
          return await exportInspections(reader(), a.filter, a.format, a.path, (p) => port.postMessage({ id, progress: p } satisfies LogReply), ctl.signal);
        } finally {
          running.delete(id);
        }
      }
      default:
        throw new StationFault('invalid-input', `unknown log operation "${String(op)}"`);
    }
  };

  port.on('message', (m: LogRequest) => {
    if ('cancel' in m) return running.get(m.id)?.abort();
    handle(m.id, m.op, m.arg).then(
      (value) => port.postMessage({ id: m.id, ok: true, value } satisfies LogReply),
      (e: unknown) => {
        const err = toStationError(e);
        port.postMessage({ id: m.id, ok: false, error: { kind: err.kind, message: err.message } } satisfies LogReply);
      },
    );
  });
  port.once('close', () => store?.close());
}

main();
