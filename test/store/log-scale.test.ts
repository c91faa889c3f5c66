/**
 * The log at scale (issue 15): counts from the summary agree with the rows for any filter and time range,
 * keyset pages walk the whole log without gaps or repeats in both orders, every Log screen query uses an index
 * in order (no sort, no full scan), a read-only store reads but never writes, and archiving moves exactly the
 * rows before a date into a self-describing SQLite file and touches nothing else.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { StationFault } from '../../main/common/result.js';
import type { InspectionFilter, InspectionRecord, NewInspection, StationStore } from '../../main/store/interface.js';
import { openStore, timeSegments } from '../../main/store/store.js';
import { seed, tempDir } from './helpers.js';

const T0 = Date.UTC(2026, 0, 30, 20, 17, 0);

/** Rows spread over ~3 days at an irregular pace, 3 verdicts, 2 models, 3 sources, out-of-order times. */
function rows(n: number): NewInspection[] {
  return Array.from({ length: n }, (_, i) => {
    const verdict = i % 17 === 0 ? 'NG' : i % 41 === 0 ? 'ERROR' : 'OK';
    // Mostly increasing, with some rows a few minutes "late" (capture time before an earlier row's).
    const t = T0 + i * 197_000 + (i % 13 === 0 ? -600_000 : 0);
    return {
      time: new Date(t).toISOString(),
      sourceId: `cam-${i % 3}`,
      sourceName: `Camera ${i % 3}`,
      productId: 'screw',
      modelId: i % 5 === 0 ? 'pc-2' : 'pc-1',
      score: (i % 10) / 10,
      threshold: 0.5,
      verdict,
      boxes: verdict === 'NG' ? [{ x: 1, y: 2, w: 3, h: 4, score: 0.9, label: 'scratch' }] : [],
      framePath: `/frames/${i}.png`,
      latencyMs: 10 + (i % 7),
      executionProvider: 'cpu',
    } as NewInspection;
  });
}

function open(t: { after(fn: () => void): void }, dir = tempDir(t)): StationStore {
  const store = openStore(join(dir, 'log.db'), { durability: 'normal' });
  t.after(() => store.close());
  seed(store);
  store.createModel({ id: 'pc-2', kind: 'patchcore', productId: 'screw', artifactPath: '/m/2', backbone: 'b' });
  return store;
}

const matches = (r: InspectionRecord, f: InspectionFilter) =>
  (f.from === undefined || r.time >= f.from) &&
  (f.to === undefined || r.time < f.to) &&
  (f.verdict === undefined || r.verdict === f.verdict) &&
  (f.modelId === undefined || r.modelId === f.modelId) &&
  (f.sourceId === undefined || r.sourceId === f.sourceId) &&
  (f.beforeId === undefined || r.id < f.beforeId) &&
  (f.afterId === undefined || r.id > f.afterId);

test('timeSegments covers [from, to) exactly with days, hours and raw edges', () => {
  const H = 3_600_000;
  for (const [from, to] of [
    [undefined, undefined],
    ['2026-01-01T10:15:00.000Z', undefined],
    [undefined, '2026-01-03T00:00:00.000Z'],
    ['2026-01-01T10:15:00.000Z', '2026-01-01T10:45:00.000Z'],
    ['2026-01-01T10:15:00.000Z', '2026-01-01T13:45:00.000Z'],
    ['2026-01-01T10:15:00.000Z', '2026-01-04T13:45:00.001Z'],
    ['2026-01-01T00:00:00.000Z', '2026-01-02T00:00:00.000Z'],
  ] as const) {
    const segs = timeSegments(from, to);
    let at = from === undefined ? -Infinity : Date.parse(from);
    for (const s of segs) {
      assert.equal(s.a, at, `contiguous at ${s.a}`);
      if (s.span === 0) assert.ok(s.b - s.a < H && Number.isFinite(s.a) && Number.isFinite(s.b), 'raw pieces are partial hours');
      if (s.span === 13) assert.ok(s.a % H === 0 && s.b % H === 0);
      if (s.span === 10) assert.ok((s.a % (24 * H) === 0 || s.a === -Infinity) && (s.b % (24 * H) === 0 || s.b === Infinity));
      at = s.b;
    }
    assert.equal(at, to === undefined ? Infinity : Date.parse(to));
  }
  assert.deepEqual(timeSegments('2026-01-02T00:00:00.000Z', '2026-01-01T00:00:00.000Z'), []);
});

