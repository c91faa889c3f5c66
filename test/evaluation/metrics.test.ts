import { test } from 'node:test';
import assert from 'node:assert/strict';
import { auroc, bestF1, confusionAt, rocCurve, thresholdAtFullRecall } from '../../main/evaluation/metrics.js';
import type { Label } from '../../main/evaluation/metrics.js';
import { StationFault } from '../../main/common/result.js';
import { mulberry32 } from '../../main/common/random.js';

const close = (a: number, b: number, eps = 1e-12) => assert.ok(Math.abs(a - b) <= eps, `${a} != ${b}`);
const invalid = (fn: () => unknown) =>
  assert.throws(fn, (e: unknown) => e instanceof StationFault && e.kind === 'invalid-input');

// Case A. scores [0.1, 0.4, 0.35, 0.8], labels [0, 0, 1, 1].
//   defects {0.35, 0.8}, goods {0.1, 0.4}. Pairs: 0.35>0.1 yes, 0.35>0.4 no, 0.8>0.1 yes, 0.8>0.4 yes -> 3/4.
//   Sorted high->low: 0.8(D) 0.4(G) 0.35(D) 0.1(G); P=2, N=2.
//   ROC points: inf (0,0); 0.8 tp1 fp0 (0,.5); 0.4 tp1 fp1 (.5,.5); 0.35 tp2 fp1 (.5,1); 0.1 (1,1).
//   F1 per threshold (2tp/(2tp+fp+fn)): 0.8 -> 2/3, 0.4 -> 2/4, 0.35 -> 4/5, 0.1 -> 4/6. Best 0.8 at 0.35.
//   Full recall: threshold 0.35, NG = {0.8, 0.4, 0.35} -> tp2 fp1, precision 2/3, false rejects 1/2.
//   At 0.4: NG {0.8, 0.4} -> tp1 fp1, tn1 (0.1), fn1 (0.35).
const A = { s: [0.1, 0.4, 0.35, 0.8], l: [0, 0, 1, 1] as Label[] };

// Case B (ties). scores [0.5, 0.5, 0.5, 0.2, 0.9], labels [1, 0, 0, 0, 1].
//   defects {0.5, 0.9}, goods {0.5, 0.5, 0.2}. 0.5 vs goods: 1/2 + 1/2 + 1 = 2; 0.9 vs goods: 3. AUROC 5/6.
//   ROC (ties grouped, 4 points for 5 scores): inf (0,0); 0.9 tp1 fp0 (0,.5); 0.5 tp2 fp2 (2/3,1); 0.2 (1,1).
//   Trapezoids: 2/3*(.5+1)/2 = .5, plus 1/3 -> 5/6, agrees.
//   F1: 0.9 -> 2/(2+0+1) = 2/3; 0.5 -> 4/(4+2+0) = 2/3; 0.2 -> 4/7. Tie 2/3: the lower threshold 0.5 wins.
//   Full recall: threshold 0.5, NG {0.9, 0.5, 0.5, 0.5} -> tp2 fp2, precision 1/2, false rejects 2/3.
const B = { s: [0.5, 0.5, 0.5, 0.2, 0.9], l: [1, 0, 0, 0, 1] as Label[] };

test('auroc matches hand-computed Mann-Whitney values', () => {
  close(auroc(A.s, A.l), 0.75);
  close(auroc(B.s, B.l), 5 / 6);
  close(auroc([0.1, 0.2, 0.3, 0.4], [0, 0, 1, 1]), 1); // perfect
  close(auroc([0.1, 0.2, 0.3, 0.4], [1, 1, 0, 0]), 0); // inverted
  close(auroc([0.5, 0.5, 0.5], [0, 1, 1]), 0.5); // all tied
  // Typed arrays work too; input order does not matter.
  close(auroc(Float32Array.from([0.8, 0.35, 0.4, 0.1]), Uint8Array.from([1, 1, 0, 0])), 0.75);
});

test('auroc equals the area under rocCurve (trapezoids)', () => {
  const rng = mulberry32(7);
  const s = Array.from({ length: 200 }, () => Math.round(rng() * 20) / 20); // many ties
  const l = s.map((v): Label => (rng() < 0.3 + 0.4 * v ? 1 : 0));
  const r = rocCurve(s, l);
  let area = 0;
  for (let i = 1; i < r.fpr.length; i++) area += ((r.fpr[i] - r.fpr[i - 1]) * (r.tpr[i] + r.tpr[i - 1])) / 2;
  close(auroc(s, l), area, 1e-9);
  // Brute-force pair count.
  let wins = 0;
  let pairs = 0;
  for (let i = 0; i < s.length; i++)
    for (let j = 0; j < s.length; j++)
      if (l[i] === 1 && l[j] === 0) {
        pairs++;
        wins += s[i] > s[j] ? 1 : s[i] === s[j] ? 0.5 : 0;
      }
  close(auroc(s, l), wins / pairs, 1e-12);
});

