/**
 * scripts/postinstall.mjs: builds a missing backbone, skips a fresh one, rebuilds a damaged one, and the
 * manifests committed in native-models/ are what the build produces.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nativeModelsDir, repoRoot } from '../../main/node/paths.js';
import { BackboneManifestSchema } from '../../main/inference/backbone/manifest.js';

const ID = 'nsfwjs_mobilenet_v2';

function postinstall(out: string): string {
  const r = spawnSync(process.execPath, ['scripts/postinstall.mjs', '--only', ID, '--out', out], { cwd: repoRoot, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout + r.stderr;
}

test('postinstall builds when missing, skips when fresh, rebuilds when the file is damaged', () => {
  const out = mkdtempSync(join(tmpdir(), 'native-models-'));
  try {
    assert.match(postinstall(out), new RegExp(`built ${ID} from nsfwjs`));
    const file = join(out, ID, `${ID}.onnx`);
    const manifest = BackboneManifestSchema.parse(JSON.parse(readFileSync(join(out, ID, 'manifest.json'), 'utf8')));
    assert.equal(createHash('sha256').update(readFileSync(file)).digest('hex'), manifest.sha256);
    const mtime = statSync(file).mtimeMs;

    assert.match(postinstall(out), new RegExp(`${ID} up to date`));
    assert.equal(statSync(file).mtimeMs, mtime, 'not rewritten when fresh');

    writeFileSync(file, 'truncated');
    assert.match(postinstall(out), new RegExp(`built ${ID}`));
    assert.equal(createHash('sha256').update(readFileSync(file)).digest('hex'), manifest.sha256, 'the build is deterministic');

    // The manifests kept in the repository match a fresh build (sha256 included).
    assert.deepEqual(JSON.parse(readFileSync(nativeModelsDir(ID, 'manifest.json'), 'utf8')), JSON.parse(readFileSync(join(out, ID, 'manifest.json'), 'utf8')));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
