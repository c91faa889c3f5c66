/**
 * The shift report: counts, the NG rate over time (an inline SVG chart) and the top NG images, as CSV and as a
 * self-contained printable HTML page (thumbnails inlined, no scripts), both written under the data folder.
 */
import { csvLine } from '../common/csv.js';
import type { FloorPart, RatePoint, ShiftWindow, VerdictCounts } from '../common/floor.js';
import type { InspectionFilter, InspectionRecord, StationStore } from '../store/interface.js';

export interface ReportData {
  readonly shift: ShiftWindow;
  readonly productId: string | null;
  readonly counts: VerdictCounts;
  readonly series: readonly RatePoint[];
  readonly topNg: readonly FloorPart[];
}

/** At most this many points; buckets are whole minutes, at least 5. */
const MAX_POINTS = 48;

/** Parts and NG per time bucket over the filter's window (one pass over the window's rows, oldest first). */
export function rateSeries(store: StationStore, filter: InspectionFilter & { from: string; to: string }): RatePoint[] {
  const from = Date.parse(filter.from);
  const to = Date.parse(filter.to);
  const bucketMs = Math.max(5, Math.ceil((to - from) / 60_000 / MAX_POINTS)) * 60_000;
  const n = Math.max(1, Math.ceil((to - from) / bucketMs));
  const points = Array.from({ length: n }, (_, i) => ({ from: new Date(from + i * bucketMs).toISOString(), total: 0, ng: 0 }));
  const it = store.iterateInspections(filter, 'asc');
  try {
    for (const r of it) {
      const p = points[Math.min(n - 1, Math.floor((Date.parse(r.time) - from) / bucketMs))];
      if (!p) continue;
      p.total++;
      if (r.verdict === 'NG') p.ng++;
    }
  } finally {
    it.return?.();
  }
  return points;
}

const pct = (ng: number, total: number) => (total > 0 ? (100 * ng) / total : 0);

