/** prepareVariants: a work folder generated from one source is emptied before another source is generated into it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepareVariants } from '../../main/experiment/prepare.js';
import { screwImages } from '../helpers.js';

/** A tiny MVTec-layout folder holding the given shared screw images under train/good and test/good. */
function mvtec(root: string, name: string, train: string[], good: string[]): string {
  const dir = join(root, name);
  for (const [split, files] of [['train', train], ['test', good]] as const) {
    mkdirSync(join(dir, split, 'good'), { recursive: true });
    for (const f of files) copyFileSync(f, join(dir, split, 'good', f.split('/').pop()!));
  }
  return dir;
}

const list = (d: string) => readdirSync(d).sort();

test('experiment work folder: a second source replaces the first, never mixes with it', async () => {
  const root = mkdtempSync(join(tmpdir(), 'prepare-'));
  try {
    const train = screwImages('train');
    const good = screwImages('test');
    const a = mvtec(root, 'a', train.slice(0, 2), good.slice(0, 3));
    const b = mvtec(root, 'b', train.slice(2, 3), good.slice(3, 4));
    const work = join(root, 'work');
    mkdirSync(work);
    writeFileSync(join(work, 'notes.txt'), 'kept');
    const first = await prepareVariants({ source: a, work, variants: ['original'], seed: 0 });
    assert.deepEqual(list(join(first.original!, 'test', 'good')), ['000.png', '001.png', '002.png']);
    const second = await prepareVariants({ source: b, work, variants: ['original'], seed: 0 });
    assert.deepEqual(list(join(second.original!, 'train', 'good')), ['002.png'], 'only the second source');
    assert.deepEqual(list(join(second.original!, 'test', 'good')), ['003.png'], 'only the second source');
    assert.ok(list(work).includes('notes.txt'), 'files that are not variant folders are left alone');
    // Back to the first source: regenerated in full, again without leftovers.
    const third = await prepareVariants({ source: a, work, variants: ['original'], seed: 0 });
    assert.deepEqual(list(join(third.original!, 'train', 'good')), ['000.png', '001.png']);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
