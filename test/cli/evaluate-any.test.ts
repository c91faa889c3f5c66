/**
 * `station train --kind supervised` and `station evaluate` with any model on any MVTec-layout folder: the images a
 * model was trained on are recognised by content and left out, wherever they lie.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, mkdir, copyFile, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, basename } from 'node:path';
import { screwImages, screwMask } from '../helpers.js';

const root = new URL('../..', import.meta.url).pathname;
let dir: string;
let data: string;

function station(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'main/cli/station.ts'), ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, STATION_DATA_DIR: join(dir, 'data') },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'station-eval-'));
  // 6 normal training images, 4 good and 4 scratch_neck test images with masks.
  data = join(dir, 'mini');
  for (const d of ['train/good', 'test/good', 'test/scratch_neck', 'ground_truth/scratch_neck']) await mkdir(join(data, d), { recursive: true });
  for (const f of screwImages('train').slice(0, 6)) await copyFile(f, join(data, 'train', 'good', basename(f)));
  for (const f of screwImages('test').slice(0, 4)) await copyFile(f, join(data, 'test', 'good', basename(f)));
  for (const f of screwImages('test', 'scratch_neck').slice(0, 4)) {
    await copyFile(f, join(data, 'test', 'scratch_neck', basename(f)));
    await copyFile(screwMask('scratch_neck', basename(f)), join(data, 'ground_truth', 'scratch_neck', basename(f).replace('.png', '_mask.png')));
  }
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('train --kind supervised, then evaluate it with train/good included: the 1 + 3 training images are left out', async () => {
  const model = join(dir, 'sup');
  const t = station('train', '--kind', 'supervised', '--data', data, '--defect', 'scratch_neck', '--train-defects', '1', '--train', '3', '--out', model);
  assert.equal(t.status, 0, t.stderr);
  const info = JSON.parse(await readFile(join(model, 'model.json'), 'utf8')).info;
  assert.equal(info.kind, 'supervised');
  assert.equal(info.params.trainedOn.length, 4);
  const json = join(dir, 'eval-sup.json');
  const e = station('evaluate', '--model', model, '--data', data, '--defect', 'scratch_neck', '--with-train-good', '--json', json);
  assert.equal(e.status, 0, e.stderr);
  const r = JSON.parse(await readFile(json, 'utf8'));
  assert.equal(r.model.kind, 'supervised');
  assert.equal(r.leftOut, 4);
  // 4 test/good + the 3 train/good not trained on, and the 3 scratch_neck images not trained on.
  assert.equal(r.nGood, 7);
  assert.equal(r.nDefect, 3);
  // One annotated defect decides nothing about quality (that is the README's larger test); every image is scored.
  assert.equal(r.images.length, 10);
  assert.ok(r.images.every((i: { score: number }) => Number.isFinite(i.score) && i.score >= 0 && i.score <= 1));
  // Without --defect a supervised kind still needs it for training.
  const bad = station('train', '--kind', 'supervised', '--data', data, '--out', join(dir, 'x'));
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /--defect/);
});

test('evaluate a PatchCore model on a copy of its folder: its training images are recognised by content', async () => {
  const model = join(dir, 'pc');
  const t = station('train', '--data', data, '--train', '4', '--out', model, '--size', '384');
  assert.equal(t.status, 0, t.stderr);
  // The same images under another folder: still left out.
  const copy = join(dir, 'copy');
  for (const d of ['train/good', 'test/good', 'test/scratch_neck']) await mkdir(join(copy, d), { recursive: true });
  for (const f of screwImages('train').slice(0, 6)) await copyFile(f, join(copy, 'train', 'good', `x${basename(f)}`));
  for (const f of screwImages('test').slice(0, 4)) await copyFile(f, join(copy, 'test', 'good', basename(f)));
  for (const f of screwImages('test', 'scratch_neck').slice(0, 4)) await copyFile(f, join(copy, 'test', 'scratch_neck', basename(f)));
  const json = join(dir, 'eval-pc.json');
  const e = station('evaluate', '--model', model, '--data', copy, '--with-train-good', '--json', json);
  assert.equal(e.status, 0, e.stderr);
  const r = JSON.parse(await readFile(json, 'utf8'));
  assert.equal(r.model.kind, 'patchcore');
  assert.equal(r.leftOut, 4);
  assert.equal(r.nGood, 6);
  assert.equal(r.nDefect, 4);
});
