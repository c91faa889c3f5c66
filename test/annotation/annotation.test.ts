import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sharedDir } from '../../main/node/paths.js';
import { decodeImage } from '../../main/node/image-io.js';
import { masksToBoxes } from '../../main/annotation/masks.js';
import { toCoco, fromCoco, CocoSchema } from '../../main/annotation/coco.js';
import { toYolo, fromYolo } from '../../main/annotation/yolo.js';
import { annotationsFromMvtec, readCocoFile, writeCocoFile, writeYoloDir, yoloLabelPath } from '../../main/annotation/io.js';
import type { ImageAnnotation } from '../../main/annotation/types.js';
import type { RawImage } from '../../main/common/types.js';

const screw = sharedDir('datasets', 'mvtec-screw');

test('masksToBoxes on a real MVTec ground-truth mask: one tight box around the scratch', async () => {
  const mask = await decodeImage(join(screw, 'ground_truth', 'scratch_neck', '000_mask.png'), { channels: 1 });
  const boxes = masksToBoxes(mask, { label: 'scratch_neck' });
  assert.equal(boxes.length, 1);
  // bounds measured independently: min/max coordinates of pixels > 127
  let x0 = Infinity, y0 = Infinity, x1 = -1, y1 = -1;
  for (let y = 0; y < mask.height; y++)
    for (let x = 0; x < mask.width; x++)
      if (mask.data[y * mask.width + x]! > 127) {
        [x0, x1, y0, y1] = [Math.min(x0, x), Math.max(x1, x), Math.min(y0, y), Math.max(y1, y)];
      }
  assert.deepEqual(boxes[0], { x: x0, y: y0, w: x1 - x0 + 1, h: y1 - y0 + 1, label: 'scratch_neck' });
});

test('masksToBoxes separates regions, drops specks, and finds nothing in an empty mask', () => {
  const w = 20, h = 10;
  const data = new Uint8Array(w * h);
  const fill = (x0: number, y0: number, x1: number, y1: number) => {
    for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) data[y * w + x] = 255;
  };
  fill(1, 1, 4, 3);
  fill(5, 4, 6, 5); // touches the first diagonally: same region (8-connectivity)
  fill(12, 2, 15, 8);
  data[9 * w + 19] = 255; // a speck
  const mask: RawImage = { width: w, height: h, channels: 1, data };
  const boxes = masksToBoxes(mask, { minArea: 2 });
  assert.deepEqual(boxes, [
    { x: 1, y: 1, w: 6, h: 5, label: 'defect' },
    { x: 12, y: 2, w: 4, h: 7, label: 'defect' },
  ]);
  assert.equal(masksToBoxes({ width: w, height: h, channels: 1, data: new Uint8Array(w * h) }).length, 0);
});

const sample: ImageAnnotation[] = [
  { image: 'test/scratch_neck/000.png', width: 1024, height: 1024, boxes: [{ x: 283, y: 423, w: 73, h: 49, label: 'scratch_neck' }] },
  {
    image: 'a.png',
    width: 640,
    height: 480,
    boxes: [
      { x: 10.5, y: 20.25, w: 30, h: 40, label: 'scratch_head' },
      { x: 600, y: 400, w: 40, h: 80, label: 'scratch_neck' },
    ],
  },
  { image: 'good.png', width: 640, height: 480, boxes: [] },
];

test('COCO export follows the detection schema and round-trips', () => {
  const cats = ['scratch_head', 'scratch_neck'];
  const coco = toCoco(sample, cats);
  assert.ok(CocoSchema.safeParse(coco).success);
  // what mmdetection's CocoDataset reads
  assert.deepEqual(coco.categories.map((c) => [c.id, c.name]), [[1, 'scratch_head'], [2, 'scratch_neck']]);
  assert.equal(coco.images.length, 3);
  assert.equal(coco.annotations.length, 3);
  const a = coco.annotations[1]!;
  assert.deepEqual(a.bbox, [10.5, 20.25, 30, 40]);
  assert.equal(a.area, 1200);
  assert.equal(a.iscrowd, 0);
  assert.equal(a.category_id, 1);
  assert.equal(a.image_id, coco.images[1]!.id);
  assert.equal(new Set(coco.annotations.map((x) => x.id)).size, 3, 'annotation ids unique');
  const back = fromCoco(JSON.parse(JSON.stringify(coco)));
  assert.deepEqual(back.categories, cats);
  assert.deepEqual(back.annotations, sample);
});

