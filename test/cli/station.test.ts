/**
 * The CLI as a user runs it: real processes, real screw images, one-line errors with non-zero exits,
 * and the experiment's JSON with the fields the issue names.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, mkdir, copyFile, writeFile, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, basename } from 'node:path';
import { screwImages, screwMask } from '../helpers.js';
import { DEFAULT_BACKBONE } from '../../main/inference/patchcore/config.js';

const root = new URL('../..', import.meta.url).pathname;
let dir: string;

function station(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'main/cli/station.ts'), ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, STATION_DATA_DIR: join(dir, 'data') },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'station-cli-'));
  // A small MVTec-layout copy: 6 normal training images, 4 good and 4 scratched test images with masks.
  const data = join(dir, 'mini');
  await mkdir(join(data, 'train', 'good'), { recursive: true });
  await mkdir(join(data, 'test', 'good'), { recursive: true });
  await mkdir(join(data, 'test', 'scratch_neck'), { recursive: true });
  await mkdir(join(data, 'ground_truth', 'scratch_neck'), { recursive: true });
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

test('errors are one line on stderr with a non-zero exit, never a stack trace', () => {
  const missing = station('inspect', join(dir, 'no-such-folder'));
  assert.notEqual(missing.status, 0);
  assert.match(missing.stderr.trim(), /^station: not-found: no such file or folder: .*no-such-folder$/);
  const badModel = station('evaluate', '--data', join(dir, 'mini'), '--model', join(dir, 'mini'));
  assert.notEqual(badModel.status, 0);
  assert.equal(badModel.stderr.trim().split('\n').length, 1, badModel.stderr);
  assert.doesNotMatch(badModel.stderr, /\n\s+at /);
  const badArg = station('experiment', '--protocol', 'sometimes');
  assert.notEqual(badArg.status, 0);
  assert.match(badArg.stderr, /sometimes/);
});

test('backbone list marks the station default, which every install has', () => {
  const r = station('backbone', 'list');
  assert.equal(r.status, 0, r.stderr);
  const row = r.stdout.split('\n').find((l) => l.startsWith(`${DEFAULT_BACKBONE} `));
  assert.ok(row, r.stdout);
  assert.match(row, new RegExp(`^${DEFAULT_BACKBONE}\\s+yes\\s`));
  assert.equal(r.stdout.split('\n').filter((l) => /^\S+\s+yes\s/.test(l)).length, 1, 'exactly one default');
});

test('train, then inspect a folder with a corrupt file: verdicts, overlays, and the bad file skipped with its reason', async () => {
  const model = join(dir, 'model');
  const t = station('train', '--images', join(dir, 'mini', 'train', 'good'), '--out', model, '--size', '384', '--backbone', 'default');
  assert.equal(t.status, 0, t.stderr);
  assert.match(t.stdout, /saved to/);
  // `--backbone default` trains on the station default, and the model records its real id.
  assert.equal(JSON.parse(await readFile(join(model, 'model.json'), 'utf8')).info.backbone, DEFAULT_BACKBONE);
  const inbox = join(dir, 'inbox');
  await mkdir(inbox);
  await copyFile(screwImages('test')[10]!, join(inbox, 'good.png'));
  await copyFile(screwImages('test', 'scratch_neck')[8]!, join(inbox, 'scratch.png'));
  await writeFile(join(inbox, 'broken.png'), 'this is not an image');
  await symlink(join(dir, 'nowhere.png'), join(inbox, 'dangling.png'));
  const out = join(dir, 'overlays');
  const r = station('inspect', inbox, '--model', model, '--out', out, '--json', join(dir, 'inspect.json'));
  assert.equal(r.status, 0, r.stderr);
  const json = JSON.parse(await readFile(join(dir, 'inspect.json'), 'utf8'));
  const byName = Object.fromEntries(json.results.map((x: { file: string }) => [basename(x.file), x]));
  assert.match(byName['broken.png'].skipped, /cannot decode/);
  assert.match(byName['dangling.png'].skipped, /broken symbolic link/);
  for (const name of ['good.png', 'scratch.png']) {
    assert.ok(['OK', 'NG'].includes(byName[name].verdict));
    assert.equal(byName[name].verdict, byName[name].score >= json.threshold ? 'NG' : 'OK');
    const png = await readFile(byName[name].overlay);
    assert.equal(png.subarray(1, 4).toString(), 'PNG');
  }
  assert.ok(byName['scratch.png'].score > byName['good.png'].score, 'the scratched part scores higher');
});

/**
 * Measured on this mini set (default backbone, --size 384): original 0.9375, brightness 1. Chance is 0.5; the
 * floor leaves room for a backbone change but fails a pipeline that stops separating defects from good parts.
 */
const EXPERIMENT_AUROC_FLOOR = 0.8;

test('experiment (seed protocol) writes the JSON the issue specifies, with the reference beside it', async (t) => {
  const json = join(dir, 'exp.json');
  const r = station('experiment', '--data', join(dir, 'mini'), '--train', '6', '--protocol', 'seed', '--variants', 'original,brightness',
    '--work', join(dir, 'work'), '--json', json, '--size', '384', '--quiet');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /original\s+patchcore/);
  assert.match(r.stdout, /brightness\s+patchcore/);
  const out = JSON.parse(await readFile(json, 'utf8'));
  assert.equal(out.variants.length, 2);
  t.diagnostic(`AUROC: ${out.variants.map((v: { variant: string; auroc: number }) => `${v.variant} ${v.auroc}`).join(', ')}`);
  for (const v of out.variants) {
    for (const k of ['variant', 'auroc', 'precisionAtFullRecall', 'thresholdAtFullRecall', 'f1', 'nGood', 'nDefect']) assert.ok(k in v, `missing ${k}`);
    assert.equal(v.nGood, 4);
    assert.equal(v.nDefect, 4);
    assert.equal(v.images.length, 8);
    assert.ok(v.images.every((i: { score: number }) => Number.isFinite(i.score)));
    // A quality floor, not just a range: 6 training images, 4 good vs 4 scratched screws (measured: see below).
    assert.ok(v.auroc >= EXPERIMENT_AUROC_FLOOR && v.auroc <= 1, `${v.variant}: AUROC ${v.auroc} under the floor ${EXPERIMENT_AUROC_FLOOR}`);
    assert.ok(v.reference && typeof v.reference.auroc === 'number');
  }
});
