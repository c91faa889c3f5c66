/**
 * The headless line runtime as an operator runs it: `station run` in a child process, a hot folder with real
 * screw images, `kill -9` while 20 or more parts are pending, a restart that resumes the last line source by
 * itself: every part ends with exactly one log row. Then `station log export` reads the same store.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { repoRoot } from '../../main/node/paths.js';
import { screwImages } from '../helpers.js';
import { trainSmallModel, until } from './helpers.js';

const STATION = join(repoRoot, 'main/cli/station.ts');
const PARTS = 40;

function run(dataDir: string, args: string[]): { child: ChildProcess; out: () => string; err: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', STATION, 'run', ...args], {
    cwd: repoRoot,
    env: { ...process.env, STATION_DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, out: () => out, err: () => err, exited };
}

/** Pending / done counts, read through a read-only connection of our own (as another process would). */
function counts(db: string): { pending: number; rows: number } {
  const c = new Database(db, { readonly: true, fileMustExist: true });
  try {
    return {
      pending: c.prepare(`SELECT count(*) FROM line_queue WHERE state = 'pending'`).pluck().get() as number,
      rows: c.prepare('SELECT count(*) FROM inspections').pluck().get() as number,
    };
  } finally {
    c.close();
  }
}

test('station run killed with kill -9 while 20+ parts are pending: after the restart every part has exactly one row', { timeout: 400_000 }, async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'station-run-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const data = join(root, 'data');
  const hot = join(root, 'hot');
  const model = join(root, 'model');
  await mkdir(hot);
  await trainSmallModel(model);

  const first = run(data, ['--source', 'hot-folder', '--folder', hot, '--model', model, '--settle-ms', '100', '--jsonl']);
  t.after(() => first.child.kill('SIGKILL'));
  assert.ok(await until(() => /running/.test(first.err()), 60_000), `station did not start: ${first.err()}`);
  const images = screwImages('test', 'good');
  for (let i = 0; i < PARTS; i++) await copyFile(images[i % images.length]!, join(hot, `p${String(i).padStart(2, '0')}.png`));
  const db = join(data, 'station.db');
  assert.ok(await until(() => counts(db).pending >= 20, 60_000), `pending never reached 20: ${JSON.stringify(counts(db))}`);
  first.child.kill('SIGKILL');
  await first.exited;
  const atKill = counts(db);
  assert.ok(atKill.pending >= 20, JSON.stringify(atKill));
  assert.ok(atKill.rows < PARTS, 'killed mid-run');

  // Restart with no source: the last line source resumes by itself, pending parts first.
  const second = run(data, ['--idle-exit', '3', '--jsonl']);
  t.after(() => second.child.kill('SIGKILL'));
  let timer: NodeJS.Timeout | undefined;
  const code = await Promise.race([second.exited, new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), 300_000)))]);
  clearTimeout(timer);
  assert.equal(code, 0, `restart did not finish: ${second.err()}`);
  assert.match(second.err(), new RegExp(`${atKill.pending} parts pending`));
  // (Libraries may print warnings on stdout when they load; the parts are the JSON lines.)
  const resumed = second
    .out()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { partId: string; sequence: number; verdict: string });
  // The pending parts, and the files that were still settling at the kill (taken by the resumed hot folder).
  assert.equal(resumed.length, PARTS - atKill.rows, 'the restart decided exactly the parts without a row');

  const c = new Database(db, { readonly: true });
  const perPart = c.prepare(`SELECT part_id AS partId, count(*) AS n FROM inspections GROUP BY part_id ORDER BY part_id`).all() as { partId: string; n: number }[];
  c.close();
  assert.deepEqual(perPart, Array.from({ length: PARTS }, (_, i) => ({ partId: `p${String(i).padStart(2, '0')}.png`, n: 1 })));
  assert.equal(counts(db).pending, 0);

  // The same store, exported from the command line.
  const out = join(root, 'log.csv');
  const exp = spawnSync(process.execPath, ['--import', 'tsx', STATION, 'log', 'export', '--format', 'csv', '--out', out], {
    cwd: repoRoot,
    env: { ...process.env, STATION_DATA_DIR: data },
    encoding: 'utf8',
  });
  assert.equal(exp.status, 0, exp.stderr);
  const lines = (await readFile(out, 'utf8')).trim().split(/\r?\n/);
  assert.equal(lines.length, PARTS + 1, 'header + one line per part');
  assert.match(lines[0]!, /^id,time,/);
});
