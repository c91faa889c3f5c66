import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { StationFault } from '../../main/common/result.js';
import type { Progress } from '../../main/common/types.js';
import { CSV_COLUMNS, csvField, exportInspections } from '../../main/store/export.js';
import type { InspectionRecord, StationStore } from '../../main/store/interface.js';
import { openStore } from '../../main/store/store.js';
import { inspection, parseCsv, seed, tempDir } from './helpers.js';

const ROWS = 10_000;

// A real gc() so heap samples measure what is retained, not young-generation garbage waiting to be swept.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
/** Heap bytes still reachable right now. */
function liveHeap(): number {
  gc();
  return process.memoryUsage().heapUsed;
}
const TRICKY = ['plain', 'a,b', 'say "hi"', 'line1\nline2', 'crlf\r\nend', ' lead', 'trail ', '"', '', 'ünï ✓ 螺丝', '=1+2', '""",,\n'];

/** 10k rows whose text fields cycle through CSV edge cases; ~0.9 KB each so "whole dataset" is a visible amount. */
function fill(store: StationStore): void {
  seed(store);
  const batch = Array.from({ length: ROWS }, (_, i) =>
    inspection(i, {
      sourceName: TRICKY[i % TRICKY.length],
      framePath: i % 7 === 0 ? null : `/frames/${TRICKY[(i + 3) % TRICKY.length]}/${i}.png`,
      boxes: Array.from({ length: 6 }, (_, k) => ({ x: k, y: i % 1000, w: 10.5, h: 3, score: 0.123456789, label: TRICKY[(i + k) % TRICKY.length] })),
      score: i / ROWS,
    }),
  );
  store.recordInspections(batch);
}

function csvCells(r: InspectionRecord): string[] {
  return CSV_COLUMNS.map((c) => {
    const v = r[c];
    // Text that a spreadsheet would run as a formula reads back with the leading ' the export adds (common/csv.ts).
    const text = c === 'boxes' ? JSON.stringify(v) : v === null ? '' : String(v);
    return typeof v === 'string' && /^[=+\-@\t\r]/.test(v) ? `'${text}` : text;
  });
}

test('csvField quotes exactly what RFC 4180 needs', () => {
  assert.equal(csvField('abc'), 'abc');
  assert.equal(csvField('a,b'), '"a,b"');
  assert.equal(csvField('say "hi"'), '"say ""hi"""');
  assert.equal(csvField('x\ny'), '"x\ny"');
  assert.equal(csvField(' x'), '" x"');
  assert.equal(csvField(0.1), '0.1');
  assert.equal(csvField(null), '');
});

test('exports 10k rows as CSV and JSON, streamed, and they read back exactly', async (t) => {
  const dir = tempDir(t);
  const store = openStore(join(dir, 's.db'), { durability: 'normal' });
  t.after(() => store.close());
  let clock = performance.now();
  const lap = (what: string) => {
    t.diagnostic(`${what}: ${(performance.now() - clock).toFixed(0)} ms`);
    clock = performance.now();
  };
  fill(store);
  lap('insert 10k rows');
  // What holding the whole dataset in memory costs, to compare the export against.
  const heapEmpty = liveHeap();
  const expected = [...store.iterateInspections()];
  const wholeDataset = liveHeap() - heapEmpty;
  assert.equal(expected.length, ROWS);

  for (const format of ['csv', 'json'] as const) {
    const out = join(dir, 'exports', `log.${format}`);
    const progress: Progress[] = [];
    let peakHeap = 0;
    let sawPartialFile = false;
    const baseHeap = liveHeap();
    const n = await exportInspections(store, {}, format, out, (p) => {
      progress.push(p);
      if (progress.length % 5 === 2) peakHeap = Math.max(peakHeap, liveHeap()); // a few samples: gc() is slow
      // Streaming means bytes reach the disk while rows are still being read.
      if (p.done > 0 && p.done < p.total) {
        const tmp = readdirSync(join(dir, 'exports')).find((f) => f.endsWith('.tmp'));
        if (tmp && statSync(join(dir, 'exports', tmp)).size > 0) sawPartialFile = true;
      }
    });
    assert.equal(n, ROWS);
    lap(`${format} export`);
    assert.ok(sawPartialFile, 'the temp file grows during the export');
    assert.deepEqual(readdirSync(join(dir, 'exports')).filter((f) => f.endsWith('.tmp')), [], 'temp file renamed away');
    // Progress: starts at 0, never goes back, ends at total, several steps in between.
    assert.equal(progress[0].done, 0);
    assert.ok(progress.every((p) => p.total === ROWS && p.stage === 'export'));
    assert.ok(progress.every((p, i) => i === 0 || p.done >= progress[i - 1].done));
    assert.equal(progress[progress.length - 1].done, ROWS);
    assert.ok(progress.length >= 10, `${progress.length} progress reports`);

    const size = statSync(out).size;
    const growth = peakHeap - baseHeap;
    t.diagnostic(
      `${format}: ${(size / 1e6).toFixed(1)} MB file; live heap during export +${(growth / 1e6).toFixed(2)} MB ` +
        `vs ${(wholeDataset / 1e6).toFixed(1)} MB for the whole dataset in memory`,
    );
    // Streaming keeps about one chunk (500 rows) alive, not the dataset.
    assert.ok(growth < wholeDataset / 5, `live heap grew ${growth} bytes; the whole dataset is ${wholeDataset}`);

    const text = readFileSync(out, 'utf8');
    if (format === 'csv') {
      const rows = parseCsv(text);
      assert.deepEqual(rows[0], [...CSV_COLUMNS]);
      assert.equal(rows.length, ROWS + 1);
      const bad = expected.findIndex((r, i) => rows[i + 1].join('\u0000') !== csvCells(r).join('\u0000'));
      if (bad >= 0) assert.deepEqual(rows[bad + 1], csvCells(expected[bad]), `row ${bad}`);
      // The boxes column is JSON and round-trips, labels with quotes/commas/newlines included.
      assert.deepEqual(JSON.parse(rows[5][CSV_COLUMNS.indexOf('boxes')]), expected[4].boxes);
      assert.equal(Number(rows[9999][CSV_COLUMNS.indexOf('score')]), expected[9998].score);
    } else {
      const parsed = JSON.parse(text) as InspectionRecord[];
      assert.equal(parsed.length, ROWS);
      assert.deepEqual(parsed[1234], expected[1234]);
      assert.equal(JSON.stringify(parsed), JSON.stringify(expected)); // same keys, order and values for every row
    }
    lap(`${format} read-back`);
  }
});

