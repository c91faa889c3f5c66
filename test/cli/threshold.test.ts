/**
 * `station threshold set` as a user runs it (a real process on a real store): a new version of the active model
 * with its parent, "threshold a -> b", who and why, made active and audited; re-activating the parent restores
 * its threshold; bad input is one line and a non-zero exit, with nothing changed.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../main/store/store.js';
import { ModelRegistry } from '../../main/services/model-registry.js';

const root = new URL('../..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'station-threshold-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function station(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'main/cli/station.ts'), ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, STATION_DATA_DIR: join(dir, 'data') },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('station threshold set makes a new active version; history follows the parent chain', { timeout: 120_000 }, async () => {
  const db = join(dir, 'data', 'station.db');
  let store = openStore(db);
  const reg = new ModelRegistry(store, join(dir, 'data', 'models'));
  // The command never loads the model: a record is enough (its artifact folder is not read).
  store.createModel({ id: 'screws', kind: 'patchcore', productId: 'default', name: 'screws', artifactPath: join(dir, 'data', 'models', 'screws'), backbone: 'b', trainInfo: { defaultThreshold: 3.786 } });
  store.setThreshold({ modelId: 'screws', value: 3.786, who: 'system', why: 'default threshold from training' });
  store.updateProduct('default', { activeModelId: 'screws' });
  await reg.dispose();
  store.close();

  const bad = station('threshold', 'set', 'abc', '--reason', 'x');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /^station: invalid-input: threshold must be a number/);

  const r = station('threshold', 'set', '3.5', '--reason', 'fewer false rejects on the night shift');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^threshold 3\.79 -> 3\.50: new version screws-t[0-9a-z]+-[0-9a-f]{6} of screws \(active\)$/m);
  store = openStore(db);
  try {
    const id = store.getProduct('default')!.activeModelId!;
    assert.notEqual(id, 'screws');
    assert.equal(store.getModel(id)!.threshold, 3.5);
    const v = store.learning.getModelVersion(id)!;
    const who = `cli:${userInfo().username}`;
    assert.deepEqual([v.parentId, v.change, v.who, v.why, v.detail['text']], ['screws', 'threshold', who, 'fewer false rejects on the night shift', 'threshold 3.79 -> 3.50']);
    const audit = store.listAudit({ limit: 10 }).items.find((e) => e.action === 'threshold.set')!;
    assert.deepEqual([audit.actor, audit.target, audit.old, audit.new], [who, `model:${id}`, 3.786, 3.5]);
    assert.equal(store.getModel('screws')!.threshold, 3.786, 'the parent version is unchanged');
  } finally {
    store.close();
  }
  const h = station('threshold', 'history');
  assert.equal(h.status, 0, h.stderr);
  const lines = h.stdout.trim().split('\n');
  assert.equal(lines.length, 2);
  assert.match(lines[0]!, /3\.786 -> 3\.5 .*fewer false rejects/);
  assert.match(lines[1]!, /screws {2}- -> 3\.786 {2}system/);
});
