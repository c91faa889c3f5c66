/**
 * Feedback on one inspected part (Live and Log): good (a false reject), defect (confirmed or missed) or unsure, and
 * "learn as good", which makes a new model version in the background that then runs in shadow mode. A part far above
 * the threshold asks for a second confirmation; a part confirmed as a defect is refused by the station. What was
 * done is shown with the part it was done on (Live moves on to the next part meanwhile).
 */
import { useCallback, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { JobInfo } from '../../../main/common/api.js';
import { FAR_ABOVE_THRESHOLD, type LearnResult } from '../../../main/common/learning.js';
import { useStation } from '../connection.js';
import { useCall } from '../lib/hooks.js';
import { useJobOutcome, useJobs } from '../lib/jobs.js';

export function FeedbackActions({ inspectionId, score, threshold, verdict }: { inspectionId: number | null; score: number; threshold: number; verdict: string }) {
  const { api } = useStation();
  const { run, busy } = useCall();
  const { t } = useTranslation();
  const { jobs, track } = useJobs();
  const [done, setDone] = useState<{ part: number; text: string } | null>(null);
  const [confirmFar, setConfirmFar] = useState<number | null>(null);
  const [learnJob, setLearnJob] = useState<{ part: number; jobId: string } | null>(null);
  const onLearned = useCallback(
    (j: JobInfo) => {
      // A failure is shown as a banner by the versions panel (Live) and here as the part's state.
      const r = j.result as LearnResult | null;
      // Protected defect patches can leave the learned part above the threshold: say so rather than "learned".
      const learnedText = (r: LearnResult): string =>
        r.scoreAfter >= r.threshold
          ? t('learning.learnedPartly', { id: r.modelId.slice(-6), after: r.scoreAfter.toFixed(2), threshold: r.threshold.toFixed(2), withheld: r.withheld })
          : t('learning.learned', { id: r.modelId.slice(-6) });
      if (learnJob) setDone({ part: learnJob.part, text: j.state === 'done' && r ? learnedText(r) : t('learning.learnFailed', { why: j.error?.message ?? j.state }) });
    },
    [learnJob, t],
  );
  const job = useJobOutcome(jobs, learnJob?.jobId ?? null, onLearned);
  if (inspectionId === null) return null;
  const far = score >= FAR_ABOVE_THRESHOLD * threshold;
  const mark = async (label: 'good' | 'defect' | 'unsure') => {
    const r = await run(t('learning.feedback'), () => api.learning.feedback({ inspectionId, label, note: '' }));
    if (r) setDone({ part: inspectionId, text: label === 'defect' ? t('learning.markedDefect', { kind: t(`learning.kind.${r.defectKind ?? 'confirmed'}`) }) : label === 'good' ? t('learning.markedGood') : t('learning.markedUnsure') });
  };
  const learn = async () => {
    if (far && confirmFar !== inspectionId) {
      setConfirmFar(inspectionId);
      return;
    }
    setConfirmFar(null);
    const r = await run(t('learning.learnAsGood'), () => api.learning.learnGood({ inspectionId, reason: 'false reject', confirmFar: far }));
    if (r) {
      setLearnJob({ part: inspectionId, jobId: r.jobId });
      setDone(null);
      void track(r.jobId);
    }
  };
  const learningHere = learnJob?.part === inspectionId && job && job.state !== 'done' && job.state !== 'failed' && job.state !== 'cancelled';
  const confirming = far && confirmFar === inspectionId;
  return (
    <div className="row wrap" data-testid="feedback-actions" data-part={inspectionId} style={{ gap: 6, marginTop: 6 }}>
      <span className="small muted">{t('learning.part', { id: inspectionId })}</span>
      <button className="btn small" data-testid="feedback-good" disabled={busy} onClick={() => void mark('good')}>
        {verdict === 'NG' ? t('learning.goodFalseReject') : t('learning.good')}
      </button>
      <button className="btn small" data-testid="feedback-defect" disabled={busy} onClick={() => void mark('defect')}>
        {verdict === 'NG' ? t('learning.defectConfirmed') : t('learning.defectMissed')}
      </button>
      <button className="btn small" data-testid="feedback-unsure" disabled={busy} onClick={() => void mark('unsure')}>
        {t('learning.unsure')}
      </button>
      {verdict === 'NG' ? (
        <button className={`btn small${confirming ? ' danger' : ''}`} data-testid="feedback-learn" disabled={busy || !!learningHere} onClick={() => void learn()}>
          {confirming ? t('learning.learnAnyway', { ratio: (score / threshold).toFixed(1) }) : t('learning.learnAsGood')}
        </button>
      ) : null}
      {learningHere ? (
        <span className="small" data-testid="feedback-learning">
          {t('learning.learning')}
        </span>
      ) : done?.part === inspectionId ? (
        <span className="small" data-testid="feedback-done">
          {done.text}
        </span>
      ) : null}
    </div>
  );
}
