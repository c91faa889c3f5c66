import { test } from 'node:test';
import assert from 'node:assert/strict';
import { summarize } from '../../main/evaluation/summarize.js';
import { StationFault } from '../../main/common/result.js';

const close = (a: number | null | undefined, b: number) => assert.ok(a != null && Math.abs(a - b) < 1e-12, `${a} != ${b}`);

// goods {0.1, 0.4}; scratch {0.35, 0.8}; thread {0.5}.
//   Overall: 0.35 beats 1, 0.8 beats 2, 0.5 beats 2 -> 5/6. Full recall at 0.35: NG {0.4, 0.35, 0.8, 0.5} -> precision 3/4.
//   scratch vs goods: case A -> 0.75. thread vs goods: 1.0.
//   At the overall threshold 0.35, thread group: tp1 (0.5), fp1 (0.4), tn1 -> precision 1/2, recall 1.
const records = [
  { score: 0.1, label: 0 as const, defectType: 'good' },
  { score: 0.4, label: 0 as const },
  { score: 0.35, label: 1 as const, defectType: 'scratch' },
  { score: 0.8, label: 1 as const, defectType: 'scratch' },
  { score: 0.5, label: 1 as const, defectType: 'thread' },
];

test('summarize gives overall and per-type metrics', () => {
  const s = summarize(records);
  assert.equal(s.thresholdSource, 'full-recall');
  assert.equal(s.threshold, 0.35);
  close(s.overall.auroc, 5 / 6);
  assert.equal(s.overall.defects, 3);
  assert.equal(s.overall.goods, 2);
  close(s.overall.fullRecall?.precision, 0.75);
  assert.deepEqual(Object.keys(s.perType), ['scratch', 'thread']);
  close(s.perType.scratch.auroc, 0.75);
  assert.equal(s.perType.scratch.count, 4);
  close(s.perType.thread.auroc, 1);
  assert.equal(s.perType.thread.atThreshold?.tp, 1);
  assert.equal(s.perType.thread.atThreshold?.fp, 1);
  close(s.perType.thread.atThreshold?.precision, 0.5);
  // Per-type best F1 uses the type's own scores: thread 0.5 alone above both goods.
  assert.equal(s.perType.thread.bestF1?.threshold, 0.5);
  close(s.perType.thread.bestF1?.f1, 1);
});

test('summarize with a given threshold and with one class only', () => {
  const s = summarize(records, 0.45);
  assert.equal(s.thresholdSource, 'given');
  const c = s.overall.atThreshold!;
  assert.deepEqual([c.tp, c.fp, c.tn, c.fn], [2, 0, 2, 1]); // 0.8, 0.5 caught; 0.35 missed
  const goodOnly = summarize([{ score: 0.2, label: 0 }, { score: 0.3, label: 0 }]);
  assert.equal(goodOnly.overall.auroc, null);
  assert.equal(goodOnly.overall.bestF1, null);
  assert.equal(goodOnly.threshold, null);
  assert.deepEqual(goodOnly.perType, {});
  assert.throws(() => summarize([]), (e: unknown) => e instanceof StationFault && e.kind === 'invalid-input');
});
