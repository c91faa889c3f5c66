/** Item 9: a data folder that cannot be created stops the station with one line saying so, not a stack trace. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { createEngine } from '../../main/services/engine.js';
import { repoRoot } from '../../main/node/paths.js';

test('createEngine: a data folder under a file (or a read-only parent) is one clear io error', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'station-start-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'file'), 'x');
  await assert.rejects(createEngine({ dataDir: join(dir, 'file', 'data'), shell: 'browser', bootstrap: false }), (e: { kind: string; message: string }) => {
    assert.equal(e.kind, 'io');
    assert.match(e.message, /^cannot create the data folder .*file\/data \(ENOTDIR\): choose a writable folder with STATION_DATA_DIR$/);
    return true;
  });
});

test('serve (browser mode): exits 1 with one line on stderr', { timeout: 180_000 }, (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'station-start-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'file'), 'x');
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'main', 'node', 'serve.ts')], {
    cwd: repoRoot,
    env: { ...process.env, STATION_DATA_DIR: join(dir, 'file', 'data'), STATION_DEBUG: '' },
    encoding: 'utf8',
    timeout: 170_000,
  });
  assert.equal(r.status, 1, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, /^station failed to start: engine failed to start: cannot create the data folder .*\(ENOTDIR\)/);
});
