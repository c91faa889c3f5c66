/**
 * Issue 15: live inserts let SQLite checkpoint, so the WAL stays bounded at any log size (it grew to 2.7 GB after
 * 100 k inserts when each insert read its row back with RETURNING), and a station killed with SIGKILL reopens
 * with every row from a small WAL.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { repoRoot } from '../../main/node/paths.js';
import { openStore } from '../../main/store/store.js';
import { tempDir } from './helpers.js';

const WRITER = fileURLToPath(new URL('./fixtures/wal-writer.ts', import.meta.url));
const ROWS = 100_000;
const LIMIT = 64 * 1024 * 1024;

test('100 k live inserts leave the WAL under 64 MB, and a SIGKILL after them recovers every row', { timeout: 600_000 }, async (t) => {
  const path = join(tempDir(t), 'live.db');
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER, path, String(ROWS)], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /^done .*$/m.exec(out);
      if (m) resolve(m[0]);
    });
    child.on('exit', (code) => reject(new Error(`writer exited (${code}) before finishing: ${err}`)));
  });
  const [, rows, maxWal] = line.split(' ').map(Number);
  const walAtKill = statSync(`${path}-wal`).size;
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  assert.equal(rows, ROWS);
  assert.ok(maxWal < LIMIT, `WAL peaked at ${maxWal} bytes while inserting`);
  assert.ok(walAtKill < LIMIT, `WAL was ${walAtKill} bytes at the kill`);
  assert.ok(statSync(path).size > 10 * 1024 * 1024, 'rows reached the main database file (checkpoints ran)');

  const t0 = performance.now();
  const store = openStore(path);
  const reopenMs = performance.now() - t0;
  try {
    assert.equal(store.countInspections(), ROWS);
    assert.equal(store.queryInspections({ limit: 1 }).items[0].id, ROWS);
    assert.deepEqual(store.checkIntegrity(), ['ok']);
  } finally {
    store.close();
  }
  t.diagnostic(`WAL peak ${(maxWal / 1048576).toFixed(1)} MB, at kill ${(walAtKill / 1048576).toFixed(1)} MB; reopened in ${reopenMs.toFixed(0)} ms`);
});
