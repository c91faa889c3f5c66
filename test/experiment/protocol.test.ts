/**
 * The experiment's test-image protocols on the shared screws: 'even' and 'odd' are the two halves the sixth round
 * chose settings on and reported on (README, Results), and the same halves as the feedback experiment's validation and
 * test sets, so a figure reported on 'odd' never saw an image settings were chosen on.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SCREW } from '../helpers.js';
import { listMvtec } from '../../main/dataset/mvtec.js';
import { protocolTake, selectTestImages } from '../../main/experiment/patchcore-experiment.js';
import { splitValidationTest } from '../../main/experiment/feedback-experiment.js';

test('protocolTake: seed = first five, full = all, even / odd = alternate positions', () => {
  const list = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
  assert.deepEqual(protocolTake(list, 'seed'), ['a', 'b', 'c', 'd', 'e']);
  assert.deepEqual(protocolTake(list, 'full'), list);
  assert.deepEqual(protocolTake(list, 'even'), ['a', 'c', 'e', 'g']);
  assert.deepEqual(protocolTake(list, 'odd'), ['b', 'd', 'f']);
});

test("even and odd halves of the shared test set: disjoint, together the whole set, the feedback experiment's split", async () => {
  const listing = await listMvtec(SCREW);
  const key = (i: { defectType: string; name: string }) => `${i.defectType}/${i.name}`;
  const full = selectTestImages(listing.test, 'all', 'full', listing.defectTypes).map(key);
  const even = selectTestImages(listing.test, 'all', 'even', listing.defectTypes).map(key);
  const odd = selectTestImages(listing.test, 'all', 'odd', listing.defectTypes).map(key);
  assert.equal(full.length, 96);
  assert.equal(even.length, 49, '13 good + 36 defects');
  assert.equal(odd.length, 47, '12 good + 35 defects');
  assert.equal(new Set([...even, ...odd]).size, full.length);
  assert.deepEqual([...even, ...odd].sort(), [...full].sort());
  const split = splitValidationTest(listing.test);
  assert.deepEqual(split.validation.map(key).sort(), [...even].sort());
  assert.deepEqual(split.test.map(key).sort(), [...odd].sort());
});
