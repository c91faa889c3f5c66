/**
 * The annotations service through the engine's API implementation, on a real store in a temp dir and real
 * MVTec screw images and ground-truth masks: masks -> boxes -> COCO / YOLO export -> re-import round trips.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { createEngine, type Engine } from '../../main/services/engine.js';
import { SCREW } from '../helpers.js';

let root: string;
let cat: string;
let engine: Engine;
const NECK = ['000.png', '001.png', '002.png'];

/** A small MVTec category: 3 scratch_neck test images with masks, 2 good test images, 3 train images. */
function makeCategory(dir: string): void {
  for (const n of NECK) {
    mkdirSync(join(dir, 'test', 'scratch_neck'), { recursive: true });
    mkdirSync(join(dir, 'ground_truth', 'scratch_neck'), { recursive: true });
    copyFileSync(join(SCREW, 'test', 'scratch_neck', n), join(dir, 'test', 'scratch_neck', n));
    const m = n.replace('.png', '_mask.png');
    copyFileSync(join(SCREW, 'ground_truth', 'scratch_neck', m), join(dir, 'ground_truth', 'scratch_neck', m));
  }
  for (const [split, n] of [['test', '000.png'], ['test', '001.png'], ['train', '000.png'], ['train', '001.png'], ['train', '002.png']] as const) {
    mkdirSync(join(dir, split, 'good'), { recursive: true });
    copyFileSync(join(SCREW, split, 'good', n), join(dir, split, 'good', n));
  }
}

/** Bounding box of every non-zero pixel of a mask, computed independently of the service. */
async function maskExtent(path: string): Promise<{ x0: number; y0: number; x1: number; y1: number }> {
  const { data, info } = await sharp(path).greyscale().raw().toBuffer({ resolveWithObject: true });
  let x0 = Infinity, y0 = Infinity, x1 = -1, y1 = -1;
  for (let y = 0; y < info.height; y++)
    for (let x = 0; x < info.width; x++)
      if (data[y * info.width + x]! > 127) {
        x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x); y1 = Math.max(y1, y);
      }
  return { x0, y0, x1, y1 };
}

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'station-annotations-'));
  cat = join(root, 'screw');
  makeCategory(cat);
  // The exports below go to root/out: a folder "picked in the dialog" (API writes elsewhere are refused).
  engine = await createEngine({ dataDir: join(root, 'data'), shell: 'browser', bootstrap: false, pickFolder: async () => join(root, 'out') });
  await engine.api.system.pickFolder({});
});

after(async () => {
  await engine?.dispose();
  rmSync(root, { recursive: true, force: true });
});

test('list shows every image (not masks) with its state', async () => {
  const l = await engine.api.annotations.list({ folder: cat, recursive: true });
  assert.equal(l.images.length, 8);
  assert.ok(l.images.every((i) => !i.name.includes('ground_truth')));
  assert.deepEqual(l.counts, { none: 8, defect: 0, good: 0 });
  assert.equal(l.hasMasks, true);
  assert.ok(l.images.some((i) => i.name === 'test/scratch_neck/000.png'));
});

test('save / get / clear one image; boxes are clipped to the image', async () => {
  const img = join(cat, 'train', 'good', '000.png');
  const empty = await engine.api.annotations.get({ path: img });
  assert.deepEqual([empty.width, empty.height, empty.state, empty.boxes.length], [1024, 1024, 'none', 0]);
  const saved = await engine.api.annotations.save({ path: img, boxes: [{ x: 1000, y: 10, w: 100, h: 20, label: 'scratch' }] });
  assert.equal(saved.state, 'defect');
  assert.deepEqual(saved.boxes, [{ x: 1000, y: 10, w: 24, h: 20, label: 'scratch' }]);
  assert.deepEqual((await engine.api.annotations.get({ path: img })).boxes, saved.boxes);
  assert.equal((await engine.api.annotations.save({ path: img, boxes: [] })).state, 'good');
  assert.deepEqual(await engine.api.annotations.clear({ path: img }), { removed: true });
  assert.equal((await engine.api.annotations.get({ path: img })).state, 'none');
  await assert.rejects(async () => (engine.api.annotations.get({ path: join(cat, 'nope.png') })), { kind: 'not-found' });
});

test('MVTec masks become boxes covering each mask; re-import keeps existing annotations', async () => {
  const r = await engine.api.annotations.importMasks({ folder: cat, replace: false, minArea: 1 });
  assert.equal(r.images, 5, '3 defect + 2 good test images');
  assert.deepEqual(r.labels, ['scratch_neck']);
  for (const n of NECK) {
    const a = await engine.api.annotations.get({ path: join(cat, 'test', 'scratch_neck', n) });
    assert.equal(a.state, 'defect');
    assert.ok(a.boxes.every((b) => b.label === 'scratch_neck'));
    const e = await maskExtent(join(cat, 'ground_truth', 'scratch_neck', n.replace('.png', '_mask.png')));
    const u = { x0: Math.min(...a.boxes.map((b) => b.x)), y0: Math.min(...a.boxes.map((b) => b.y)), x1: Math.max(...a.boxes.map((b) => b.x + b.w - 1)), y1: Math.max(...a.boxes.map((b) => b.y + b.h - 1)) };
    assert.deepEqual(u, e, `${n}: union of boxes = extent of the mask`);
  }
  assert.equal((await engine.api.annotations.get({ path: join(cat, 'test', 'good', '000.png') })).state, 'good');
  const again = await engine.api.annotations.importMasks({ folder: cat, replace: false, minArea: 1 });
  assert.deepEqual([again.images, again.skipped], [0, 5]);
  const l = await engine.api.annotations.list({ folder: cat, recursive: true });
  assert.deepEqual(l.counts, { none: 3, defect: 3, good: 2 });
  await assert.rejects(async () => engine.api.annotations.importMasks({ folder: join(cat, 'train'), replace: false, minArea: 1 }), { kind: 'not-found' });
  // a test/<type> folder of the category works too
  const one = await engine.api.annotations.importMasks({ folder: join(cat, 'test', 'scratch_neck'), replace: true, minArea: 1 });
  assert.equal(one.images, 3);
});

