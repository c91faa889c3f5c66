/**
 * Feedback on one inspected part (Live and Log): good (a false reject), defect (confirmed or missed) or unsure, and
 * "learn as good", which makes a new model version in the background that then runs in shadow mode. A part far above
 * the threshold asks for a second confirmation; a part confirmed as a defect is refused by the station.
 */
import { useState } from 'react';
import { FAR_ABOVE_THRESHOLD } from '../../../main/common/learning.js';
import { useStation } from '../connection.js';
import { useCall } from '../lib/hooks.js';

export function FeedbackActions({ inspectionId, score, threshold, verdict }: { inspectionId: number | null; score: number; threshold: number; verdict: string }) {
  const { api } = useStation();
  const { run, busy } = useCall();
  const [done, setDone] = useState<string | null>(null);
  const [confirmFar, setConfirmFar] = useState(false);
  if (inspectionId === null) return null;
  const far = score >= FAR_ABOVE_THRESHOLD * threshold;
  const mark = async (label: 'good' | 'defect' | 'unsure') => {
    const r = await run('Feedback', () => api.learning.feedback({ inspectionId, label, note: '' }));
    if (r) setDone(label === 'defect' ? `marked defect (${r.defectKind})` : `marked ${label}`);
  };
  const learn = async () => {
    if (far && !confirmFar) {
      setConfirmFar(true);
      return;
    }
    const r = await run('Learn as good', () => api.learning.learnGood({ inspectionId, reason: 'false reject', confirmFar: far }));
    if (r) setDone('learning as good: a new version will run in shadow mode');
    setConfirmFar(false);
  };
  return (
    <div className="row wrap" data-testid="feedback-actions" style={{ gap: 6, marginTop: 6 }}>
      <span className="small muted">part {inspectionId}:</span>
      <button className="btn small" data-testid="feedback-good" disabled={busy} onClick={() => void mark('good')}>
        {verdict === 'NG' ? 'Good (false reject)' : 'Good'}
      </button>
      <button className="btn small" data-testid="feedback-defect" disabled={busy} onClick={() => void mark('defect')}>
        {verdict === 'NG' ? 'Defect (confirmed)' : 'Defect (missed)'}
      </button>
      <button className="btn small" data-testid="feedback-unsure" disabled={busy} onClick={() => void mark('unsure')}>
        Unsure
      </button>
      {verdict === 'NG' ? (
        <button className={`btn small${confirmFar ? ' danger' : ''}`} data-testid="feedback-learn" disabled={busy} onClick={() => void learn()}>
          {confirmFar ? `Score ${(score / threshold).toFixed(1)}× threshold — learn anyway?` : 'Learn as good'}
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
