/** The one place OK/NG is decided. Pure. */
import type { ModelKind, ModelOutput, Verdict } from '../common/types.js';

/**
 * NG when score >= threshold (anomaly / classifier models); for detectors, NG when any box's confidence
 * is >= threshold (the image score of a detector is informational).
 */
export function decideVerdict(kind: ModelKind, out: Pick<ModelOutput, 'score' | 'boxes'>, threshold: number): Verdict {
  if (kind === 'detector') return out.boxes.some((b) => b.score >= threshold) ? 'NG' : 'OK';
  return out.score >= threshold ? 'NG' : 'OK';
}
