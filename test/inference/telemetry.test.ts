/**
 * onnxruntime (1.29 on) starts Microsoft's usage telemetry with its first session unless ORT_DISABLE_TELEMETRY is set;
 * its trace file /tmp/mat-debug-<pid>.log shows that it started. A station process creates sessions through
 * createSession and must not start it; a bare onnxruntime session in a child process does (the control: if a later
 * onnxruntime stops writing the file, this test says so rather than passing on nothing).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { repoRoot } from '../../main/node/paths.js';

const MODEL = "import { readFileSync } from 'node:fs'; const bytes = readFileSync('native-models/nsfwjs_mobilenet_v2/' + (await import('node:fs')).readdirSync('native-models/nsfwjs_mobilenet_v2').find((f) => f.endsWith('.onnx')));";

const CI_VARIABLES = ['CI', 'TF_BUILD', 'GITHUB_ACTIONS', 'GITLAB_CI', 'CIRCLECI', 'TRAVIS', 'JENKINS_URL', 'CODEBUILD_BUILD_ID', 'BUILDKITE', 'TEAMCITY_VERSION', 'APPVEYOR', 'BITBUCKET_BUILD_NUMBER'];

function runChild(body: string): { pid: number; trace: string } {
  const env = { ...process.env };
  delete env.ORT_DISABLE_TELEMETRY;
  // onnxruntime keeps its telemetry off under CI (CI=true and the CI services' own variables, measured): the children
  // run as on a plant PC, or the control below could not see it start.
  for (const v of CI_VARIABLES) delete env[v];
  // The trace file may appear a moment after the session (telemetry starts on its own thread): the child waits for it,
  // at most 3 s, before it exits.
  const wait = "const { existsSync } = await import('node:fs'); for (let i = 0; i < 60 && !existsSync(`/tmp/mat-debug-${process.pid}.log`); i++) await new Promise((r) => setTimeout(r, 50));";
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `${MODEL}\n${body}\n${wait}\nconsole.log(process.pid);`], { cwd: repoRoot, env, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  const pid = Number(r.stdout.trim().split('\n').pop());
  assert.ok(pid > 0, r.stdout);
  return { pid, trace: `/tmp/mat-debug-${pid}.log` };
}

test('a station process starts no onnxruntime telemetry; a bare onnxruntime session would', () => {
  const station = runChild("const { createSession } = await import('./main/inference/execution-provider.ts'); const { session } = await createSession(bytes, 'cpu'); await session.release(); if (process.env.ORT_DISABLE_TELEMETRY !== '1') throw new Error('not set');");
  const bare = runChild("const ort = await import('onnxruntime-node'); const s = await ort.InferenceSession.create(bytes); await s.release();");
  try {
    assert.equal(existsSync(station.trace), false, `${station.trace} written: telemetry started in a station process`);
    assert.equal(existsSync(bare.trace), true, `control: a bare session wrote no ${bare.trace}; onnxruntime changed how telemetry shows`);
  } finally {
    rmSync(station.trace, { force: true });
    rmSync(bare.trace, { force: true });
  }
});
