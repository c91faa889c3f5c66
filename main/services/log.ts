/** The inspection log: paginated queries, summaries and exports (through the store's streaming exporter). */
import { join, resolve } from 'node:path';
import { mkdir } from 'node:fs/promises';
import type { ExportResult, LogFilter, LogPage, LogSummary, InspectionRecord as InspectionDto } from '../common/api.js';
import { StationFault } from '../common/result.js';
import { exportInspections } from '../store/export.js';
import type { InspectionFilter, StationStore } from '../store/interface.js';
import type { JobContext } from './jobs.js';
import { toInspectionDto } from './live.js';

function toFilter(f: LogFilter = {}): InspectionFilter {
  return { from: f.from, to: f.to, verdict: f.verdict, modelId: f.modelId, sourceId: f.source };
}

export class LogService {
  constructor(
    private readonly store: StationStore,
    private readonly mediaRoot: string,
  ) {}

  query(req: LogFilter & { offset: number; limit: number; order: 'newest' | 'oldest' }): LogPage {
    const filter = toFilter(req);
    const total = this.store.countInspections(filter);
    const items: InspectionDto[] = [];
    if (req.order === 'newest' && req.offset + req.limit <= 10_000) {
      const page = this.store.queryInspections({ ...filter, limit: req.offset + req.limit });
      items.push(...page.items.slice(req.offset).map(toInspectionDto));
    } else {
      let i = 0;
      const it = this.store.iterateInspections(filter, req.order === 'newest' ? 'desc' : 'asc');
      try {
        for (const r of it) {
          if (i++ < req.offset) continue;
          items.push(toInspectionDto(r));
          if (items.length >= req.limit) break;
        }
      } finally {
        it.return?.();
      }
    }
    return { total, offset: req.offset, items };
  }

  get(id: number): InspectionDto {
    const r = this.store.getInspection(id);
    if (!r) throw new StationFault('not-found', `no inspection ${id}`);
    return toInspectionDto(r);
  }

  summary(f: LogFilter = {}): LogSummary {
    const filter = toFilter(f);
    const total = this.store.countInspections(filter);
    const ng = this.store.countInspections({ ...filter, verdict: 'NG' });
    const newest = this.store.queryInspections({ ...filter, limit: 1 }).items[0];
    let oldest: string | null = null;
    const it = this.store.iterateInspections(filter, 'asc');
    try {
      const first = it.next();
      if (!first.done) oldest = first.value.time;
    } finally {
      it.return?.();
    }
    return { total, ok: total - ng, ng, from: oldest, to: newest?.time ?? null };
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
    const rows = await exportInspections(this.store, toFilter(req.filter), req.format, path, ctx.progress, ctx.signal);
    return { path, rows, ...(media ? { media } : {}) };
  }
}
