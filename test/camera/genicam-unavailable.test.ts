/**
 * Without the addon (no Aravis on the machine, or it failed to build) the GenICam source is listed as unavailable
 * with the reason and the install command, and a started GenICam source reports an error instead of failing the
 * station. Runs in a child process whose STATION_GENICAM_ADDON names a file that does not exist.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../../main/node/paths.js';

const script = `
import { GenicamService } from './main/services/genicam.ts';
import { GenicamSource } from './main/camera/genicam/genicam-source.ts';
const svc = new GenicamService();
const src = new GenicamSource({ camera: 'any', mode: 'continuous', spoolDir: '/tmp' });
const states = [];
src.onStatus((u) => states.push(u));
src.start(() => {});
const probe = await svc.probe('any');
console.log(JSON.stringify({ status: svc.status(), states, probe }));
`;

test('no addon: status says why and how to install; the source reports an error; probe says so', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: repoRoot,
    env: { ...process.env, STATION_GENICAM_ADDON: join(repoRoot, 'no-such-dir', 'arv_genicam.node') },
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as {
    status: { available: boolean; reason: string; install: string };
    states: { state: string; message: string }[];
    probe: { ok: boolean; message: string };
  };
  assert.equal(out.status.available, false);
  assert.match(out.status.reason, /GenICam addon/);
  assert.match(out.status.install, /apt-get install libaravis-dev/);
  assert.equal(out.states[0]?.state, 'error');
  assert.match(out.states[0]!.message, /unavailable.*apt-get install libaravis-dev/);
  assert.equal(out.probe.ok, false);
  assert.match(out.probe.message, /apt-get install libaravis-dev/);
});
