/**
 * Item 12: what the SIGKILL test cannot see. A killed process loses nothing under synchronous FULL, NORMAL or
 * even OFF (the OS page cache survives a process kill), so the durability the store promises against power loss
 * is asserted here on the store's own connection; and a full disk is provoked through the store's own write
 * path (its connection capped with max_page_count), not through a second raw connection.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Database } from 'better-sqlite3';
import { openStore } from '../../main/store/store.js';
import type { StationStore } from '../../main/store/interface.js';
import { inspection, seed, tempDir } from './helpers.js';

/** The store's own connection (private): pragmas like `synchronous` are per connection, invisible from another. */
function connectionOf(store: StationStore): Database {
  const db = (store as unknown as { db?: Database }).db;
  assert.ok(db, 'the store keeps its connection in `db`');
  return db;
}

test('the store sets WAL, synchronous FULL (NORMAL when asked), foreign keys and a busy timeout on its connection', (t) => {
  const dir = tempDir(t);
  const full = openStore(join(dir, 'full.db'));
  t.after(() => full.close());
  const db = connectionOf(full);
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(db.pragma('synchronous', { simple: true }), 2, 'synchronous = FULL (2): a power cut loses no commit');
  assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
  assert.ok((db.pragma('busy_timeout', { simple: true }) as number) > 0);
  const normal = openStore(join(dir, 'normal.db'), { durability: 'normal' });
  t.after(() => normal.close());
  assert.equal(connectionOf(normal).pragma('synchronous', { simple: true }), 1, "durability 'normal' is synchronous = NORMAL (1)");
});

test("a full disk on the store's own write path: an io fault naming the file, nothing committed lost, a batch all or nothing", (t) => {
  const path = join(tempDir(t), 's.db');
  const store = openStore(path);
  t.after(() => store.close());
  seed(store);
  store.recordInspections(Array.from({ length: 20 }, (_, i) => inspection(i)));
  const db = connectionOf(store);
  const pages = db.pragma('page_count', { simple: true }) as number;
  db.pragma(`max_page_count = ${pages + 2}`);
  const big = (i: number) =>
    inspection(1000 + i, {
      framePath: `/frames/${'y'.repeat(3000)}/${i}.png`,
      boxes: Array.from({ length: 40 }, (_, k) => ({ x: k, y: i, w: 5, h: 5, score: 0.5, label: 'scratch' })),
    });
  let fault: { kind?: string; message?: string } | null = null;
  let written = 0;
  for (let i = 0; i < 200 && !fault; i++) {
    try {
      store.recordInspections([big(2 * i), big(2 * i + 1)]);
      written += 2;
    } catch (e) {
      fault = e as { kind?: string; message?: string };
    }
  }
  assert.ok(fault, 'the capped database filled up');
  assert.equal(fault.kind, 'io', fault.message);
  assert.match(fault.message ?? '', /disk full/);
  assert.ok((fault.message ?? '').includes(path));
  // Every row committed before is there; the failed batch left no half.
  assert.equal(store.countInspections(), 20 + written);
  // Space again: the same store keeps working.
  db.pragma('max_page_count = 1073741823');
  store.recordInspections([big(9000), big(9001)]);
  assert.equal(store.countInspections(), 22 + written);
  assert.deepEqual(store.checkIntegrity(), ['ok']);
});
