/**
 * Streams the inspection log to a CSV or JSON file without holding it in memory: rows come from
 * `iterateInspections` (a cursor on its own read connection) and go out in chunks of CHUNK_ROWS, each
 * awaited before the next is read. The file is written as a temp file beside the target, fsynced, then renamed,
 * so a crash, a full disk or a cancel never leaves a half-written export under the requested name.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { csvCell } from '../common/csv.js';
import { StationFault, toStationError } from '../common/result.js';
import type { ProgressFn } from '../common/types.js';
import type { InspectionFilter, InspectionRecord, StationStore } from './interface.js';

export type ExportFormat = 'csv' | 'json';

const CHUNK_ROWS = 500;

/** CSV columns, in order; the same keys as InspectionRecord (and as the JSON export). */
export const CSV_COLUMNS = [
  'id',
  'time',
  'sourceId',
  'sourceName',
  'productId',
  'modelId',
  'score',
  'threshold',
  'verdict',
  'boxes',
  'framePath',
  'heatmapPath',
  'latencyMs',
  'executionProvider',
  // line mode (migration 0005): traceability of every part, and why a part got ERROR or lost its frame
  'partId',
  'lotName',
  'productIndex',
  'errorCode',
  'errorMessage',
] as const satisfies readonly (keyof InspectionRecord)[];

/** RFC 4180 field, formula-safe: the station's one CSV cell rule (main/common/csv.ts). */
export function csvField(value: string | number | null): string {
  return csvCell(value);
}

export function csvRow(r: InspectionRecord): string {
  return (
    CSV_COLUMNS.map((c) => {
      const v = r[c];
      return csvField(c === 'boxes' ? JSON.stringify(v) : (v as string | number | null));
    }).join(',') + '\r\n'
  );
}

/**
 * Writes every inspection matching `filter` (oldest first) to `outPath` and returns the row count.
 * Rows recorded while the export runs are not included: the set is fixed at the start, so `total` in the
 * progress reports is exact. Throws StationFault 'cancelled' when `signal` aborts, 'io' on disk errors;
 * in both cases `outPath` is left untouched.
 */
export async function exportInspections(
  store: StationStore,
  filter: InspectionFilter,
  format: ExportFormat,
  outPath: string,
  onProgress?: ProgressFn,
  signal?: AbortSignal,
): Promise<number> {
  if (format !== 'csv' && format !== 'json') throw new StationFault('invalid-input', `unknown export format "${String(format)}"`);
  if (typeof outPath !== 'string' || outPath.trim() === '') throw new StationFault('invalid-input', 'export path is empty');
  const target = resolve(outPath);
  const existing = await stat(target).catch(() => null);
  if (existing?.isDirectory()) throw new StationFault('invalid-input', `export path "${target}" is a folder; give a file name`);
  const checkCancel = () => {
    if (signal?.aborted) throw new StationFault('cancelled', `export to "${target}" cancelled`);
  };
  checkCancel();

  // Freeze the row set: ids only grow, so "id <= last id now" makes count and cursor agree.
  const bound = store.lastInspectionId() + 1;
  const fixed: InspectionFilter = { ...filter, beforeId: Math.min(filter.beforeId ?? bound, bound) };
  const total = store.countInspections(fixed);
  const report = (done: number) => onProgress?.({ stage: 'export', done, total });

  const tmp = join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let fh: Awaited<ReturnType<typeof open>> | undefined;
  try {
    await mkdir(dirname(target), { recursive: true });
    fh = await open(tmp, 'wx');
    await fh.write(format === 'csv' ? CSV_COLUMNS.join(',') + '\r\n' : '[');
    report(0);
    let done = 0;
    let parts: string[] = [];
    const flush = async () => {
      if (parts.length === 0) return;
      const chunk = parts.join('');
      parts = [];
      await fh!.write(chunk);
    };
    for (const row of store.iterateInspections(fixed, 'asc')) {
      parts.push(format === 'csv' ? csvRow(row) : `${done === 0 ? '' : ','}\n${JSON.stringify(row)}`);
      done += 1;
      if (parts.length >= CHUNK_ROWS) {
        await flush();
        report(done);
        checkCancel(); // leaving the loop closes the cursor
      }
    }
    if (format === 'json') parts.push('\n]\n');
    await flush();
    await fh.sync();
    await fh.close();
    fh = undefined;
    await rename(tmp, target);
    report(done);
    return done;
  } catch (e) {
    await fh?.close().catch(() => undefined);
    await rm(tmp, { force: true }).catch(() => undefined);
    if (e instanceof StationFault) throw e;
    const se = toStationError(e);
    throw new StationFault(se.kind, `export to "${target}" failed: ${se.message}`, { cause: e });
  }
}