export function shiftReportCsv(d: ReportData, top: readonly InspectionRecord[]): string {
  const lines = [
    csvLine(['section', 'key', 'value', 'value2', 'value3']),
    csvLine(['shift', 'name', d.shift.name, '', '']),
    csvLine(['shift', 'from', d.shift.from, '', '']),
    csvLine(['shift', 'to', d.shift.to, '', '']),
    csvLine(['shift', 'product', d.productId ?? 'all', '', '']),
    csvLine(['counts', 'total', d.counts.total, '', '']),
    csvLine(['counts', 'OK', d.counts.ok, '', '']),
    csvLine(['counts', 'NG', d.counts.ng, '', '']),
    csvLine(['counts', 'ERROR', d.counts.error, '', '']),
    csvLine(['counts', 'NG rate %', pct(d.counts.ng, d.counts.total).toFixed(2), '', '']),
    ...d.series.map((p) => csvLine(['rate', p.from, p.total, p.ng, pct(p.ng, p.total).toFixed(2)])),
    ...top.map((r) => csvLine(['top NG', r.id, r.time, r.score, r.partId || r.sourceName])),
  ];
  return lines.join('');
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** NG rate (%) per bucket as an SVG polyline with axes; bars show the part count. */
export function rateChartSvg(series: readonly RatePoint[], width = 720, height = 220): string {
  const padL = 44;
  const padB = 28;
  const w = width - padL - 8;
  const h = height - padB - 8;
  const maxRate = Math.max(5, ...series.map((p) => pct(p.ng, p.total)));
  const maxParts = Math.max(1, ...series.map((p) => p.total));
  const step = w / Math.max(1, series.length);
  const x = (i: number) => padL + i * step + step / 2;
  const y = (rate: number) => 8 + h - (h * rate) / maxRate;
  const bars = series
    .map((p, i) => {
      const bh = (h * p.total) / maxParts;
      return `<rect x="${(padL + i * step + 1).toFixed(1)}" y="${(8 + h - bh).toFixed(1)}" width="${Math.max(1, step - 2).toFixed(1)}" height="${bh.toFixed(1)}" fill="#dfe6ee"/>`;
    })
    .join('');
  const line = series.map((p, i) => `${x(i).toFixed(1)},${y(pct(p.ng, p.total)).toFixed(1)}`).join(' ');
  const ticks = [0, maxRate / 2, maxRate]
    .map((r) => `<text x="${padL - 6}" y="${(y(r) + 4).toFixed(1)}" text-anchor="end" font-size="11">${r.toFixed(r < 10 ? 1 : 0)}%</text>`)
    .join('');
  const labels = series
    .map((p, i) => (i % Math.max(1, Math.ceil(series.length / 8)) === 0 ? `<text x="${x(i).toFixed(1)}" y="${height - 8}" text-anchor="middle" font-size="11">${esc(new Date(p.from).toTimeString().slice(0, 5))}</text>` : ''))
    .join('');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="NG rate over the shift" data-testid="rate-chart">` +
    `${bars}<line x1="${padL}" y1="${8 + h}" x2="${width - 8}" y2="${8 + h}" stroke="#333"/><line x1="${padL}" y1="8" x2="${padL}" y2="${8 + h}" stroke="#333"/>` +
    `${ticks}${labels}<polyline points="${line}" fill="none" stroke="#c62828" stroke-width="2"/>` +
    series.map((p, i) => `<circle cx="${x(i).toFixed(1)}" cy="${y(pct(p.ng, p.total)).toFixed(1)}" r="2.5" fill="#c62828"/>`).join('') +
    `</svg>`
  );
}

export function shiftReportHtml(d: ReportData, top: readonly InspectionRecord[], thumbs: ReadonlyMap<number, string>): string {
  const rate = pct(d.counts.ng, d.counts.total);
  const tiles = top
    .map(
      (r) =>
        `<figure>${thumbs.has(r.id) ? `<img src="${thumbs.get(r.id)}" alt="NG part ${r.id}">` : '<div class="gone">images pruned</div>'}` +
        `<figcaption>#${r.id} · ${esc(r.partId || r.sourceName)}<br>${esc(r.time.slice(11, 19))} · score ${r.score.toFixed(3)} / ${r.threshold.toFixed(3)}</figcaption></figure>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Shift report ${esc(d.shift.name)} ${esc(d.shift.from.slice(0, 10))}</title>
<style>
body{font:14px system-ui,sans-serif;margin:24px;color:#111}h1{font-size:22px;margin:0 0 4px}.sub{color:#555;margin-bottom:16px}
table.counts{border-collapse:collapse;margin:12px 0}table.counts td,table.counts th{border:1px solid #bbb;padding:6px 14px;text-align:right}
.ng{color:#c62828;font-weight:700}.grid{display:grid;grid-template-columns:repeat(4,1fr);gap:10px}figure{margin:0;border:1px solid #ccc;padding:6px;break-inside:avoid}
figure img{width:100%;display:block}figcaption{font-size:12px;margin-top:4px}.gone{height:90px;display:flex;align-items:center;justify-content:center;color:#888;background:#f3f3f3}
@media print{body{margin:10mm}}
</style></head><body>
<h1>Shift report</h1>
<div class="sub">Shift ${esc(d.shift.name)} · ${esc(new Date(d.shift.from).toLocaleString())} – ${esc(new Date(d.shift.to).toLocaleString())} · product ${esc(d.productId ?? 'all')}</div>
<table class="counts" data-testid="report-counts"><tr><th>Parts</th><th>OK</th><th>NG</th><th>ERROR</th><th>NG rate</th></tr>
<tr><td>${d.counts.total}</td><td>${d.counts.ok}</td><td class="ng">${d.counts.ng}</td><td>${d.counts.error}</td><td class="ng">${rate.toFixed(2)} %</td></tr></table>
<h2>NG rate over the shift</h2>
${rateChartSvg(d.series)}
<h2>Top NG images (highest score)</h2>
<div class="grid">${tiles || '<p>No NG parts in this shift.</p>'}</div>
<p class="sub">Generated ${esc(new Date().toLocaleString())} by the inspection station.</p>
</body></html>
`;
}
