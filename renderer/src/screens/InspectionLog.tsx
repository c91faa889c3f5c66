/**
 * The inspection log: filter by time range, verdict and model, page through records with thumbnails, open one
 * record with its heatmap, and export the filtered records to CSV or JSON (written server-side as a job).
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ExportResult, FrameEvent, InspectionRecord, JobInfo, LogFilter, LogPage, LogSummary } from '../../../main/common/api.js';
import { isSafeMediaRef } from '../../../main/common/media.js';
import { useErrors } from '../components/Feedback.js';
import { FrameView } from '../components/FrameView.js';
import { JobCard } from '../components/JobCard.js';
import { useStation } from '../connection.js';
import { fmtScore, fmtTime, useCall, useEvent, useLoad } from '../lib/hooks.js';
import { useJobOutcome, useJobs } from '../lib/jobs.js';

const PAGE = 25;

interface FilterForm {
  from: string; // datetime-local value
  to: string;
  verdict: '' | 'OK' | 'NG';
  modelId: string;
  source: string;
}

const EMPTY: FilterForm = { from: '', to: '', verdict: '', modelId: '', source: '' };

function toFilter(f: FilterForm): LogFilter {
  const iso = (v: string) => (v ? new Date(v).toISOString() : undefined);
  return {
    from: iso(f.from),
    to: iso(f.to),
    verdict: f.verdict || undefined,
    modelId: f.modelId || undefined,
    source: f.source.trim() || undefined,
  };
}

export function InspectionLog() {
  const { api, generation, mediaUrl } = useStation();
  const { run } = useCall();
  const { report } = useErrors();
  const models = useLoad('Models', (a) => a.models.list());
  const [form, setForm] = useState<FilterForm>(EMPTY);
  const [filter, setFilter] = useState<LogFilter>({});
  const [offset, setOffset] = useState(0);
  const [page, setPage] = useState<LogPage | null>(null);
  const [summary, setSummary] = useState<LogSummary | null>(null);
  const [selected, setSelected] = useState<InspectionRecord | null>(null);
  const [pendingNew, setPendingNew] = useState(0);
  const { jobs, track } = useJobs();
  const [exportJob, setExportJob] = useState<string | null>(null);
  const [exported, setExported] = useState<ExportResult | null>(null);

  // Replies can arrive out of order (filter changed while a query ran): only the newest request may render.
  const requestSeq = useRef(0);
  const load = useCallback(async () => {
    const seq = ++requestSeq.current;
    const [p, s] = await Promise.all([
      run('Load log', () => api.log.query({ ...filter, offset, limit: PAGE, order: 'newest' })),
      run('Log summary', () => api.log.summary(filter)),
    ]);
    if (seq !== requestSeq.current) return;
    if (p) setPage(p);
    if (s) setSummary(s);
    setPendingNew(0);
  }, [api, run, filter, offset]);
  useEffect(() => {
    void load();
  }, [load, generation]);

  // New inspections: refresh the first page at most every 2 s; on later pages just count them. The timer calls
  // the newest `load` (through a ref), so a filter applied meanwhile is not overwritten by the old one.
  const refreshTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const loadRef = useRef(load);
  loadRef.current = load;
  useEvent(api.log.onAppended, () => {
    if (offset > 0) return setPendingNew((n) => n + 1);
    if (refreshTimer.current) return;
    refreshTimer.current = setTimeout(() => {
      refreshTimer.current = null;
      void loadRef.current();
    }, 2000);
  });
  useEffect(() => () => void (refreshTimer.current && clearTimeout(refreshTimer.current)), []);

  const onExportDone = useCallback(
    (j: JobInfo) => {
      if (j.state === 'done') setExported(j.result as ExportResult);
      else if (j.state === 'failed' && j.error) report('Export', { kind: j.error.kind as never, message: j.error.message });
    },
    [report],
  );
  const job = useJobOutcome(jobs, exportJob, onExportDone);
  const doExport = async (format: 'csv' | 'json') => {
    setExported(null);
    const r = await run(`Export ${format.toUpperCase()}`, () => api.log.export({ format, filter }));
    if (r) {
      setExportJob(r.jobId);
      void track(r.jobId);
    }
  };

  const total = page?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / PAGE));
  const set = (k: keyof FilterForm, v: string) => setForm((f) => ({ ...f, [k]: v }));
  const apply = () => {
    setOffset(0);
    setFilter(toFilter(form));
  };

  return (
    <div className="log" data-testid="log-view">
      <form
        className="panel filters"
        onSubmit={(e) => {
          e.preventDefault();
          apply();
        }}
      >
        <label className="field">
          <span>From</span>
          <input className="input" type="datetime-local" value={form.from} onChange={(e) => set('from', e.target.value)} />
        </label>
        <label className="field">
          <span>To</span>
          <input className="input" type="datetime-local" value={form.to} onChange={(e) => set('to', e.target.value)} />
        </label>
        <label className="field">
          <span>Verdict</span>
          <select className="input" value={form.verdict} data-testid="filter-verdict" onChange={(e) => set('verdict', e.target.value)}>
            <option value="">All</option>
            <option value="OK">OK</option>
            <option value="NG">NG</option>
          </select>
        </label>
        <label className="field">
          <span>Model</span>
          <select className="input" value={form.modelId} onChange={(e) => set('modelId', e.target.value)}>
            <option value="">All models</option>
            {(models.value ?? []).map((m) => (
              <option key={m.id} value={m.id}>
                {m.name}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Source</span>
          <input className="input" value={form.source} placeholder="any" onChange={(e) => set('source', e.target.value)} />
        </label>
        <button className="btn primary" type="submit" data-testid="filter-apply">
          Apply
        </button>
        <button
          className="btn"
          type="button"
          onClick={() => {
            setForm(EMPTY);
            setOffset(0);
            setFilter({});
          }}
        >
          Clear
        </button>
        <span style={{ flex: 1 }} />
        <div className="stack" style={{ gap: 6 }}>
          <div className="row">
            <button className="btn" type="button" data-testid="export-csv" onClick={() => void doExport('csv')}>
              Export CSV
            </button>
            <button className="btn" type="button" data-testid="export-json" onClick={() => void doExport('json')}>
              Export JSON
            </button>
          </div>
        </div>
      </form>

      {job || exported ? (
        <div className="panel" data-testid="export-status">
          {job ? <JobCard job={job} /> : null}
          {exported ? (
            <div className="row small" data-testid="export-done">
              Exported <b>{exported.rows}</b> rows to <span className="mono">{exported.path}</span>
              {exported.media && isSafeMediaRef(exported.media) ? (
                <a className="btn small" href={mediaUrl(exported.media)} download data-testid="export-download">
                  Download
                </a>
              ) : null}
            </div>
          ) : null}
        </div>
      ) : null}

      <div className="grid-log">
        <div className="panel" style={{ minWidth: 0 }}>
          <header>
            <h2>Inspections</h2>
            <span className="spacer" />
            {summary ? (
              <span className="small" data-testid="log-summary">
                <b className="num">{summary.total}</b> total · <span className="tag ok">OK {summary.ok}</span> <span className="tag ng">NG {summary.ng}</span>
              </span>
            ) : null}
          </header>
          {pendingNew > 0 ? (
            <button className="btn small" onClick={() => setOffset(0)}>
              {pendingNew} new — show newest
            </button>
          ) : null}
          {page && page.items.length === 0 ? <div className="empty">No inspections match these filters.</div> : null}
          {page && page.items.length > 0 ? (
            <table className="list" data-testid="log-table" data-total={total}>
              <thead>
                <tr>
                  <th />
                  <th>Time</th>
                  <th>Verdict</th>
                  <th>Score</th>
                  <th>Threshold</th>
                  <th>Source</th>
                  <th>Boxes</th>
                  <th>Latency</th>
                </tr>
              </thead>
              <tbody>
                {page.items.map((r) => (
                  <tr
                    key={r.id}
                    data-testid="log-row"
                    data-verdict={r.verdict}
                    data-score={r.score}
                    data-name={r.name ?? ''}
                    className={selected?.id === r.id ? 'current clickable' : 'clickable'}
                    onClick={() => setSelected(r)}
                  >
                    <td>{r.thumbnail || r.frame ? <img className="thumb" loading="lazy" alt="" src={mediaUrl((r.thumbnail ?? r.frame)!)} /> : <div className="thumb" />}</td>
                    <td className="mono small">{fmtTime(r.at)}</td>
                    <td>
                      <span className={`tag ${r.verdict === 'OK' ? 'ok' : 'ng'}`}>{r.verdict}</span>
                    </td>
                    <td className="mono">{fmtScore(r.score)}</td>
                    <td className="mono muted">{fmtScore(r.threshold)}</td>
                    <td className="small">
                      {r.source}
                      {r.name ? <div className="mono muted small">{r.name}</div> : null}
                    </td>
                    <td className="num">{r.boxes.length}</td>
                    <td className="num small">{Math.round(r.latencyMs)} ms</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
          <div className="pager">
            <span className="small muted" data-testid="page-info">
              {total ? `${offset + 1}–${Math.min(offset + PAGE, total)} of ${total}` : ''} · page {Math.floor(offset / PAGE) + 1} / {pages}
            </span>
            <button className="btn small" disabled={offset === 0} onClick={() => setOffset(0)}>
              « Newest
            </button>
            <button className="btn small" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>
              ‹ Newer
            </button>
            <button className="btn small" data-testid="page-next" disabled={offset + PAGE >= total} onClick={() => setOffset(offset + PAGE)}>
              Older ›
            </button>
          </div>
        </div>
        <RecordDetail record={selected} modelName={models.value?.find((m) => m.id === selected?.modelId)?.name} />
      </div>
    </div>
  );
}

function RecordDetail({ record, modelName }: { record: InspectionRecord | null; modelName?: string }) {
  const { mediaUrl } = useStation();
  const [opacity, setOpacity] = useState(0.6);
  if (!record) {
    return (
      <div className="panel">
        <h2>Record</h2>
        <div className="muted small">Select a row to see the frame and its heatmap.</div>
      </div>
    );
  }
  // Reuse the live frame view: a record carries the same frame / heatmap / boxes.
  const asFrame: FrameEvent | null = record.frame
    ? {
        seq: record.id,
        inspectionId: record.id,
        source: record.source,
        name: record.name,
        capturedAt: record.at,
        width: 0,
        height: 0,
        frame: record.frame,
        heatmap: record.heatmap,
        score: record.score,
        threshold: record.threshold,
        verdict: record.verdict,
        boxes: record.boxes,
        modelId: record.modelId,
        timings: {},
        stats: { fps: 0, latencyMs: record.latencyMs, inspected: 0, dropped: 0, ok: 0, ng: 0 },
      }
    : null;
  return (
    <div className="panel stack record" data-testid="record-detail">
      <header>
        <h2>Record #{record.id}</h2>
        <span className="spacer" />
        <span className={`tag ${record.verdict === 'OK' ? 'ok' : 'ng'}`}>{record.verdict}</span>
      </header>
      {asFrame ? (
        <div className="record-frame">
          <FrameView frame={asFrame} mediaUrl={mediaUrl} opacity={opacity} showHeat showBoxes />
        </div>
      ) : (
        <div className="empty small">No frame was stored for this inspection.</div>
      )}
      <label className="row small">
        heatmap opacity
        <input type="range" min={0} max={1} step={0.05} value={opacity} onChange={(e) => setOpacity(Number(e.target.value))} />
      </label>
      <dl className="kv">
        <dt>time</dt>
        <dd className="mono">{fmtTime(record.at)}</dd>
        <dt>score / threshold</dt>
        <dd className="mono">
          {fmtScore(record.score)} / {fmtScore(record.threshold)}
        </dd>
        <dt>model</dt>
        <dd className="small" title={record.modelId}>
          {modelName ?? <span className="mono">{record.modelId}</span>}
        </dd>
        <dt>source</dt>
        <dd>{record.source}{record.name ? ` · ${record.name}` : ''}</dd>
        <dt>latency</dt>
        <dd className="mono">{Math.round(record.latencyMs)} ms</dd>
      </dl>
    </div>
  );
}
