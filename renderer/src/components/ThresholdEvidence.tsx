/**
 * What a threshold is expected to do, shown next to it (Training, Threshold, Live): recall on the validated defect
 * images (red below 1), or "recall unknown" when no defect image was validated, and the false-reject rate expected
 * from the model's held-out good training scores.
 */
import { useTranslation } from 'react-i18next';
import type { ModelSummary } from '../../../main/common/api.js';
import { expectedFalseRejectRate, recallAt } from '../../../main/evaluation/threshold-rule.js';
import { fmtPct } from '../lib/hooks.js';

export function ThresholdEvidence({
  model,
  threshold,
  scores,
}: {
  model: ModelSummary;
  /** Threshold to describe (default: the one in force). */
  threshold?: number;
  /** Validation scores, when the screen has them (else the model summary's recall at its threshold in force). */
  scores?: readonly { score: number; label: 0 | 1 }[];
}) {
  const { t: tr } = useTranslation();
  const t = threshold ?? model.threshold;
  // undefined: not known for this threshold here (the summary's recall is for the threshold in force when it was read).
  const recall: number | null | undefined = scores
    ? recallAt(scores, t)
    : model.recallAtThreshold === null
      ? null
      : t === model.threshold
        ? model.recallAtThreshold
        : undefined;
  const p = model.params;
  const [mean, std, n] = [p['trainScoreMean'], p['trainScoreStd'], p['trainScoreCount']];
  const frr = typeof mean === 'number' && typeof std === 'number' ? expectedFalseRejectRate({ mean, std, n: typeof n === 'number' ? n : 2 }, t) : null;
  return (
    <span className="small" data-testid="threshold-evidence">
      {recall === undefined ? null : recall === null ? (
        <span style={{ color: 'var(--warn)' }} data-testid="recall-unknown">{tr('evidence.recallUnknown')}</span>
      ) : (
        <span className={recall < 1 ? 'ng-text' : undefined} data-testid="recall-at-threshold">
          {tr('evidence.recall', { value: fmtPct(recall) })}
        </span>
      )}
      {frr !== null ? <span className="muted"> · {tr('evidence.falseRejects', { value: fmtPct(frr) })}</span> : null}
    </span>
  );
}
