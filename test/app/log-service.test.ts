/**
 * The Log service answers pages, summaries and exports from its own worker thread on a read-only connection:
 * here the engine's store refuses every log read, so any answer proves the work ran in the reader worker.
 * Pages are keyset (offset still works for old callers), summaries count every verdict, exports cancel cleanly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StationFault } from '../../main/common/result.js';
import { LogService } from '../../main/services/log.js';
import type { JobContext } from '../../main/services/jobs.js';
import type { StationStore } from '../../main/store/interface.js';
import { openStore } from '../../main/store/store.js';
import { inspection, seed, tempDir } from '../store/helpers.js';

/** The engine's store with every log read forbidden (writes, get and upkeep still work). */
function writerOnly(store: StationStore): StationStore {
  const forbidden = new Set(['queryInspections', 'countInspections', 'summarizeInspections', 'iterateInspections', 'lastInspectionId']);
  return new Proxy(store, {
    get(target, key, recv) {
      if (typeof key === 'string' && forbidden.has(key)) return () => assert.fail(`${key} ran on the engine thread`);
      const v = Reflect.get(target, key, recv) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

const ctx = (signal = new AbortController().signal, seen: number[] = []): JobContext => ({ signal, progress: (p) => seen.push(p.done) });

test('pages, summaries and exports come from the log reader worker, never the engine thread', async (t) => {
  const dir = tempDir(t);
  const store = openStore(join(dir, 'station.db'), { durability: 'normal' });
  t.after(() => store.close());
  seed(store);
  store.recordInspections(Array.from({ length: 2000 }, (_, i) => inspection(i)));
  const log = new LogService(writerOnly(store), dir);
  t.after(() => log.dispose());

  const first = await log.query({ offset: 0, limit: 50, order: 'newest' });
  assert.equal(first.total, 2000);
  assert.deepEqual(
    first.items.map((r) => r.id),
    Array.from({ length: 50 }, (_, i) => 2000 - i),
  );
  assert.equal(first.items[0].sourceId, 'cam-1');
  const second = await log.query({ offset: 0, limit: 50, order: 'newest', after: first.next! });
  assert.equal(second.items[0].id, 1950);
  // Offset still works (walked by keyset), and agrees with the cursor.
  assert.deepEqual((await log.query({ offset: 50, limit: 50, order: 'newest' })).items, second.items);
  const oldest = await log.query({ offset: 0, limit: 10, order: 'oldest', verdict: 'NG' });
  assert.deepEqual(
    oldest.items.map((r) => r.id),
    [6, 7, 8, 9, 10, 16, 17, 18, 19, 20],
  );
  assert.equal(oldest.total, 1000);

  const s = await log.summary({ source: 'cam-0' });
  assert.deepEqual(s.byVerdict, { NG: 400, OK: 600 });
  assert.equal(s.total, 1000);
  assert.equal(s.ok, 600);
  assert.equal(s.from, inspection(0).time);

  const seen: number[] = [];
  const out = join(dir, 'ng.csv');
  const res = await log.export({ format: 'csv', path: out, filter: { verdict: 'NG' } }, ctx(undefined, seen));
  assert.equal(res.rows, 1000);
  assert.equal(readFileSync(out, 'utf8').trim().split(/\r\n/).length, 1001);
  assert.equal(seen[seen.length - 1], 1000);

  // Cancel: the job fails with 'cancelled' and leaves no file.
  const ac = new AbortController();
  const cancelled = log.export({ format: 'json', path: join(dir, 'all.json'), filter: {} }, { signal: ac.signal, progress: () => ac.abort() });
  await assert.rejects(cancelled, (e: unknown) => e instanceof StationFault && e.kind === 'cancelled');
  assert.ok(!existsSync(join(dir, 'all.json')));

  // The writer keeps recording meanwhile and the reader sees it on the next request.
  store.recordInspection(inspection(5000));
  assert.equal((await log.query({ offset: 0, limit: 1, order: 'newest' })).total, 2001);
  log.maintain();
});
