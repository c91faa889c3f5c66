/** `station log archive --before DATE --out FILE` on the data folder's log: rows move, the rest stays, errors are one line. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { repoRoot } from '../../main/node/paths.js';
import { openStore } from '../../main/store/store.js';
import { inspection, seed, tempDir } from '../store/helpers.js';

test('log archive moves the rows before a day into an SQLite file and deletes them from the log', (t) => {
  const dir = tempDir(t, 'station-archive-');
  const data = join(dir, 'data');
  const store = openStore(join(data, 'station.db'), { durability: 'normal' });
  seed(store);
  // 2026-01-01 08:00 UTC + i s, and a second day.
  store.recordInspections(Array.from({ length: 300 }, (_, i) => inspection(i)));
  store.recordInspections(Array.from({ length: 50 }, (_, i) => inspection(i, { time: new Date(Date.UTC(2026, 0, 2, 9) + i * 1000).toISOString() })));
  store.close();

  const run = (...args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'main/cli/station.ts'), 'log', 'archive', ...args], {
      cwd: repoRoot,
      encoding: 'utf8',
      env: { ...process.env, STATION_DATA_DIR: data },
    });
  const out = join(dir, 'jan-1.sqlite');
  const r = run('--before', '2026-01-02', '--out', out);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^300 inspections before 2026-01-02T00:00:00\.000Z .* archived to .*jan-1\.sqlite and deleted from the log$/m);
  const a = new Database(out, { readonly: true });
  t.after(() => a.close());
  assert.equal(a.prepare('SELECT count(*) FROM inspections').pluck().get(), 300);
  const after = openStore(join(data, 'station.db'), { readonly: true });
  t.after(() => after.close());
  assert.equal(after.countInspections(), 50);
  assert.equal(after.countInspections({ to: '2026-01-02T00:00:00.000Z' }), 0);

  const again = run('--before', '2026-01-02', '--out', out);
  assert.equal(again.status, 2);
  assert.match(again.stderr.trim(), /^station: invalid-input: .*already exists; an archive is never written over a file$/);
  const bad = run('--before', 'yesterday', '--out', join(dir, 'x.sqlite'));
  assert.equal(bad.status, 2);
  assert.match(bad.stderr.trim(), /^station: invalid-input: .*before/);
});
