/**
 * The inspection log: keyset pages, summaries and exports. All of it runs in the log reader worker on a read-only
 * connection (main/node/log-worker.ts), never on this thread where parts are inspected and recorded; this service
 * keeps the writer's upkeep (`PRAGMA optimize`, passive checkpoints) on a schedule.
 */
import { join, resolve } from 'node:path';
import { mkdir } from 'node:fs/promises';
import type { ExportResult, LogFilter, LogPage, LogSummary, InspectionRecord as InspectionDto } from '../common/api.js';
import { StationFault } from '../common/result.js';
import { LogReader } from '../node/log-reader.js';
import type { InspectionCursor, InspectionFilter, StationStore } from '../store/interface.js';
import type { JobContext } from './jobs.js';
import { toInspectionDto } from './live.js';

/** How often the writer runs its upkeep. */
const MAINTAIN_EVERY_MS = 60 * 60 * 1000;
/** Rows walked per step when a caller still pages by offset. */
const OFFSET_STEP = 500;

function toFilter(f: LogFilter = {}): InspectionFilter {
  return { from: f.from, to: f.to, verdict: f.verdict, modelId: f.modelId, sourceId: f.source };
}

export class LogService {
  private readonly reader: LogReader;
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(
    private readonly store: StationStore,
    private readonly mediaRoot: string,
    private readonly notice?: (level: 'info' | 'warning' | 'error', message: string) => void,
  ) {
    this.reader = new LogReader(store.path);
    this.timer = setInterval(() => this.maintain(), MAINTAIN_EVERY_MS);
    this.timer.unref();
  }

  /** Planner statistics and a passive checkpoint; failures only warn (the log keeps working without). */
  maintain(): void {
    try {
      this.store.maintain();
    } catch (e) {
      this.notice?.('warning', `log upkeep failed: ${(e as Error).message}`);
    }
  }

  async query(req: LogFilter & { offset: number; limit: number; order: 'newest' | 'oldest'; after?: InspectionCursor }): Promise<LogPage> {
    const filter = toFilter(req);
    let after = req.after;
    // Offset (kept for old callers): walk the skipped rows page by page by keyset, never with SQL OFFSET.
    for (let skip = after ? 0 : req.offset; skip > 0;) {
      const n = Math.min(skip, OFFSET_STEP);
      const page = await this.reader.request('query', { ...filter, limit: n, order: req.order, after });
      skip -= page.items.length;
      if (!page.next) return { total: await this.reader.request('count', filter), offset: req.offset, items: [], next: null };
      after = page.next;
    }
    const [page, total] = await Promise.all([
      this.reader.request('query', { ...filter, limit: req.limit, order: req.order, after }),
      this.reader.request('count', filter),
    ]);
    return { total, offset: req.offset, items: page.items.map(toInspectionDto), next: page.next };
  }

  get(id: number): InspectionDto {
    const r = this.store.getInspection(id);
    if (!r) throw new StationFault('not-found', `no inspection ${id}`);
    return toInspectionDto(r);
  }

  async summary(f: LogFilter = {}): Promise<LogSummary> {
    const s = await this.reader.request('summary', toFilter(f));
    return { total: s.total, ok: s.byVerdict.OK ?? 0, ng: s.byVerdict.NG ?? 0, byVerdict: s.byVerdict, from: s.from, to: s.to };
  }

  async export(req: { format: 'csv' | 'json'; path?: string; filter: LogFilter }, ctx: JobContext): Promise<ExportResult> {
    let path: string;
    let media: string | undefined;
    if (req.path) path = resolve(req.path);
    else {
      await mkdir(join(this.mediaRoot, 'exports'), { recursive: true });
      const name = `inspections-${new Date().toISOString().replace(/[:.]/g, '-')}.${req.format}`;
      path = join(this.mediaRoot, 'exports', name);
      media = `exports/${name}`;
    }
    const rows = await this.reader.request(
      'export',
      { filter: toFilter(req.filter), format: req.format, path },
      { progress: ctx.progress, signal: ctx.signal },
    );
    return { path, rows, ...(media ? { media } : {}) };
  }

  async dispose(): Promise<void> {
    clearInterval(this.timer);
    await this.reader.dispose();
  }
}
