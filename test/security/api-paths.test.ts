/**
 * Item 3 of the security review: the API writes only under the data folder or folders picked in the native
 * dialog since start; symlinks cannot lead a write out; the folder browser does not list system trees; a COCO
 * import of a file that is not JSON never quotes the file.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine, type Engine } from '../../main/services/engine.js';
import { WritableFolders } from '../../main/node/write-policy.js';
import { parseJsonText } from '../../main/common/json.js';

let root: string;
let engine: Engine;
let picked: string | null = null;

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'station-paths-'));
  mkdirSync(join(root, 'images'), { recursive: true });
  mkdirSync(join(root, 'outside'), { recursive: true });
  engine = await createEngine({ dataDir: join(root, 'data'), shell: 'electron', bootstrap: false, pickFolder: async () => picked });
});
after(async () => {
  await engine.dispose();
  rmSync(root, { recursive: true, force: true });
});

test('log export, annotation export and generate refuse paths outside the data folder', async () => {
  const api = engine.api;
  await assert.rejects(
    async () => api.log.export({ format: 'csv', path: '/etc/station.csv', filter: {} } as never),
    (e: { kind: string; message: string }) => {
      assert.equal(e.kind, 'invalid-input');
      assert.match(e.message, /does not write to \/etc\/station\.csv.*data folder/);
      return true;
    },
  );
  await assert.rejects(async () => api.annotations.export({ folder: join(root, 'images'), format: 'coco', path: join(root, 'outside', 'a.json') }), {
    kind: 'invalid-input',
  });
  await assert.rejects(async () => api.datasets.generate({ sourceFolder: join(root, 'images'), outputFolder: join(root, 'outside', 'gen'), perImage: 1 }), {
    kind: 'invalid-input',
  });
  assert.equal(existsSync(join(root, 'outside', 'a.json')), false);
  // Inside the data folder is fine (the export job runs; an empty log gives a header-only file).
  const inside = join(root, 'data', 'exports', 'log.csv');
  const { jobId } = await api.log.export({ format: 'csv', path: inside, filter: {} } as never);
  // The export runs in the log worker: bounded wait (30 s) for a loaded machine.
  for (let i = 0; i < 600 && !existsSync(inside); i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(jobId && existsSync(inside));
});

test('a folder picked in the native dialog becomes writable; others stay refused', async () => {
  picked = join(root, 'outside');
  const r = await engine.api.system.pickFolder({ title: 'out' });
  assert.deepEqual(r, { supported: true, path: picked });
  const { jobId } = await engine.api.log.export({ format: 'json', path: join(picked, 'sub', 'log.json'), filter: {} } as never);
  assert.ok(jobId);
  await assert.rejects(async () => engine.api.log.export({ format: 'csv', path: join(root, 'images', 'x.csv'), filter: {} } as never), {
    kind: 'invalid-input',
  });
});

test('a symlink inside an allowed folder cannot point a write elsewhere', () => {
  const data = join(root, 'data2');
  mkdirSync(data, { recursive: true });
  symlinkSync(join(root, 'images'), join(data, 'escape'));
  const w = new WritableFolders(data);
  assert.equal(w.check(join(data, 'ok', 'new.csv'), 'test'), join(data, 'ok', 'new.csv'));
  assert.throws(() => w.check(join(data, 'escape', 'x.csv'), 'test'), /does not write to/);
  assert.throws(() => w.check(join(data, '..', 'images', 'x.csv'), 'test'), /does not write to/);
});

test('the folder browser does not list /etc (nor a link to it)', async () => {
  await assert.rejects(async () => engine.api.system.listFolder({ path: '/etc' }), { kind: 'invalid-input', message: /system folders/ });
  symlinkSync('/etc', join(root, 'etc-link'));
  await assert.rejects(async () => engine.api.system.listFolder({ path: join(root, 'etc-link') }), { kind: 'invalid-input' });
  const home = await engine.api.system.listFolder({ path: root });
  assert.ok(home.entries.some((e) => e.name === 'images'));
});

test('a COCO import of a file that is not JSON says so without quoting it', async () => {
  const secret = join(root, 'shadow');
  writeFileSync(secret, 'root:$6$SECRETHASH:19000:0:99999:7:::\n');
  await assert.rejects(
    async () => engine.api.annotations.import({ folder: join(root, 'images'), format: 'coco', path: secret, replace: true }),
    (e: { message: string }) => {
      assert.match(e.message, /COCO file is not valid JSON/);
      assert.doesNotMatch(e.message, /root|SECRET|\$6/);
      return true;
    },
  );
  assert.throws(
    () => parseJsonText('{"a": SECRET}', 'x.json'),
    (e: Error) => !/SECRET/.test(e.message) && /x\.json is not valid JSON/.test(e.message),
  );
});