test('counts and summaries from the summary table equal the rows for every filter, across inserts, updates and deletes', (t) => {
  const store = open(t);
  store.recordInspections(rows(1500));
  const all = [...store.iterateInspections()];
  const times = ['2026-01-31T03:00:00.000Z', '2026-01-31T03:21:07.123Z', '2026-02-01T00:00:00.000Z', '2026-02-02T11:59:59.999Z', '2026-01-30T20:17:00.000Z'];
  const filters: InspectionFilter[] = [{}];
  for (const verdict of [undefined, 'OK', 'NG', 'ERROR'] as const)
    for (const modelId of [undefined, 'pc-2'])
      for (const sourceId of [undefined, 'cam-1'])
        for (const [from, to] of [
          [undefined, undefined],
          [times[1], times[3]],
          [times[0], times[2]],
          [times[4], times[1]],
          [undefined, times[1]],
          [times[3], undefined],
        ])
          filters.push({ verdict, modelId, sourceId, from, to });
  filters.push({ beforeId: 700 }, { beforeId: 700, verdict: 'NG', from: times[1] }, { afterId: 1400 }, { afterId: 100, beforeId: 200, modelId: 'pc-1' });
  const check = (label: string) => {
    const rowsNow = [...store.iterateInspections()];
    for (const f of filters) {
      const want = rowsNow.filter((r) => matches(r, f));
      assert.equal(store.countInspections(f), want.length, `${label}: count ${JSON.stringify(f)}`);
      const s = store.summarizeInspections(f);
      const byVerdict: Record<string, number> = {};
      for (const r of want) byVerdict[r.verdict] = (byVerdict[r.verdict] ?? 0) + 1;
      assert.deepEqual({ ...s.byVerdict }, byVerdict, `${label}: by verdict ${JSON.stringify(f)}`);
      assert.equal(s.total, want.length);
      const ts = want.map((r) => r.time).sort();
      assert.equal(s.from, ts[0] ?? null);
      assert.equal(s.to, ts[ts.length - 1] ?? null);
    }
  };
  assert.ok(
    all.some((r) => r.verdict === 'ERROR'),
    'a third verdict is counted like the others',
  );
  check('after insert');
  // The summary follows updates and deletes too (triggers), in the same transaction.
  const raw = new Database(store.path);
  t.after(() => raw.close());
  raw.prepare(`UPDATE inspections SET verdict = 'NG', time = '2026-02-05T01:02:03.000Z' WHERE id % 97 = 0`).run();
  raw.prepare(`DELETE FROM inspections WHERE id % 89 = 0`).run();
  check('after update and delete');
  const drift = raw
    .prepare(
      `SELECT count(*) FROM (SELECT span, bucket, verdict, model_id, source_id, product_id, n FROM inspection_counts
       EXCEPT SELECT 13, substr(time, 1, 13), verdict, model_id, source_id, product_id, count(*) FROM inspections GROUP BY 2, 3, 4, 5, 6
       EXCEPT SELECT 10, substr(time, 1, 10), verdict, model_id, source_id, product_id, count(*) FROM inspections GROUP BY 2, 3, 4, 5, 6)`,
    )
    .pluck()
    .get();
  assert.equal(drift, 0, 'no summary row disagrees with the log (and none is left at zero)');
});