test('rocCurve has one point per distinct score, starting at (0,0)', () => {
  const a = rocCurve(A.s, A.l);
  assert.deepEqual(a.thresholds, [Infinity, 0.8, 0.4, 0.35, 0.1]);
  assert.deepEqual(a.fpr, [0, 0, 0.5, 0.5, 1]);
  assert.deepEqual(a.tpr, [0, 0.5, 0.5, 1, 1]);
  const b = rocCurve(B.s, B.l);
  assert.deepEqual(b.thresholds, [Infinity, 0.9, 0.5, 0.2]);
  assert.deepEqual(b.fpr, [0, 0, 2 / 3, 1]);
  assert.deepEqual(b.tpr, [0, 0.5, 1, 1]);
});

test('thresholdAtFullRecall: lowest defect score, ties counted as NG', () => {
  assert.deepEqual(thresholdAtFullRecall(A.s, A.l), { threshold: 0.35, precision: 2 / 3, recall: 1, falseRejectRate: 0.5 });
  assert.deepEqual(thresholdAtFullRecall(B.s, B.l), { threshold: 0.5, precision: 0.5, recall: 1, falseRejectRate: 2 / 3 });
  // Only defects: precision 1, nobody good to reject.
  assert.deepEqual(thresholdAtFullRecall([0.3, 0.7], [1, 1]), { threshold: 0.3, precision: 1, recall: 1, falseRejectRate: 0 });
  invalid(() => thresholdAtFullRecall([0.3], [0]));
});

test('confusionAt counts score >= threshold as NG', () => {
  assert.deepEqual(confusionAt(A.s, A.l, 0.4), {
    threshold: 0.4, tp: 1, fp: 1, tn: 1, fn: 1, precision: 0.5, recall: 0.5, f1: 0.5, falseRejectRate: 0.5, accuracy: 0.5,
  });
  // Threshold equal to a score is inclusive.
  const c = confusionAt([0.1, 0.2], [0, 1], 0.2);
  assert.equal(c.tp, 1);
  assert.equal(c.tn, 1);
  assert.equal(c.f1, 1);
  // B at 0.5: NG {0.5 x3, 0.9} -> tp2 fp2 tn1 fn0; f1 = 4/6; accuracy 3/5.
  const b = confusionAt(B.s, B.l, 0.5);
  assert.deepEqual([b.tp, b.fp, b.tn, b.fn], [2, 2, 1, 0]);
  close(b.f1, 2 / 3);
  close(b.accuracy, 0.6);
  close(b.falseRejectRate, 2 / 3);
});

test('confusionAt 0/0 conventions', () => {
  // Only good parts, none rejected: nothing predicted NG and nothing to miss.
  assert.deepEqual(confusionAt([0.1, 0.2], [0, 0], 0.5), {
    threshold: 0.5, tp: 0, fp: 0, tn: 2, fn: 0, precision: 1, recall: 1, f1: 1, falseRejectRate: 0, accuracy: 1,
  });
  // Only defects, all missed: precision 1 (no NG call was wrong), recall 0, f1 0, no good part to reject.
  assert.deepEqual(confusionAt([0.1, 0.2], [1, 1], 0.5), {
    threshold: 0.5, tp: 0, fp: 0, tn: 0, fn: 2, precision: 1, recall: 0, f1: 0, falseRejectRate: 0, accuracy: 0,
  });
  // Only good parts, all rejected: precision 0, recall 1 (vacuous), f1 0.
  const g = confusionAt([0.6, 0.7], [0, 0], 0.5);
  assert.deepEqual([g.precision, g.recall, g.f1, g.falseRejectRate, g.accuracy], [0, 1, 0, 1, 0]);
  const e = confusionAt([], [], 0.5);
  assert.deepEqual([e.precision, e.recall, e.f1, e.falseRejectRate, e.accuracy], [1, 1, 1, 0, 1]);
});

test('bestF1 picks the best threshold, lower one on ties', () => {
  assert.deepEqual(bestF1(A.s, A.l), { threshold: 0.35, f1: 0.8, precision: 2 / 3, recall: 1 });
  assert.deepEqual(bestF1(B.s, B.l), { threshold: 0.5, f1: 2 / 3, precision: 0.5, recall: 1 });
  // Perfect separation: threshold at the lowest defect.
  assert.deepEqual(bestF1([0.1, 0.2, 0.3, 0.4], [0, 0, 1, 1]), { threshold: 0.3, f1: 1, precision: 1, recall: 1 });
  invalid(() => bestF1([0.1, 0.2], [0, 0]));
});

test('bad input throws invalid-input', () => {
  invalid(() => auroc([0.1, 0.2], [0, 0])); // no defect
  invalid(() => auroc([0.1, 0.2], [1, 1])); // no good
  invalid(() => auroc([], []));
  invalid(() => auroc([0.1, 0.2, 0.3], [0, 1]));
  invalid(() => auroc([0.1, NaN], [0, 1]));
  invalid(() => auroc([0.1, 0.2], [0, 2]));
  invalid(() => auroc([0.1, 0.2], [0, 0.5]));
  invalid(() => rocCurve([0.1], [1]));
  invalid(() => confusionAt([0.1], [0, 1], 0.5));
  invalid(() => confusionAt([0.1], [0], NaN));
});

