/**
 * `npm run bench -- --log [--rows N] [--json FILE]`: the inspection log at a year of production, measured with the
 * store's own code (schema, migrations, insert path, reader worker):
 *   - builds a realistic log of N rows (12 months, 3 models, 2 sources, 2 % NG with boxes) and prints the bulk rate;
 *   - WAL size after 100 k live inserts (one commit each, synchronous=FULL as the station runs) and their latency;
 *   - every query the Log screen makes, median of 5, with its query plan;
 *   - a full CSV export in the log reader worker: rows/s and peak RSS, and live insert latency meanwhile.
 * The built log is kept in the OS temp folder (`--db` to choose) and reused by the next run with the same N.
 */
import { existsSync, rmSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { LogReader } from '../node/log-reader.js';
import type { InspectionFilter, InspectionQuery, NewInspection, StationStore } from '../store/interface.js';
import { openStore } from '../store/store.js';
import { table } from './output.js';

export interface LogBenchOptions {
  readonly rows: number;
  readonly live: number;
  readonly json?: string;
  readonly db?: string;
}

const MODELS = ['pc-line-a', 'pc-line-b', 'sup-line-a'];
const SOURCES = ['cam-inline', 'cam-rework'];
const YEAR_MS = 365 * 86_400_000;
const START = Date.UTC(2025, 11, 1);

const percentile = (v: number[], p: number) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))]! : 0;
};
const median = (v: number[]) => percentile(v, 0.5);
const mb = (bytes: number) => bytes / 1048576;
const fileSize = (p: string) => (existsSync(p) ? statSync(p).size : 0);

/** Row i of the benchmark log: evenly over 12 months, 2 % NG with a box, models and sources interleaved. */
function benchRow(i: number, n: number): NewInspection {
  const ng = i % 50 === 7;
  const score = ng ? 1.4 + (i % 13) / 10 : (i % 97) / 100;
  return {
    time: new Date(START + Math.floor((i * YEAR_MS) / n)).toISOString(),
    sourceId: SOURCES[i % 2]!,
    sourceName: `${SOURCES[i % 2]}/part-${String(i).padStart(8, '0')}.png`,
    productId: 'screw',
    modelId: MODELS[Math.floor(i / 7) % 3]!,
    score,
    threshold: 1.2,
    verdict: ng ? 'NG' : 'OK',
    boxes: ng ? [{ x: 100 + (i % 300), y: 220, w: 36, h: 28, score: score / 1.2, label: 'scratch' }] : [],
    framePath: `frames/${new Date(START + Math.floor((i * YEAR_MS) / n)).toISOString().slice(0, 10)}/${String(i).padStart(8, '0')}.jpg`,
    heatmapPath: `heatmaps/${String(i).padStart(8, '0')}.png`,
    latencyMs: 38 + (i % 23),
    executionProvider: 'cpu',
  };
}

function seedRefs(store: StationStore) {
  store.createProduct({ id: 'screw', name: 'M6 screw' });
  for (const id of MODELS) {
    store.createModel({
      id,
      kind: id.startsWith('sup') ? 'supervised' : 'patchcore',
      productId: 'screw',
      artifactPath: `/models/${id}`,
      backbone: 'mobilenet_v2_imagenet',
    });
  }
}

/** Builds (or reuses) the N-row log; returns the bulk insert rate of this run (null when reused). */
function buildLog(path: string, n: number): number | null {
  if (existsSync(path)) {
    const s = openStore(path, { durability: 'normal' }); // read-write: migrates a log built by an older version
    try {
      if (s.countInspections({ to: new Date(START + YEAR_MS).toISOString() }) === n) return null;
    } finally {
      s.close();
    }
    for (const f of [path, `${path}-wal`, `${path}-shm`]) rmSync(f, { force: true });
  }
  const store = openStore(path, { durability: 'normal' });
  try {
    seedRefs(store);
    const t0 = performance.now();
    const BATCH = 20_000;
    for (let i = 0; i < n; i += BATCH) {
      store.recordInspections(Array.from({ length: Math.min(BATCH, n - i) }, (_, k) => benchRow(i + k, n)));
      if ((i / BATCH) % 25 === 0) process.stdout.write(`\r  building: ${i + BATCH} / ${n} rows`);
    }
    process.stdout.write('\n');
    const rate = n / ((performance.now() - t0) / 1000);
    store.maintain();
    return rate;
  } finally {
    store.close();
  }
}

