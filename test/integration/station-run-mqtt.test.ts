/**
 * `station run --mqtt URL` killed with kill -9 while 20+ parts are pending, then restarted: every part has exactly
 * one log row AND one delivered MQTT result (de-duplicated on stationId + sequence, as QoS 1 consumers do), in
 * sequence order. Real processes, a real mosquitto broker, real screw images in a hot folder.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import mqtt from 'mqtt';
import { repoRoot } from '../../main/node/paths.js';
import type { LineResult } from '../../main/common/line-io.js';
import { screwImages } from '../helpers.js';
import { trainSmallModel, until } from '../line/helpers.js';
import { Broker, brokerUnavailable } from './mosquitto.js';

const skip = brokerUnavailable() ?? false;
const STATION = join(repoRoot, 'main/cli/station.ts');
const PARTS = 40;

function run(dataDir: string, args: string[]): { child: ChildProcess; err: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', STATION, 'run', ...args], {
    cwd: repoRoot,
    env: { ...process.env, STATION_DATA_DIR: dataDir, STATION_ID: 'line-7' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, err: () => err, exited };
}

function dbCounts(db: string): { pending: number; rows: number; ids: number[]; parts: string[] } {
  const c = new Database(db, { readonly: true, fileMustExist: true });
  try {
    return {
      pending: c.prepare(`SELECT count(*) FROM line_queue WHERE state = 'pending'`).pluck().get() as number,
      rows: c.prepare('SELECT count(*) FROM inspections').pluck().get() as number,
      ids: c.prepare('SELECT id FROM inspections ORDER BY id').pluck().all() as number[],
      parts: c.prepare('SELECT part_id FROM inspections ORDER BY id').pluck().all() as string[],
    };
  } finally {
    c.close();
  }
}

test('station run --mqtt killed with kill -9 while 20+ parts are pending: after the restart every part has one row and one delivered result', { skip, timeout: 600_000 }, async (t) => {
  const broker = await Broker.start();
  t.after(() => broker.stop());
  const root = await mkdtemp(join(tmpdir(), 'station-run-mqtt-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const data = join(root, 'data');
  const hot = join(root, 'hot');
  const model = join(root, 'model');
  await mkdir(hot);
  await trainSmallModel(model);

  const delivered: LineResult[] = [];
  const sub = await mqtt.connectAsync(broker.url);
  t.after(() => sub.endAsync(true));
  await sub.subscribeAsync('inspection/line-7/result', { qos: 1 });
  sub.on('message', (_t, p) => delivered.push(JSON.parse(p.toString())));

  const first = run(data, ['--source', 'hot-folder', '--folder', hot, '--model', model, '--settle-ms', '100', '--mqtt', broker.url]);
  t.after(() => first.child.kill('SIGKILL'));
  assert.ok(await until(() => /mqtt: (running|starting)/.test(first.err()) && /running /.test(first.err()), 90_000), `station did not start: ${first.err()}`);
  const images = screwImages('test', 'good');
  for (let i = 0; i < PARTS; i++) await copyFile(images[i % images.length]!, join(hot, `p${String(i).padStart(2, '0')}.png`));
  const db = join(data, 'station.db');
  assert.ok(await until(() => dbCounts(db).pending >= 20 && delivered.length > 0, 90_000), `pending never reached 20: ${JSON.stringify(dbCounts(db).pending)}`);
  first.child.kill('SIGKILL');
  await first.exited;
  const atKill = dbCounts(db);
  assert.ok(atKill.pending >= 20 && atKill.rows < PARTS, `killed mid-run: ${atKill.pending} pending, ${atKill.rows} rows`);

  // Restart with no source: the last line source resumes, pending parts first; MQTT resends from its cursor.
  const second = run(data, ['--idle-exit', '3', '--mqtt', broker.url]);
  t.after(() => second.child.kill('SIGKILL'));
  let timer: NodeJS.Timeout | undefined;
  const code = await Promise.race([second.exited, new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), 400_000)))]);
  clearTimeout(timer);
  assert.equal(code, 0, `restart did not finish: ${second.err()}`);
  const end = dbCounts(db);
  assert.equal(end.rows, PARTS, 'exactly one row per part');
  assert.deepEqual([...end.parts].sort(), Array.from({ length: PARTS }, (_, i) => `p${String(i).padStart(2, '0')}.png`));
  await until(() => new Set(delivered.map((r) => r.sequence)).size >= PARTS, 10_000);
  const seqs = delivered.map((r) => r.sequence);
  const firstSeen = seqs.filter((s, i) => seqs.indexOf(s) === i);
  assert.deepEqual(firstSeen, end.ids, 'every row delivered once (after de-duplication), in sequence order');
  assert.ok(delivered.every((r) => r.stationId === 'line-7'));
});
