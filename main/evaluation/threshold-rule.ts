/**
 * The default threshold from good images only, and what a threshold is expected to do. Pure.
 *
 * Good scores come from images the memory bank did not see (leave-one-image-out over the training images, i.e.
 * k-fold with k = the number of images). A normal fit to them gives the threshold for a target false-reject rate:
 * with 20 images the empirical 99th percentile is just the largest score, while the fit extrapolates the tail.
 */

/** Default target false-reject rate of the default threshold. */
export const DEFAULT_TARGET_FALSE_REJECT_RATE = 0.01;

/** Inverse of the standard normal CDF (Acklam's rational approximation, relative error < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`probability must be in (0, 1), got ${p}`);
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  if (p > 1 - lo) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}

/** Standard normal CDF (Zelen & Severo 26.2.17, |error| < 7.5e-8). */
export function normalCdf(z: number): number {
  const t = 1 / (1 + 0.2316419 * Math.abs(z));
  const poly = t * (0.31938153 + t * (-0.356563782 + t * (1.781477937 + t * (-1.821255978 + t * 1.330274429))));
  const tail = (Math.exp((-z * z) / 2) / Math.sqrt(2 * Math.PI)) * poly;
  return z >= 0 ? 1 - tail : tail;
}

export interface GoodScoreFit {
  readonly mean: number;
  readonly std: number;
  readonly n: number;
}

export function fitGoodScores(scores: readonly number[]): GoodScoreFit {
  if (scores.length === 0) throw new Error('no good scores to fit');
  const n = scores.length;
  const mean = scores.reduce((a, b) => a + b, 0) / n;
  const std = Math.sqrt(scores.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, n - 1));
  return { mean, std, n };
}

/**
 * Threshold for a target false-reject rate: mean + z(1 - rate) * std of the fit, and never below the largest
 * held-out good score (a threshold that rejects a known good image is not a 1 % threshold).
 */
export function thresholdForFalseRejectRate(scores: readonly number[], rate = DEFAULT_TARGET_FALSE_REJECT_RATE): number {
  if (!(rate > 0 && rate < 0.5)) throw new RangeError(`target false-reject rate must be in (0, 0.5), got ${rate}`);
  const fit = fitGoodScores(scores);
  return Math.max(fit.mean + normalQuantile(1 - rate) * fit.std, Math.max(...scores) * (1 + 1e-6));
}

/** Expected false-reject rate of `threshold` under the fit (null when the fit has no spread). */
export function expectedFalseRejectRate(fit: GoodScoreFit, threshold: number): number | null {
  if (!(fit.std > 0) || fit.n < 2) return null;
  return 1 - normalCdf((threshold - fit.mean) / fit.std);
}

/** Fraction of defect scores at or above `threshold` (NG when score >= threshold); null with no defect scores. */
export function recallAt(scores: readonly { score: number; label: 0 | 1 }[], threshold: number): number | null {
  const defects = scores.filter((s) => s.label === 1);
  if (defects.length === 0) return null;
  return defects.filter((s) => s.score >= threshold).length / defects.length;
}