test('keyset pages walk the whole filtered log in (time, id) order, both ways, without gaps or repeats', (t) => {
  const store = open(t);
  store.recordInspections(rows(700));
  const all = [...store.iterateInspections()];
  for (const f of [
    {},
    { verdict: 'NG' as const },
    { modelId: 'pc-2', from: '2026-01-31T00:00:00.000Z' },
    { sourceId: 'cam-2', to: '2026-02-01T05:00:00.000Z' },
  ]) {
    const want = all
      .filter((r) => matches(r, f))
      .sort((a, b) => (a.time < b.time ? 1 : a.time > b.time ? -1 : b.id - a.id))
      .map((r) => r.id);
    for (const order of ['newest', 'oldest'] as const) {
      const got: number[] = [];
      let after;
      for (let guard = 0; guard < 1000; guard++) {
        const page = store.queryInspections({ ...f, limit: 23, order, after });
        got.push(...page.items.map((r) => r.id));
        if (!page.next) break;
        after = page.next;
      }
      assert.deepEqual(got, order === 'newest' ? want : [...want].reverse(), `${order} ${JSON.stringify(f)}`);
    }
  }
});

test('every Log screen query walks an index in order: no temporary sort, no full table scan', (t) => {
  const store = open(t);
  store.recordInspections(rows(300));
  store.maintain();
  const day = { from: '2026-01-31T00:00:00.000Z', to: '2026-02-01T00:00:00.000Z' };
  const shapes: [string, InspectionFilter][] = [
    ['newest', {}],
    ['verdict', { verdict: 'NG' }],
    ['verdict + day', { verdict: 'OK', ...day }],
    ['source', { sourceId: 'cam-1' }],
    ['source + day', { sourceId: 'cam-1', ...day }],
    ['model', { modelId: 'pc-2' }],
    ['model + verdict', { modelId: 'pc-2', verdict: 'NG' }],
    ['model + verdict + day', { modelId: 'pc-2', verdict: 'NG', ...day }],
    ['day', day],
  ];
  for (const [name, f] of shapes) {
    for (const order of ['newest', 'oldest'] as const) {
      const plan = store.explainInspectionQuery({ ...f, limit: 25, order, after: { time: '2026-02-01T10:00:00.000Z', id: 200 } }).join('\n');
      assert.doesNotMatch(plan, /TEMP B-TREE/, `${name} ${order}: ${plan}`);
      assert.match(plan, /USING (COVERING )?INDEX inspections_\w*time/, `${name} ${order}: ${plan}`);
    }
  }
  const raw = new Database(store.path, { readonly: true });
  t.after(() => raw.close());
  const idx = raw
    .prepare(`SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'inspections' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
    .pluck()
    .all();
  // 0009's partial indexes serve retention and lot counts, never a Log screen query (the plans above).
  assert.deepEqual(idx, [
    'inspections_lot',
    'inspections_media_kept',
    'inspections_media_unmeasured',
    'inspections_model_time',
    'inspections_model_verdict_time',
    'inspections_source_time',
    'inspections_time',
    'inspections_verdict_time',
  ]);
});

test('a read-only store reads the log and refuses writes with an io fault', (t) => {
  const dir = tempDir(t);
  const store = open(t, dir);
  store.recordInspections(rows(50));
  const ro = openStore(store.path, { readonly: true });
  t.after(() => ro.close());
  assert.equal(ro.countInspections(), 50);
  assert.equal(ro.queryInspections({ limit: 5 }).items.length, 5);
  assert.equal(
    (() => {
      try {
        ro.recordInspection(rows(1)[0]);
      } catch (e) {
        return (e as StationFault).kind;
      }
      return 'wrote';
    })(),
    'io',
  );
  // Rows written meanwhile by the writer are seen by the next read.
  store.recordInspections(rows(3));
  assert.equal(ro.countInspections(), 53);
});

test('archive: rows before the date go to a self-describing SQLite file and leave the log; nothing else is touched', (t) => {
  const dir = tempDir(t);
  const store = open(t, dir);
  store.recordInspections(rows(900));
  store.setThreshold({ productId: 'screw', value: 0.5, who: 'anna', why: 'start' });
  const cut = '2026-02-01T00:00:00.000Z';
  const before = [...store.iterateInspections()];
  const inRange = before.filter((r) => r.time < cut);
  const kept = before.filter((r) => r.time >= cut);
  assert.ok(inRange.length > 100 && kept.length > 100);
  const rawBefore = new Database(store.path, { readonly: true });
  const snapshot = (db: Database.Database) => ({
    products: db.prepare('SELECT * FROM products ORDER BY id').all(),
    models: db.prepare('SELECT * FROM models ORDER BY id').all(),
    history: db.prepare('SELECT * FROM threshold_history ORDER BY id').all(),
  });
  const other = snapshot(rawBefore);
  rawBefore.close();

  const out = join(dir, 'archive', 'before-feb.sqlite');
  const res = store.archiveInspections(cut, out);
  assert.equal(res.rows, inRange.length);
  assert.equal(res.path, out);
  assert.equal(res.vacuum, 'incremental', 'a log created by this version vacuums incrementally');
  assert.equal(res.firstTime, inRange.map((r) => r.time).sort()[0]);

  // The log: exactly the rows at or after the date, unchanged; counts agree; nothing else changed.
  assert.deepEqual([...store.iterateInspections()], kept);
  assert.equal(store.countInspections(), kept.length);
  assert.equal(store.countInspections({ to: cut }), 0);
  const raw = new Database(store.path, { readonly: true });
  t.after(() => raw.close());
  assert.deepEqual(snapshot(raw), other);
  assert.deepEqual(store.checkIntegrity(), ['ok']);
  // Ids are never reused after the purge.
  assert.ok(store.recordInspection({ ...rows(1)[0], time: '2026-02-03T00:00:00.000Z' }).id > before[before.length - 1].id);

  // The archive: the same rows, column for column, plus what describes them.
  const a = new Database(out, { readonly: true });
  t.after(() => a.close());
  const info = Object.fromEntries((a.prepare('SELECT key, value FROM archive_info').all() as { key: string; value: string }[]).map((r) => [r.key, r.value]));
  assert.equal(info.format, 'inspection-station log archive');
  assert.equal(info.before, cut);
  assert.equal(Number(info.rows), inRange.length);
  const archived = a.prepare('SELECT * FROM inspections ORDER BY id').all() as { id: number; time: string; boxes: string; verdict: string }[];
  assert.deepEqual(
    archived.map((r) => [r.id, r.time, r.verdict, JSON.parse(r.boxes)]),
    inRange.map((r) => [r.id, r.time, r.verdict, r.boxes]),
  );
  assert.deepEqual(a.prepare('SELECT id FROM models ORDER BY id').pluck().all(), ['pc-1', 'pc-2']);
  assert.deepEqual(a.prepare('SELECT id FROM products').pluck().all(), ['screw']);

  // Never over an existing file; an empty range gives an empty archive and deletes nothing.
  assert.equal(
    (() => {
      try {
        store.archiveInspections(cut, out);
      } catch (e) {
        return (e as StationFault).kind;
      }
      return 'overwrote';
    })(),
    'invalid-input',
  );
  const empty = store.archiveInspections(cut, join(dir, 'empty.sqlite'));
  assert.equal(empty.rows, 0);
  assert.equal(store.countInspections(), kept.length + 1);
  assert.ok(!existsSync(`${out}.${process.pid}.tmp`));
});

test('archive converts a log made before incremental vacuum once, with a full VACUUM', (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'old.db');
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE placeholder (x)'); // a table before the store opens: no auto_vacuum, as on older stations
  db.exec('DROP TABLE placeholder');
  db.close();
  // An empty schema with user_version 0 counts as new; simulate an old station file by migrating it via openStore.
  const store = openStore(path, { durability: 'normal' });
  t.after(() => store.close());
  seed(store);
  store.createModel({ id: 'pc-2', kind: 'patchcore', productId: 'screw', artifactPath: '/m/2', backbone: 'b' });
  const raw = new Database(path);
  raw.pragma('auto_vacuum = NONE');
  raw.exec('VACUUM');
  raw.close();
  store.recordInspections(rows(400));
  const res = store.archiveInspections('2026-01-31T12:00:00.000Z', join(dir, 'a.sqlite'));
  assert.ok(res.rows > 0);
  assert.equal(res.vacuum, 'full');
  const again = store.archiveInspections('2026-02-01T00:00:00.000Z', join(dir, 'b.sqlite'));
  assert.equal(again.vacuum, 'incremental');
  assert.deepEqual(store.checkIntegrity(), ['ok']);
});
