/** Notice banners: one per cause, updated in place, taken down when the cause ends; repeats counted, never stacked. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Notice } from '../../main/common/api.js';
import { MAX_NOTICES, noticesAfter, type ShownNotice } from '../../renderer/src/lib/notices.js';

const at = new Date(0).toISOString();
const n = (level: Notice['level'], message: string, key?: string): Notice => ({ level, message, at, ...(key ? { key } : {}) });

test('a lost folder retrying three times is one banner with the latest countdown, gone when the folder is back', () => {
  let shown: ShownNotice[] = [];
  for (const s of [1, 2, 4]) shown = noticesAfter(shown, n('warning', `source cam1 lost: gone (retrying in ${s}s)`, 'source'));
  assert.equal(shown.length, 1);
  assert.match(shown[0]!.message, /retrying in 4s/);
  const id = shown[0]!.id;
  shown = noticesAfter(shown, n('warning', 'source cam1 lost: gone (retrying in 8s)', 'source'));
  assert.equal(shown[0]!.id, id, 'the same banner, updated (not a new one)');
  shown = noticesAfter(shown, n('info', 'source cam1 running again', 'source'));
  assert.deepEqual(shown, []);
});

test('an alarm cleared by its key goes; other banners stay; info without a key shows nothing', () => {
  let shown: ShownNotice[] = [];
  shown = noticesAfter(shown, n('error', 'part queue full', 'alarm:queue-full'));
  shown = noticesAfter(shown, n('warning', 'log upkeep failed'));
  shown = noticesAfter(shown, n('info', 'resumed the line source'));
  assert.deepEqual(shown.map((s) => s.message), ['part queue full', 'log upkeep failed']);
  shown = noticesAfter(shown, n('info', 'cleared: part queue full', 'alarm:queue-full'));
  assert.deepEqual(shown.map((s) => s.message), ['log upkeep failed']);
});

test('the same message without a key counts up instead of stacking; at most MAX_NOTICES banners', () => {
  let shown: ShownNotice[] = [];
  for (let i = 0; i < 3; i++) shown = noticesAfter(shown, n('warning', 'broken.png: not an image'));
  assert.equal(shown.length, 1);
  assert.equal(shown[0]!.repeats, 3);
  for (let i = 0; i < 10; i++) shown = noticesAfter(shown, n('error', `problem ${i}`));
  assert.equal(shown.length, MAX_NOTICES);
  assert.equal(shown.at(-1)!.message, 'problem 9');
});