/** 100 k live inserts on a fresh log, one commit each with synchronous=FULL: the WAL after them, and latency. */
function liveInserts(dir: string, count: number): { walMb: number; dbMb: number; rowsPerSecond: number; p50Ms: number; p99Ms: number; maxMs: number } {
  const path = join(dir, 'station-log-bench-live.db');
  for (const f of [path, `${path}-wal`, `${path}-shm`]) rmSync(f, { force: true });
  const store = openStore(path);
  try {
    seedRefs(store);
    const lat: number[] = [];
    const t0 = performance.now();
    for (let i = 0; i < count; i++) {
      const s = performance.now();
      store.recordInspection(benchRow(i, count));
      lat.push(performance.now() - s);
      if (i % 10_000 === 9_999) process.stdout.write(`\r  live inserts: ${i + 1} / ${count}`);
    }
    process.stdout.write('\n');
    const secs = (performance.now() - t0) / 1000;
    return {
      walMb: mb(fileSize(`${path}-wal`)),
      dbMb: mb(fileSize(path)),
      rowsPerSecond: count / secs,
      p50Ms: median(lat),
      p99Ms: percentile(lat, 0.99),
      maxMs: Math.max(...lat),
    };
  } finally {
    store.close();
    for (const f of [path, `${path}-wal`, `${path}-shm`]) rmSync(f, { force: true });
  }
}

/** The queries the Log screen makes, on a read-only connection as the reader worker runs them. */
function screenQueries(store: StationStore, n: number): { name: string; ms: number; plan: string }[] {
  const day = new Date(START + Math.floor(YEAR_MS / 2)).toISOString().slice(0, 10);
  const oneDay = { from: `${day}T00:00:00.000Z`, to: new Date(Date.parse(`${day}T00:00:00.000Z`) + 86_400_000).toISOString() };
  // A local day in UTC+5:30: its edges are partial hours, counted row by row.
  const localDay = {
    from: new Date(Date.parse(oneDay.from) - 5.5 * 3_600_000).toISOString(),
    to: new Date(Date.parse(oneDay.to) - 5.5 * 3_600_000).toISOString(),
  };
  const month = { from: '2026-03-01T00:00:00.000Z', to: '2026-04-01T00:00:00.000Z' };
  const mid = store.queryInspections({ limit: 1, to: new Date(START + YEAR_MS / 2).toISOString() }).items[0];
  const deep = mid ? { time: mid.time, id: mid.id } : undefined;
  const page = (f: InspectionFilter, extra: Partial<InspectionQuery> = {}): InspectionQuery => ({ ...f, limit: 25, ...extra });
  const pages: [string, InspectionQuery][] = [
    ['page: newest', page({})],
    ['page: older, half-way back', page({}, { after: deep })],
    ['page: oldest (last page)', page({}, { order: 'oldest' })],
    ['page: NG', page({ verdict: 'NG' })],
    ['page: one day + OK', page({ verdict: 'OK', ...oneDay })],
    ['page: one month', page(month)],
    ['page: source', page({ sourceId: SOURCES[1] })],
    ['page: source + one day', page({ sourceId: SOURCES[1], ...oneDay })],
    ['page: model', page({ modelId: MODELS[2] })],
    ['page: model + NG', page({ modelId: MODELS[2], verdict: 'NG' })],
    ['page: model + NG, one month', page({ modelId: MODELS[2], verdict: 'NG', ...month })],
  ];
  const summaries: [string, InspectionFilter][] = [
    ['summary: whole log', {}],
    ['summary: one day + OK', { verdict: 'OK', ...oneDay }],
    ['summary: local day (partial hours)', localDay],
    ['summary: one month + NG', { verdict: 'NG', ...month }],
    ['summary: source', { sourceId: SOURCES[1] }],
    ['summary: model + NG', { modelId: MODELS[2], verdict: 'NG' }],
  ];
  // What an export counts first: the whole log below an id bound (summary minus the rows past the bound).
  const bound = store.lastInspectionId() + 1;
  const timed = (fn: () => unknown) =>
    median(
      Array.from({ length: 5 }, () => {
        const t = performance.now();
        fn();
        return performance.now() - t;
      }),
    );
  const out: { name: string; ms: number; plan: string }[] = [];
  for (const [name, q] of pages) out.push({ name, ms: timed(() => store.queryInspections(q)), plan: store.explainInspectionQuery(q).join('; ') });
  out.push({
    name: 'count: export start (id bound)',
    ms: timed(() => store.countInspections({ beforeId: bound })),
    plan: 'inspection_counts days - rows with id >= bound (rowid range)',
  });
  for (const [name, f] of summaries) {
    out.push({
      name,
      ms: timed(() => store.summarizeInspections(f)),
      plan: 'inspection_counts (days + hours) + inspections_time for partial hours; edge rows by the page plan',
    });
  }
  void n;
  return out;
}

