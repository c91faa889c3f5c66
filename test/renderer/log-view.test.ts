/**
 * The Log screen follows new inspections from the `onAppended` event alone: the newest page and the counts
 * update in place (no reload, no recount), other pages only count what is pending; keyset moves keep positions.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { InspectionRecord, LogSummary } from '../../main/common/api.js';
import { EMPTY_VIEW, PAGE, appendToSummary, appendToView, matchesFilter, pageQuery, viewAfter } from '../../renderer/src/screens/log/log-view.js';

const rec = (id: number, over: Partial<InspectionRecord> = {}): InspectionRecord => ({
  id,
  at: new Date(Date.UTC(2026, 0, 1) + id * 1000).toISOString(),
  source: 'Camera 1/a.png',
  sourceId: 'cam-1',
  modelId: 'pc-1',
  score: 0.1,
  threshold: 0.5,
  verdict: 'OK',
  boxes: [],
  latencyMs: 5,
  frame: null,
  heatmap: null,
  thumbnail: null,
  ...over,
});

test('matchesFilter applies the store rules: from inclusive, to exclusive, source by id', () => {
  const r = rec(10);
  assert.ok(matchesFilter(r, {}));
  assert.ok(matchesFilter(r, { from: r.at, source: 'cam-1', verdict: 'OK', modelId: 'pc-1' }));
  assert.ok(!matchesFilter(r, { to: r.at }));
  assert.ok(!matchesFilter(r, { source: 'Camera 1/a.png' }));
  assert.ok(!matchesFilter(r, { verdict: 'NG' }));
  assert.ok(matchesFilter(rec(1, { sourceId: undefined, source: 'cam-9' }), { source: 'cam-9' }), 'older records without sourceId');
});

test('a new inspection joins the newest page (which keeps its size) and the counts; other pages count it as pending', () => {
  const newest = viewAfter(
    EMPTY_VIEW,
    'newest',
    Array.from({ length: PAGE }, (_, i) => rec(100 - i)),
    true,
    100,
  );
  const v = appendToView(newest, rec(101, { verdict: 'NG' }), {});
  assert.equal(v.items.length, PAGE);
  assert.deepEqual(
    v.items.slice(0, 2).map((r) => r.id),
    [101, 100],
  );
  assert.equal(v.items[PAGE - 1].id, 77);
  assert.equal(appendToView(v, rec(101), {}), v, 'the same record twice is shown once');
  assert.equal(appendToView(v, rec(102), { verdict: 'NG' }), v, 'a record outside the filter changes nothing');

  const older = viewAfter(
    newest,
    'older',
    Array.from({ length: PAGE }, (_, i) => rec(75 - i)),
    true,
    100,
  );
  assert.equal(older.start, PAGE);
  const o2 = appendToView(appendToView(older, rec(101), {}), rec(102), {});
  assert.equal(o2.pendingNew, 2);
  assert.deepEqual(o2.items, older.items);

  const s: LogSummary = { total: 100, ok: 90, ng: 10, byVerdict: { OK: 90, NG: 10 }, from: rec(1).at, to: rec(100).at };
  const s2 = appendToSummary(appendToSummary(s, rec(101, { verdict: 'NG' }), {}), rec(102, { verdict: 'ERROR' }), {});
  assert.deepEqual(s2, { total: 102, ok: 90, ng: 11, byVerdict: { OK: 90, NG: 11, ERROR: 1 }, from: rec(1).at, to: rec(102).at });
  assert.equal(appendToSummary(s, rec(101), { verdict: 'NG' }), s);
  assert.equal(appendToSummary(null, rec(101), {}), null, 'nothing to update before the summary arrives');
});

test('keyset moves: older walks back from the last row, newer forward from the first, oldest lands at the end', () => {
  const newest = viewAfter(EMPTY_VIEW, 'newest', [rec(30), rec(29)], true, 60);
  assert.deepEqual(pageQuery(newest, 'older'), { order: 'newest', after: { time: rec(29).at, id: 29 } });
  assert.deepEqual(pageQuery(newest, 'newer'), { order: 'oldest', after: { time: rec(30).at, id: 30 } });
  assert.deepEqual(pageQuery(newest, 'newest'), { order: 'newest' });
  assert.deepEqual(pageQuery(newest, 'oldest'), { order: 'oldest' });
  const older = viewAfter(newest, 'older', [rec(28), rec(27)], true, 60);
  assert.deepEqual([older.start, older.hasNewer, older.hasOlder], [2, true, true]);
  const back = viewAfter(older, 'newer', [rec(29), rec(30)], true, 60);
  assert.deepEqual(
    back.items.map((r) => r.id),
    [30, 29],
  );
  assert.equal(back.start, 0);
  const oldest = viewAfter(back, 'oldest', [rec(1), rec(2)], true, 60);
  assert.deepEqual(
    oldest.items.map((r) => r.id),
    [2, 1],
  );
  assert.deepEqual([oldest.start, oldest.hasOlder, oldest.hasNewer], [58, false, true]);
});
