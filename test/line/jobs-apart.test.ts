/**
 * Training runs in a job worker apart from the live path: while a model trains, live inspection of a line source
 * keeps deciding parts, and the trained model is registered and activated by the engine. Real engine, real
 * screw images, real worker threads.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { createEngine } from '../../main/services/engine.js';
import type { LineResult } from '../../main/common/line-io.js';
import { screwImages } from '../helpers.js';
import { SMALL_CONFIG, until } from './helpers.js';

test('a training job does not stall live inspection: parts keep being decided while it runs', { timeout: 400_000 }, async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'station-jobs-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const good = join(root, 'good');
  const parts = join(root, 'parts');
  await mkdir(good);
  await mkdir(parts);
  for (const f of screwImages('train').slice(0, 8)) await symlink(f, join(good, basename(f)));
  for (const f of screwImages('test', 'good').slice(0, 6)) await symlink(f, join(parts, basename(f)));
  const engine = await createEngine({ dataDir: join(root, 'data'), shell: 'browser', bootstrap: false });
  t.after(() => engine.dispose());
  const { api, jobs, live } = engine;

  const first = await api.models.train({ goodFolder: good, maxImages: 5, config: SMALL_CONFIG, kind: 'patchcore', activate: true });
  const done1 = await jobs.wait(first.jobId);
  assert.equal(done1.state, 'done', JSON.stringify(done1.error));
  const firstId = (done1.result as { modelId: string }).modelId;
  assert.equal((await api.models.active())?.id, firstId, 'activated by the engine after the worker registered it');

  const results: LineResult[] = [];
  live.line.onResult((r) => results.push(r));
  await live.start({ source: { kind: 'folder', path: parts, fps: 3, loop: true }, store: true });
  assert.ok(await until(() => results.length >= 2, 60_000), 'live inspection started');

  // A second, larger training job (default canvas, 8 images) while the line runs.
  const second = await api.models.train({ goodFolder: good, kind: 'patchcore', activate: false });
  const before = results.length;
  const done2 = await jobs.wait(second.jobId);
  const during = results.length - before;
  assert.equal(done2.state, 'done', JSON.stringify(done2.error));
  assert.ok(during >= 3, `only ${during} parts decided while the model trained`);
  assert.equal((await api.models.list()).length, 2);
  assert.equal((await api.models.active())?.id, firstId, 'activate: false leaves the active model');
  assert.equal(live.state().stats.dropped, 0);
  await api.live.stop();
});