/** A full CSV export in the reader worker, with live inserts (synchronous=FULL) on this thread meanwhile. */
async function exportWithLive(path: string, dir: string) {
  const reader = new LogReader(path);
  const writer = openStore(path);
  const out = join(dir, 'station-log-bench-export.csv');
  let peakRss = process.memoryUsage().rss;
  const lat: number[] = [];
  let stop = false;
  let k = 0;
  const live = (async () => {
    while (!stop) {
      const s = performance.now();
      // After the benchmark year, so a later run still finds the N rows it reuses.
      writer.recordInspection({ ...benchRow(k, 1), time: new Date(START + YEAR_MS + k++).toISOString() });
      lat.push(performance.now() - s);
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
      await new Promise((r) => setTimeout(r, 20)); // ~50 parts/s, far above a line's rate
    }
  })();
  // How long this thread's event loop was held up meanwhile: the export must not stall the engine thread.
  const loop = monitorEventLoopDelay({ resolution: 5 });
  try {
    loop.enable();
    const t0 = performance.now();
    const rows = await reader.request('export', { filter: {}, format: 'csv', path: out });
    const secs = (performance.now() - t0) / 1000;
    loop.disable();
    stop = true;
    await live;
    return {
      export: { rows, seconds: secs, rowsPerSecond: rows / secs, peakRssMb: mb(peakRss), fileMb: mb(fileSize(out)) },
      liveDuringExport: {
        inserts: lat.length,
        p50Ms: median(lat),
        p99Ms: percentile(lat, 0.99),
        maxMs: Math.max(0, ...lat),
        eventLoopDelayP99Ms: loop.percentile(99) / 1e6,
      },
    };
  } finally {
    stop = true;
    await live;
    await reader.dispose();
    writer.close();
    rmSync(out, { force: true });
  }
}

export async function runLogBench(o: LogBenchOptions): Promise<void> {
  const dir = tmpdir();
  const path = o.db ?? join(dir, `station-log-bench-${o.rows}.db`);
  console.log(`log benchmark: ${o.rows} rows (12 months, ${MODELS.length} models, ${SOURCES.length} sources, 2 % NG) in ${path}`);
  const buildRate = buildLog(path, o.rows);
  console.log(
    buildRate === null ? '  reusing the log built by an earlier run' : `  bulk insert: ${Math.round(buildRate)} rows/s (batches of 20 000, synchronous=NORMAL)`,
  );

  const live = o.live > 0 ? liveInserts(dir, o.live) : { walMb: NaN, dbMb: NaN, rowsPerSecond: NaN, p50Ms: NaN, p99Ms: NaN, maxMs: NaN };
  if (o.live > 0)
    console.log(
      `\n${o.live} live inserts (one commit each, synchronous=FULL): ${Math.round(live.rowsPerSecond)} rows/s, p50 ${live.p50Ms.toFixed(2)} ms, p99 ${live.p99Ms.toFixed(2)} ms, max ${live.maxMs.toFixed(1)} ms; WAL after them ${live.walMb.toFixed(1)} MB (database ${live.dbMb.toFixed(1)} MB)`,
    );

  const ro = openStore(path, { readonly: true });
  let queries: { name: string; ms: number; plan: string }[];
  let sizes: { name: string; mb: number }[];
  try {
    queries = screenQueries(ro, o.rows);
    sizes = Object.entries(ro.spaceUsed())
      .filter(([name]) => name.startsWith('inspection'))
      .map(([name, bytes]) => ({ name, mb: mb(bytes) }));
  } finally {
    ro.close();
  }
  console.log(`\nLog screen queries at ${o.rows} rows (median of 5, read-only connection):`);
  console.log(
    table(
      ['query', 'ms', 'plan'],
      queries.map((q) => [q.name, Number(q.ms.toFixed(2)), q.plan]),
    ),
  );
  console.log(`\nsizes: ${sizes.map((s) => `${s.name} ${s.mb.toFixed(0)} MB`).join(', ')}; file ${mb(fileSize(path)).toFixed(0)} MB`);

  const ex = await exportWithLive(path, dir);
  console.log(
    `\nexport (CSV, reader worker): ${ex.export.rows} rows in ${ex.export.seconds.toFixed(1)} s = ${Math.round(ex.export.rowsPerSecond)} rows/s, ${ex.export.fileMb.toFixed(0)} MB, peak RSS ${ex.export.peakRssMb.toFixed(0)} MB`,
  );
  console.log(
    `live inserts meanwhile (engine thread, synchronous=FULL): ${ex.liveDuringExport.inserts}, p50 ${ex.liveDuringExport.p50Ms.toFixed(2)} ms, p99 ${ex.liveDuringExport.p99Ms.toFixed(2)} ms, max ${ex.liveDuringExport.maxMs.toFixed(1)} ms; event-loop delay p99 ${ex.liveDuringExport.eventLoopDelayP99Ms.toFixed(1)} ms`,
  );

  if (o.json) {
    const result = {
      rows: o.rows,
      bulkRowsPerSecond: buildRate,
      walMbAfter100k: live.walMb,
      live: { inserts: o.live, rowsPerSecond: live.rowsPerSecond, p50Ms: live.p50Ms, p99Ms: live.p99Ms, maxMs: live.maxMs },
      queriesMs: Object.fromEntries(queries.map((q) => [q.name, q.ms])),
      plans: Object.fromEntries(queries.map((q) => [q.name, q.plan])),
      sizesMb: Object.fromEntries(sizes.map((s) => [s.name, s.mb])),
      export: ex.export,
      liveDuringExport: ex.liveDuringExport,
    };
    await writeFile(o.json, JSON.stringify(result, null, 2));
    console.log(`\nwritten ${o.json}`);
  }
}
