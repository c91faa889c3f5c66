/** One long job: title, stage, progress bar, elapsed time and a Cancel button while it runs. */
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { JobInfo } from '../../../main/common/api.js';
import { useStation } from '../connection.js';
import { useCall } from '../lib/hooks.js';
import { isFinished } from '../lib/jobs.js';
import { ProgressBar } from './Feedback.js';

export function JobCard({ job }: { job: JobInfo }) {
  const { api } = useStation();
  const { run, busy } = useCall();
  const [now, setNow] = useState(Date.now());
  const { t } = useTranslation();
  const done = isFinished(job);
  useEffect(() => {
    if (done) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [done]);
  const end = job.finishedAt ? Date.parse(job.finishedAt) : now;
  const secs = Math.max(0, Math.round((end - Date.parse(job.startedAt)) / 1000));
  const p = job.progress;
  return (
    <div className={`job job-${job.state}`} data-testid={`job-${job.kind}`} data-state={job.state}>
      <div className="row">
        <b>{job.title}</b>
        <span className={`tag ${job.state === 'done' ? 'ok' : job.state === 'failed' ? 'ng' : ''}`}>{t(`jobs.state.${job.state}`)}</span>
        <span className="muted small mono">{secs} s</span>
        <span style={{ flex: 1 }} />
        {!done ? (
          <button className="btn small danger" disabled={busy} data-testid="job-cancel" onClick={() => void run('Cancel job', () => api.jobs.cancel({ id: job.id }))}>
            {t('common.cancel')}
          </button>
        ) : null}
      </div>
      {!done ? <ProgressBar done={p?.done ?? 0} total={p?.total ?? 0} label={p ? `${p.stage}${p.message ? ` — ${p.message}` : ''}` : t('jobs.starting')} /> : null}
      {job.error ? (
        <div className="banner error small">
          <span className="kind">{job.error.kind}</span> {job.error.message}
        </div>
      ) : null}
    </div>
  );
}
