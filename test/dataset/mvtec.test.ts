import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listMvtec } from '../../main/dataset/mvtec.js';
import { sharedDir } from '../../main/node/paths.js';
import { StationFault } from '../../main/common/result.js';

const screw = sharedDir('datasets', 'mvtec-screw');

test('listMvtec lists the shared screw dataset, sorted, with masks for defects', async () => {
  const l = await listMvtec(screw);
  assert.equal(l.train.length, 100);
  assert.equal(l.train[0].name, '000.png');
  assert.equal(l.train[99].name, '099.png');
  assert.ok(l.train.every((i) => i.split === 'train' && i.defectType === 'good' && !i.maskPath));
  assert.deepEqual(l.defectTypes, ['manipulated_front', 'scratch_head', 'scratch_neck', 'thread_side', 'thread_top']);
  // Sorted by type then name.
  const keys = l.test.map((i) => `${i.defectType}/${i.name}`);
  assert.deepEqual(keys, [...keys].sort());
  assert.equal(l.test[0].defectType, 'good');
  for (const img of l.test) {
    if (img.defectType === 'good') assert.equal(img.maskPath, undefined);
    else assert.equal(img.maskPath, join(screw, 'ground_truth', img.defectType, img.name.replace('.png', '_mask.png')));
  }
  assert.ok(l.test.filter((i) => i.defectType !== 'good').length > 50);
});

test('listMvtec ignores non-image files and hidden entries, tolerates missing masks', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'mvtec-list-'));
  try {
    await mkdir(join(dir, 'train', 'good'), { recursive: true });
    await mkdir(join(dir, 'test', 'crack'), { recursive: true });
    await mkdir(join(dir, 'test', 'good'), { recursive: true });
    await mkdir(join(dir, 'ground_truth', 'crack'), { recursive: true });
    for (const f of ['train/good/b.png', 'train/good/a.PNG', 'train/good/notes.txt', 'train/good/.hidden.png', 'test/good/x.jpg',
      'test/crack/001.png', 'test/crack/000.png', 'ground_truth/crack/000_mask.png', 'test/crack/Thumbs.db']) {
      await writeFile(join(dir, f), 'not decoded at list level');
    }
    const l = await listMvtec(dir);
    assert.deepEqual(l.train.map((i) => i.name), ['a.PNG', 'b.png']);
    assert.deepEqual(l.test.map((i) => `${i.defectType}/${i.name}`), ['crack/000.png', 'crack/001.png', 'good/x.jpg']);
    assert.equal(l.test[0].maskPath, join(dir, 'ground_truth', 'crack', '000_mask.png'));
    assert.equal(l.test[1].maskPath, undefined);
    assert.deepEqual(l.defectTypes, ['crack']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('listMvtec: missing folders are not-found faults', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'mvtec-missing-'));
  try {
    const notFound = (re: RegExp) => (e: unknown) => e instanceof StationFault && e.kind === 'not-found' && re.test(e.message);
    await assert.rejects(listMvtec(join(dir, 'nope')), notFound(/dataset folder not found/));
    await assert.rejects(listMvtec(dir), notFound(/train\/good/));
    await mkdir(join(dir, 'train', 'good'), { recursive: true });
    await assert.rejects(listMvtec(dir), notFound(/no test folder/));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