test('export filters, ignores rows recorded meanwhile, cancels cleanly and never leaves a partial file', async (t) => {
  const dir = tempDir(t);
  const store = openStore(join(dir, 's.db'), { durability: 'normal' });
  t.after(() => store.close());
  seed(store);
  store.recordInspections(Array.from({ length: 3000 }, (_, i) => inspection(i)));

  // Rows written during the export (the main connection stays writable) are not in it; total stays exact.
  const out = join(dir, 'ng.json');
  let added = 0;
  const n = await exportInspections(store, { verdict: 'NG' }, 'json', out, (p) => {
    assert.equal(p.total, 1500);
    if (p.done > 0 && added < 3) {
      store.recordInspection(inspection(9));
      added += 1;
    }
  });
  assert.equal(added, 3);
  assert.equal(n, 1500);
  const rows = JSON.parse(readFileSync(out, 'utf8')) as InspectionRecord[];
  assert.equal(rows.length, 1500);
  assert.ok(rows.every((r) => r.verdict === 'NG'));

  // Empty result: a valid, empty file.
  assert.equal(await exportInspections(store, { modelId: 'nope' }, 'json', join(dir, 'empty.json')), 0);
  assert.deepEqual(JSON.parse(readFileSync(join(dir, 'empty.json'), 'utf8')), []);
  assert.equal(await exportInspections(store, { modelId: 'nope' }, 'csv', join(dir, 'empty.csv')), 0);
  assert.equal(readFileSync(join(dir, 'empty.csv'), 'utf8'), CSV_COLUMNS.join(',') + '\r\n');

  // Cancel midway: a 'cancelled' fault, the old file under the target name untouched, no temp left.
  const target = join(dir, 'ng.json');
  const before = readFileSync(target);
  const ac = new AbortController();
  await assert.rejects(
    exportInspections(store, {}, 'csv', target, (p) => {
      if (p.done > 0) ac.abort();
    }, ac.signal),
    (e: unknown) => e instanceof StationFault && e.kind === 'cancelled',
  );
  assert.deepEqual(readFileSync(target), before);
  assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
  // The cursor was released: the store still writes.
  store.recordInspection(inspection(1));

  await assert.rejects(exportInspections(store, {}, 'xml' as 'csv', join(dir, 'x')), (e: unknown) => (e as StationFault).kind === 'invalid-input');
  mkdirSync(join(dir, 'a-folder'));
  await assert.rejects(exportInspections(store, {}, 'csv', join(dir, 'a-folder')), (e: unknown) => (e as StationFault).kind === 'invalid-input');
  assert.ok(!existsSync(join(dir, 'x')));
});
