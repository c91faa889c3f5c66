/**
 * Feedback on one inspected part (Live and Log): good (a false reject), defect (confirmed or missed) or unsure, and
 * "learn as good", which makes a new model version in the background that then runs in shadow mode. A part far above
 * the threshold asks for a second confirmation; a part confirmed as a defect is refused by the station.
 */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { FAR_ABOVE_THRESHOLD } from '../../../main/common/learning.js';
import { useStation } from '../connection.js';
import { useCall } from '../lib/hooks.js';

export function FeedbackActions({ inspectionId, score, threshold, verdict }: { inspectionId: number | null; score: number; threshold: number; verdict: string }) {
  const { api } = useStation();
  const { run, busy } = useCall();
  const { t } = useTranslation();
  const [done, setDone] = useState<string | null>(null);
  const [confirmFar, setConfirmFar] = useState(false);
  if (inspectionId === null) return null;
  const far = score >= FAR_ABOVE_THRESHOLD * threshold;
  const mark = async (label: 'good' | 'defect' | 'unsure') => {
    const r = await run(t('learning.feedback'), () => api.learning.feedback({ inspectionId, label, note: '' }));
    if (r) setDone(label === 'defect' ? t('learning.markedDefect', { kind: r.defectKind }) : label === 'good' ? t('learning.markedGood') : t('learning.markedUnsure'));
  };
  const learn = async () => {
    if (far && !confirmFar) {
      setConfirmFar(true);
      return;
    }
    const r = await run(t('learning.learnAsGood'), () => api.learning.learnGood({ inspectionId, reason: 'false reject', confirmFar: far }));
    if (r) setDone(t('learning.learning'));
    setConfirmFar(false);
  };
  return (
    <div className="row wrap" data-testid="feedback-actions" style={{ gap: 6, marginTop: 6 }}>
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
        <button className={`btn small${confirmFar ? ' danger' : ''}`} data-testid="feedback-learn" disabled={busy} onClick={() => void learn()}>
          {confirmFar ? t('learning.learnAnyway', { ratio: (score / threshold).toFixed(1) }) : t('learning.learnAsGood')}
        </button>
      ) : null}
      {done ? (
        <span className="small" data-testid="feedback-done">
          {done}
        </span>
      ) : null}
    </div>
  );
}
