/**
 * "Nothing committed is lost when the process is killed": a child commits rows in a loop and prints each
 * id after its commit returns; we SIGKILL it mid-stream and check every printed id is in the reopened database.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { repoRoot } from '../../main/node/paths.js';
import { openStore } from '../../main/store/store.js';
import { tempDir } from './helpers.js';

const WRITER = fileURLToPath(new URL('./fixtures/kill-writer.ts', import.meta.url));
const KILL_AFTER = 400; // committed inspections

interface Reported {
  inspections: number[];
  thresholds: number[];
  walBytesAtKill: number;
}

function runAndKill(dbPath: string, durability: 'full' | 'normal'): Promise<Reported> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WRITER, dbPath, durability], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let killed = false;
    let walBytesAtKill = 0;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`writer did not reach ${KILL_AFTER} rows in time; stderr: ${err}`));
    }, 25_000);
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (!killed && (out.match(/^I /gm)?.length ?? 0) >= KILL_AFTER) {
        killed = true;
        child.kill('SIGKILL'); // no exit handlers, no close(), no checkpoint
        walBytesAtKill = existsSync(`${dbPath}-wal`) ? statSync(`${dbPath}-wal`).size : 0;
      }
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal !== 'SIGKILL' || !killed) {
        reject(new Error(`writer exited by itself (code ${code}, signal ${signal}); stderr: ${err}`));
        return;
      }
      // Only complete lines count: a line cut by the kill was not fully reported.
      const lines = out.slice(0, out.lastIndexOf('\n') + 1).split('\n');
      const ids = (tag: string) => lines.filter((l) => l.startsWith(`${tag} `)).map((l) => Number(l.slice(2)));
      resolvePromise({ inspections: ids('I'), thresholds: ids('T'), walBytesAtKill });
    });
  });
}

test('a writer killed with SIGKILL mid-stream loses no committed row, in both durability modes', async (t) => {
  const dir = tempDir(t);
  const modes = ['normal', 'full'] as const;
  // Both children at once: the test costs one child start-up, not two.
  const results = await Promise.all(modes.map((m) => runAndKill(join(dir, `${m}.db`), m)));
  for (const [k, mode] of modes.entries()) {
    const r = results[k];
    const path = join(dir, `${mode}.db`);
    assert.ok(r.inspections.length >= KILL_AFTER, `${mode}: ${r.inspections.length} reported`);
    assert.ok(r.thresholds.length > 0);
    assert.ok(r.walBytesAtKill > 0, 'the kill left a WAL to recover from');

    const store = openStore(path);
    try {
      assert.deepEqual(store.checkIntegrity(), ['ok']);
      const missing = r.inspections.filter((id) => store.getInspection(id) === null);
      assert.deepEqual(missing, [], `${mode}: committed inspections lost`);
      // The child may have committed a few more rows than it managed to print; never fewer.
      const count = store.countInspections();
      assert.ok(count >= r.inspections.length && count <= r.inspections.length + 2, `${mode}: ${count} rows`);
      assert.match(store.getInspection(r.inspections[100])!.framePath!, /^\/frames\/x{500}\/\d+\.png$/);
      const history = store.thresholdHistory({ productId: 'screw' });
      const historyIds = new Set(history.map((h) => h.id));
      assert.deepEqual(r.thresholds.filter((id) => !historyIds.has(id)), [], `${mode}: committed threshold changes lost`);
      // The current value and the newest history row were committed together.
      assert.equal(store.getThreshold({ productId: 'screw' }), history[0].newValue);
      t.diagnostic(`${mode}: killed after ${r.inspections.length} reported commits, WAL ${r.walBytesAtKill} bytes, ${count} rows recovered`);
      // And the reopened store keeps working.
      assert.ok(store.recordInspection({ ...store.getInspection(r.inspections[0])!, time: undefined }).id > count);
    } finally {
      store.close();
    }
  }
});