test('COCO export -> clear -> import gives the same boxes', async () => {
  const before = new Map<string, unknown>();
  for (const i of (await engine.api.annotations.list({ folder: cat, recursive: true })).images) {
    if (i.state !== 'none') before.set(i.path, (await engine.api.annotations.get({ path: i.path })).boxes);
  }
  const file = join(root, 'out', 'coco.json');
  const r = await engine.api.annotations.export({ folder: cat, format: 'coco', path: file });
  assert.equal(r.images, 5);
  const coco = JSON.parse(readFileSync(file, 'utf8'));
  assert.equal(coco.images.length, 5);
  assert.deepEqual(coco.categories.map((c: { name: string }) => c.name), ['scratch_neck']);
  assert.ok(coco.images.some((i: { file_name: string; width: number }) => i.file_name === 'test/scratch_neck/000.png' && i.width === 1024));
  assert.equal(coco.annotations.length, r.boxes);
  for (const a of coco.annotations) {
    assert.equal(a.bbox.length, 4);
    assert.ok(a.bbox[2] > 0 && a.bbox[3] > 0 && a.area === a.bbox[2] * a.bbox[3]);
  }
  for (const p of before.keys()) await engine.api.annotations.clear({ path: p });
  assert.equal((await engine.api.annotations.list({ folder: cat, recursive: true })).counts.none, 8);
  const back = await engine.api.annotations.import({ folder: cat, format: 'coco', path: file, replace: true });
  assert.deepEqual([back.images, back.boxes], [5, r.boxes]);
  for (const [p, boxes] of before) assert.deepEqual((await engine.api.annotations.get({ path: p })).boxes, boxes, p);
});

test('YOLO export keeps repeated names of sub-folders apart and re-imports', async () => {
  const dir = join(root, 'out', 'yolo');
  const r = await engine.api.annotations.export({ folder: cat, format: 'yolo', path: dir });
  assert.ok(existsSync(join(dir, 'labels', 'test', 'scratch_neck', '000.txt')));
  assert.ok(existsSync(join(dir, 'labels', 'test', 'good', '000.txt')));
  assert.equal(readFileSync(join(dir, 'labels', 'test', 'good', '000.txt'), 'utf8'), '');
  assert.equal(readFileSync(join(dir, 'classes.txt'), 'utf8'), 'scratch_neck\n');
  const p = join(cat, 'test', 'scratch_neck', '001.png');
  const orig = (await engine.api.annotations.get({ path: p })).boxes;
  await engine.api.annotations.save({ path: p, boxes: [] });
  const back = await engine.api.annotations.import({ folder: cat, format: 'yolo', path: dir, replace: true });
  assert.equal(back.images, r.images);
  const got = (await engine.api.annotations.get({ path: p })).boxes;
  assert.equal(got.length, orig.length);
  got.forEach((b, i) => {
    for (const k of ['x', 'y', 'w', 'h'] as const) assert.ok(Math.abs(b[k] - orig[i]![k]) < 0.01, `${k}: ${b[k]} vs ${orig[i]![k]}`);
    assert.equal(b.label, orig[i]!.label);
  });
});

test('bad input: a COCO file for other images, or of another size, changes nothing', async () => {
  const p = join(cat, 'train', 'good', '001.png');
  const wrong = join(root, 'wrong.json');
  const coco = (w: number) => ({
    images: [{ id: 1, file_name: 'train/good/001.png', width: w, height: w }],
    annotations: [{ id: 1, image_id: 1, category_id: 1, bbox: [1, 2, 3, 4], area: 12, iscrowd: 0 }],
    categories: [{ id: 1, name: 'x' }],
  });
  writeFileSync(wrong, JSON.stringify(coco(512)));
  await assert.rejects(async () => engine.api.annotations.import({ folder: cat, format: 'coco', path: wrong, replace: true }), { kind: 'invalid-input', message: /512x512/ });
  assert.equal((await engine.api.annotations.get({ path: p })).state, 'none');
  writeFileSync(wrong, '{"images": 3}');
  await assert.rejects(async () => engine.api.annotations.import({ folder: cat, format: 'coco', path: wrong, replace: true }), { kind: 'invalid-input' });
  const emptyDir = join(root, 'empty');
  mkdirSync(emptyDir);
  await assert.rejects(async () => engine.api.annotations.export({ folder: emptyDir, format: 'coco' }), { kind: 'invalid-input' });
  // without a path the export lands under the data dir as downloadable media
  const r = await engine.api.annotations.export({ folder: cat, format: 'coco' });
  assert.match(r.media ?? '', /^exports\/annotations-.*\.coco\.json$/);
  assert.ok(existsSync(r.path));
});
