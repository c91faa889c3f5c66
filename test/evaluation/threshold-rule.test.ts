/** The default-threshold rule: normal quantiles, threshold at a target false-reject rate, recall at a threshold. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '../../main/common/random.js';
import { expectedFalseRejectRate, fitGoodScores, normalCdf, normalQuantile, recallAt, thresholdForFalseRejectRate } from '../../main/evaluation/threshold-rule.js';

test('normal quantile and CDF agree with tables and invert each other', () => {
  assert.ok(Math.abs(normalQuantile(0.99) - 2.326348) < 1e-5);
  assert.ok(Math.abs(normalQuantile(0.5)) < 1e-9);
  assert.ok(Math.abs(normalQuantile(0.001) + 3.090232) < 1e-5);
  for (const p of [0.001, 0.02, 0.3, 0.9, 0.995]) assert.ok(Math.abs(normalCdf(normalQuantile(p)) - p) < 1e-6, `p=${p}`);
  assert.throws(() => normalQuantile(1), RangeError);
});

test('a threshold for 1 % false rejects on normal scores rejects about 1 % of new good scores', () => {
  const rng = createRng(7);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
  const train = Array.from({ length: 200 }, () => 5 + 0.5 * gauss());
  const t = thresholdForFalseRejectRate(train, 0.01);
  const fresh = Array.from({ length: 20000 }, () => 5 + 0.5 * gauss());
  const rate = fresh.filter((s) => s >= t).length / fresh.length;
  assert.ok(rate > 0.004 && rate < 0.02, `false-reject rate ${rate} at ${t}`);
  // The fit's own estimate is 1 %, or less when the largest good score lies beyond the fitted quantile.
  const expected = expectedFalseRejectRate(fitGoodScores(train), t)!;
  assert.ok(expected > 0 && expected <= 0.01 + 1e-6, `expected ${expected}`);
  // Never below a known good score, whatever the fit says.
  assert.ok(thresholdForFalseRejectRate([1, 1, 1, 1, 10], 0.4) > 10);
  assert.throws(() => thresholdForFalseRejectRate(train, 0), RangeError);
});

test('recall at a threshold counts defects with score >= threshold; none validated is unknown (null)', () => {
  const scores = [{ score: 1, label: 0 as const }, { score: 3, label: 1 as const }, { score: 5, label: 1 as const }];
  assert.equal(recallAt(scores, 3), 1);
  assert.equal(recallAt(scores, 4), 0.5);
  assert.equal(recallAt(scores.slice(0, 1), 0), null);
});
