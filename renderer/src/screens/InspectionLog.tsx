/**
 * The inspection log: filter by time range, verdict, model and source, page through records with thumbnails
 * (keyset pages: the same cost at any depth), open one record with its heatmap, and export the filtered records
 * to CSV or JSON (written server-side as a job, off the inspection thread). New inspections appear on the newest
 * page and in the counts as they are recorded, without reloading.
 */
import { useCallback, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ExportResult, InspectionRecord, JobInfo, LogFilter } from '../../../main/common/api.js';
import { useErrors } from '../components/Feedback.js';
import { FeedbackActions } from '../components/FeedbackActions.js';
import { useStation } from '../connection.js';
import { useCall, useEvent, useLoad } from '../lib/hooks.js';
import { useJobOutcome, useJobs } from '../lib/jobs.js';
import { ExportPanel } from './log/ExportPanel.js';
import { LogFilters } from './log/LogFilters.js';
import { LogPager } from './log/LogPager.js';
import { LogTable } from './log/LogTable.js';
import { RecordDetail } from './log/RecordDetail.js';
import { useLogView } from './log/useLogView.js';

export function InspectionLog() {
  const { api, mediaUrl } = useStation();
  const { run } = useCall();
  const { report } = useErrors();
  const models = useLoad('Models', (a) => a.models.list());
  // Versions learned meanwhile get their names in the table.
  useEvent(api.models.onChanged, models.reload);
  const [filter, setFilter] = useState<LogFilter>({});
  const { view, summary, move, loaded } = useLogView(filter);
  const [selected, setSelected] = useState<InspectionRecord | null>(null);
  const { jobs, track } = useJobs();
  const [exportJob, setExportJob] = useState<string | null>(null);
  const [exported, setExported] = useState<ExportResult | null>(null);
  const { t } = useTranslation();

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

  const total = summary?.total ?? 0;
  const others = Object.entries(summary?.byVerdict ?? {}).filter(([v]) => v !== 'OK' && v !== 'NG');
  return (
    <div className="log" data-testid="log-view">
      <LogFilters models={models.value ?? []} onApply={setFilter} onExport={(f) => void doExport(f)} />
      <ExportPanel job={job ?? null} exported={exported} mediaUrl={mediaUrl} />

      <div className="grid-log">
        <div className="panel" style={{ minWidth: 0 }}>
          <header>
            <h2>{t('log.inspections')}</h2>
            <span className="spacer" />
            {summary ? (
              <span className="small" data-testid="log-summary">
                <b className="num">{summary.total}</b> {t('log.total')} · <span className="tag ok">OK {summary.ok}</span> <span className="tag ng">NG {summary.ng}</span>
                {others.map(([v, n]) => (
                  <span key={v}>
                    {' '}
                    <span className="tag ng">
                      {v} {n}
                    </span>
                  </span>
                ))}
              </span>
            ) : null}
          </header>
          {view.pendingNew > 0 ? (
            <button className="btn small" data-testid="log-pending" onClick={() => move('newest')}>
              {t('log.pendingNew', { count: view.pendingNew })}
            </button>
          ) : null}
          {loaded && view.items.length === 0 ? <div className="empty">{t('log.noMatch')}</div> : null}
          {view.items.length > 0 ? (
            <LogTable items={view.items} total={total} selectedId={selected?.id ?? null} onSelect={setSelected} mediaUrl={mediaUrl} modelName={(id) => models.value?.find((m) => m.id === id)?.name} />
          ) : null}
          <LogPager view={view} total={total} onMove={move} />
        </div>
        <RecordDetail record={selected} modelName={models.value?.find((m) => m.id === selected?.modelId)?.name} />
      </div>
      {selected ? <FeedbackActions inspectionId={selected.id} score={selected.score} threshold={selected.threshold} verdict={selected.verdict} /> : null}
    </div>
  );
}