test('COCO import rejects malformed files with a clear error', () => {
  const good = toCoco(sample, ['scratch_head', 'scratch_neck']);
  const bad = (mut: (j: any) => void, re: RegExp) => {
    const j = JSON.parse(JSON.stringify(good));
    mut(j);
    assert.throws(() => fromCoco(j), (e: { kind?: string; message?: string }) => e.kind === 'invalid-input' && re.test(e.message ?? ''));
  };
  bad((j) => delete j.images, /images/);
  bad((j) => (j.annotations[0].bbox = [1, 2, 3]), /bbox/);
  bad((j) => (j.annotations[0].category_id = 99), /category 99/);
  bad((j) => (j.annotations[0].image_id = 42), /image 42/);
  bad((j) => (j.annotations[0].bbox[2] = -5), /bbox/);
  assert.throws(() => fromCoco('{ not json'), /not valid JSON \(at character 2\)/);
  assert.throws(() => toCoco(sample, ['scratch_head']), /scratch_neck/);
});

test('YOLO txt round-trips (normalised cx cy w h) and rejects bad lines', () => {
  const classes = ['scratch_head', 'scratch_neck'];
  const txt = toYolo(sample[1]!, classes);
  const lines = txt.trim().split('\n');
  assert.equal(lines.length, 2);
  assert.equal(lines[1], '1 0.96875 0.916667 0.0625 0.166667');
  const back = fromYolo(txt, sample[1]!, classes);
  for (const [i, b] of back.boxes.entries()) {
    const o = sample[1]!.boxes[i]!;
    assert.equal(b.label, o.label);
    for (const k of ['x', 'y', 'w', 'h'] as const) assert.ok(Math.abs(b[k] - o[k]) < 1e-3, `${k}`);
  }
  assert.equal(toYolo(sample[2]!, classes), '');
  assert.throws(() => fromYolo('5 0.5 0.5 0.1 0.1', sample[1]!, classes), /class 5/);
  assert.throws(() => fromYolo('0 0.5 0.5 0.1', sample[1]!, classes), /line 1/);
  assert.throws(() => fromYolo('0 0.5 0.5 1.5 0.1', sample[1]!, classes), /normalised/);
});

test('MVTec ground truth imports as boxes, exports to COCO and YOLO files, and re-imports identically', async () => {
  const anns = await annotationsFromMvtec(screw, 'scratch_neck');
  assert.equal(anns.length, 15);
  assert.ok(anns.every((a) => a.boxes.length >= 1 && a.width === 1024 && a.boxes.every((b) => b.label === 'scratch_neck')));
  const dir = mkdtempSync(join(tmpdir(), 'ann-'));
  try {
    const file = join(dir, 'instances.json');
    writeCocoFile(file, anns, ['scratch_neck']);
    assert.ok(CocoSchema.safeParse(JSON.parse(readFileSync(file, 'utf8'))).success);
    assert.deepEqual(readCocoFile(file).annotations, anns);
    // The one YOLO writer: the same file name in two sub-folders gives two label files, not one overwritten.
    const twins = [anns[0]!, { ...anns[1]!, image: anns[0]!.image.replace('scratch_neck', 'other') }];
    writeYoloDir(dir, [...anns, twins[1]!], ['scratch_neck']);
    assert.equal(readFileSync(join(dir, 'classes.txt'), 'utf8'), 'scratch_neck\n');
    assert.notEqual(yoloLabelPath(dir, twins[0]!.image), yoloLabelPath(dir, twins[1]!.image));
    for (const a of [...anns, twins[1]!]) {
      const back = fromYolo(readFileSync(yoloLabelPath(dir, a.image), 'utf8'), a, ['scratch_neck']);
      assert.equal(back.boxes.length, a.boxes.length, a.image);
      back.boxes.forEach((b, j) => assert.ok(Math.abs(b.x - a.boxes[j]!.x) < 0.01));
    }
    writeFileSync(join(dir, 'broken.json'), '{"images": 3}');
    assert.throws(() => readCocoFile(join(dir, 'broken.json')), (e: { kind?: string }) => e.kind === 'invalid-input');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
