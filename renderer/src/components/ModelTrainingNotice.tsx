/**
 * While no model is active and one is being trained (the first start's built-in demo model, or the operator's
 * first training), the Live screen shows that job with its progress instead of "no model": the demo starts by
 * itself when the built-in model is ready.
 */
import { useTranslation } from 'react-i18next';
import type { JobInfo } from '../../../main/common/api.js';
import { isFinished, useJobs } from '../lib/jobs.js';
import { JobCard } from './JobCard.js';

/** The training job that will give the station its first model, if one is running. */
export function useFirstModelJob(hasModel: boolean): JobInfo | null {
  const { jobs } = useJobs();
  if (hasModel) return null;
  return jobs.find((j) => (j.kind === 'bootstrap' || j.kind === 'train') && !isFinished(j)) ?? null;
}

export function ModelTrainingNotice({ job }: { job: JobInfo }) {
  const { t } = useTranslation();
  return (
    <div className="panel stack" data-testid="first-model-job">
      <h2>{t('live.firstModel.title')}</h2>
      <div className="small muted">{job.kind === 'bootstrap' ? t('live.firstModel.bootstrap') : t('live.firstModel.training')}</div>
      <JobCard job={job} />
    </div>
  );
}
