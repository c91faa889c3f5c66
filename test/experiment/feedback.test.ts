/**
 * `station experiment --feedback N` on the shared screws (a smaller canvas to stay quick): only good training images
 * outside the training set are learned, each one the model rejected and then scores lower (below the threshold unless
 * protected defect patches were withheld), no validation defect escapes, a later training set (--subsets) learns from
 * the images before it too, and --reach names only good images that do take a rejected test good part below the threshold.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SCREW } from '../helpers.js';
import { figures, runFeedbackExperiment } from '../../main/experiment/feedback-experiment.js';
import { subsetsTable } from '../../main/cli/commands-feedback.js';

const config = { registration: { width: 384, height: 160 } };

test('feedback experiment: learned parts come from train/good outside the training set and pass afterwards; validation recall kept', { timeout: 600_000 }, async () => {
  const r = await runFeedbackExperiment({ dir: SCREW, train: 10, trainFrom: 10, feedback: 3, config, reach: true });
  assert.deepEqual(r.split, { validationGood: 13, validationDefects: 36, testGood: 12, testDefects: 35 });
  assert.equal(r.candidates, 90, 'train/good 000-009 and 020-099');
  assert.ok(r.learned.length <= 3 && r.learned.length <= r.candidatesRejected);
  assert.ok(r.learned.length > 0, `some of the ${r.candidatesRejected} rejected good parts are learned (threshold ${r.threshold})`);
  for (const l of r.learned) {
    assert.ok(!/^01\d\.png$/.test(l.name), `${l.name} is a training image`);
    assert.ok(l.scoreBefore >= r.threshold && l.scoreAfter < l.scoreBefore, `${l.name}: ${l.scoreBefore} -> ${l.scoreAfter} (threshold ${r.threshold})`);
    // Only the protected validation defects' patches can keep a learned part above the threshold.
    if (l.scoreAfter >= r.threshold) assert.ok(l.withheld > 0, `${l.name} still rejected (${l.scoreAfter}) with nothing withheld`);
  }
  // Every validation defect's scoring patches are protected, so no learned version lets one escape.
  assert.deepEqual(r.refused, []);
  assert.equal(r.before.validationRecall, 1, 'the threshold is at recall = 1 on validation');
  assert.equal(r.after.validationRecall, 1, 'a version that lets a validation defect escape is not kept');
  assert.equal(r.recalibrated.validationRecall, 1);
  assert.ok(r.after.bankSize > r.before.bankSize);
  // The rejected test good parts are named, as many as the false-reject counts say, and only good ones of the test
  // half (odd positions: good/001, 003, ...), never validation ones.
  assert.equal(r.before.testGoodRejected.length, r.before.testFalseRejects);
  assert.equal(r.after.testGoodRejected.length, r.after.testFalseRejects);
  for (const n of [...r.before.testGoodRejected, ...r.after.testGoodRejected]) assert.match(n, /^good\/\d\d[13579]\.png$/);
  // The missed test defects likewise: as many as recall says, defect images only.
  for (const f of [r.before, r.after, r.recalibrated]) {
    assert.equal(f.testDefectsMissed.length, Math.round((1 - f.testRecall) * f.testDefects));
    for (const n of f.testDefectsMissed) {
      assert.doesNotMatch(n, /^good\//);
      assert.match(n, /^[a-z_]+\/\d\d[13579]\.png$/, `${n} is not in the test half`);
    }
  }
  // --reach: one entry per test good part still rejected; each helper is a good image outside the training set that,
  // learned alone, takes it below the threshold in force; "rejected" says whether the model would have rejected it.
  assert.deepEqual(r.reach!.map((x) => x.testGood), r.after.testGoodRejected);
  assert.ok(r.reach!.length > 0, 'this training set leaves a test good part rejected, so --reach has something to explain');
  for (const x of r.reach!) {
    assert.ok(x.score >= r.thresholdAfter, `${x.testGood} ${x.score}`);
    for (const h of x.helpers) {
      assert.ok(!/^01\d\.png$/.test(h.name) && h.scoreAfter < r.thresholdAfter && h.rejected === h.candidateScore >= r.thresholdAfter, JSON.stringify(h));
    }
  }
  const text = subsetsTable([{ from: 10, r }], 10);
  assert.match(text, /010-019/);
  assert.match(text, new RegExp(`${r.before.testFalseRejects}/12 -> ${r.after.testFalseRejects}/12`));
});

test('feedback figures: a part at the threshold is rejected; false rejects and escapes are named', () => {
  const scored = (name: string, label: 0 | 1, score: number) => ({ name, label, score });
  const test_ = [scored('good/001.png', 0, 3.0), scored('good/003.png', 0, 4.0), scored('good/005.png', 0, 5.0), scored('thread_side/001.png', 1, 3.99), scored('thread_top/003.png', 1, 4.0), scored('scratch_neck/005.png', 1, 6)];
  const val = [scored('good/000.png', 0, 4.5), scored('good/002.png', 0, 1), scored('scratch_head/000.png', 1, 3.5)];
  const f = figures(val, test_, 4.0, 123);
  assert.deepEqual(f.testGoodRejected, ['good/003.png', 'good/005.png']);
  assert.equal(f.testFalseRejects, 2);
  assert.equal(f.testFalseRejectRate, 2 / 3);
  assert.deepEqual(f.testDefectsMissed, ['thread_side/001.png']);
  assert.equal(f.testRecall, 2 / 3);
  assert.equal(f.validationRecall, 0);
  assert.equal(f.validationFalseRejectRate, 0.5);
  assert.equal(f.bankSize, 123);
});
