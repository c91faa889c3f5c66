/**
 * The selection set (settings are chosen on it, never on the test images): normal training images only, some kept
 * good, the others with a painted scratch and, with `notches`, a notch or bump at the part's outline.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { screwImages } from '../helpers.js';
import { listMvtec } from '../../main/dataset/mvtec.js';
import { decodeImage } from '../../main/node/image-io.js';
import { SYNTHETIC_CUTPASTE, SYNTHETIC_DEFECT, SYNTHETIC_NOTCH, writeSelectionSet } from '../../main/dataset/synthetic-defects.js';

/** A changed image against its original: the mask's area, and the pixels changed inside and outside it. */
async function changes(im: { path: string; maskPath?: string }, originalPath: string): Promise<{ area: number; changedInside: number; changedOutside: number }> {
  const changedImage = await decodeImage(im.path);
  const original = await decodeImage(originalPath);
  const mask = await decodeImage(im.maskPath!, { channels: 1 });
  let area = 0, changedOutside = 0, changedInside = 0;
  for (let p = 0; p < mask.data.length; p++) {
    const changed = changedImage.data[3 * p] !== original.data[3 * p];
    if (mask.data[p]) { area++; if (changed) changedInside++; }
    else if (changed) changedOutside++;
  }
  return { area, changedInside, changedOutside };
}

test('selection set: train/good, good and scratched held-out parts, and notched and cut-pasted copies of the scratched ones', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'selection-set-'));
  try {
    const data = join(dir, 'data');
    await mkdir(join(data, 'train/good'), { recursive: true });
    await mkdir(join(data, 'test'), { recursive: true });
    const sources = screwImages('train').slice(0, 6);
    for (const f of sources) await symlink(f, join(data, 'train/good', f.slice(-7)));
    const out = join(dir, 'sel');
    const r = await writeSelectionSet({ data, out, train: 2, offset: 1, notches: true, cutPaste: true });
    assert.deepEqual(r, { train: 2, good: 2, defects: 2, notches: 2, cutPastes: 2 });
    const l = await listMvtec(out);
    assert.deepEqual(l.train.map((i) => i.name), ['001.png', '002.png']);
    const byType = (t: string) => l.test.filter((i) => i.defectType === t).map((i) => i.name);
    // Of the rest (003, 004, 005, 000 after the wrap), every other one stays good; the others get a scratch, and a notch.
    assert.deepEqual(byType('good').sort(), ['003.png', '005.png']);
    assert.deepEqual(byType(SYNTHETIC_DEFECT).sort(), ['000.png', '004.png']);
    assert.deepEqual(byType(SYNTHETIC_NOTCH).sort(), ['000.png', '004.png']);
    assert.deepEqual(byType(SYNTHETIC_CUTPASTE).sort(), ['000.png', '004.png']);
    for (const im of l.test.filter((i) => i.defectType === SYNTHETIC_CUTPASTE)) {
      const { area, changedInside, changedOutside } = await changes(im, join(data, 'train/good', im.name));
      // At most a 40 x 20 px piece (41 x 21 pixel centres), at least the 40 pixels pasteCut insists on.
      assert.ok(area >= 40 && area <= 41 * 21, `${im.name}: piece of ${area} px`);
      assert.equal(changedOutside, 0, `${im.name}: pixels changed outside the mask`);
      assert.ok(changedInside >= 0.5 * area, `${im.name}: ${changedInside} of ${area} mask pixels changed`);
    }
    for (const im of l.test.filter((i) => i.defectType === SYNTHETIC_NOTCH)) {
      const { area, changedInside, changedOutside } = await changes(im, join(data, 'train/good', im.name));
      // A disc of radius 4-10 px, half of it on one side of the outline: a few to ~300 pixels.
      assert.ok(area >= 5 && area <= Math.PI * 10 * 10, `${im.name}: notch of ${area} px`);
      assert.equal(changedOutside, 0, `${im.name}: pixels changed outside the mask`);
      assert.ok(changedInside >= 0.9 * area, `${im.name}: ${changedInside} of ${area} mask pixels changed`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
