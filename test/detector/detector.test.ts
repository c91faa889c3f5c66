import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GraphBuilder, floatTensor, int64Tensor, attr } from '../../main/inference/onnx/graph-builder.js';
import { DataType } from '../../main/inference/onnx/proto.js';
import { loadDetector } from '../../main/inference/detector/detector.js';
import { letterboxGeometry, letterboxImage, toNchw } from '../../main/inference/detector/letterbox.js';
import { nms } from '../../main/inference/detector/nms.js';
import { anyBoxAbove } from '../../main/inference/detector/decode.js';
import type { RawImage } from '../../main/common/types.js';

/** Output = constant + 0 * mean(input), so the graph takes the real input but its result is known exactly. */
function constantDetector(inputName: string, outputs: { name: string; dims: number[]; data: number[]; int64?: boolean }[]): Uint8Array {
  const g = new GraphBuilder('const-detector');
  g.input(inputName, [1, 3, 'h', 'w']);
  const mean = g.op('ReduceMean', [inputName], { axes: attr.ints([1, 2, 3]), keepdims: attr.int(0) });
  const zero = g.initializer(floatTensor('zero', [1], [0]));
  const z = g.op('Mul', [mean, zero]);
  for (const o of outputs) {
    if (o.int64) {
      g.initializer(int64Tensor(`${o.name}_c`, o.dims, o.data));
      g.op('Identity', [`${o.name}_c`], {}, o.name);
      g.output(o.name, o.dims, DataType.INT64);
    } else {
      g.initializer(floatTensor(`${o.name}_c`, o.dims, o.data));
      g.op('Add', [`${o.name}_c`, z], {}, o.name);
      g.output(o.name, o.dims);
    }
  }
  return g.build();
}

function writeModel(manifest: object, onnx: Uint8Array): string {
  const dir = mkdtempSync(join(tmpdir(), 'det-'));
  writeFileSync(join(dir, 'model.onnx'), onnx);
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ model: 'model.onnx', ...manifest }));
  return dir;
}

const gray = (w: number, h: number, v = 100): RawImage => ({ width: w, height: h, channels: 1, data: new Uint8Array(w * h).fill(v) });

test('RTMDet: boxes map from the top-left padded input back to original pixels, score floor, class names', async () => {
  // image 200 x 100 into 64 x 64: scale 0.32, resized 64 x 32 at the top-left, padding below
  const dets = [6.4, 3.2, 32, 16, 0.9, 0, 0, 9.6, 9.6, 0.04, 32, 16, 64, 32, 0.6, 0, 0, 0, 0, 0];
  const dir = writeModel(
    { format: 'rtmdet', inputSize: [64, 64], classes: ['scratch', 'dent'], scoreThreshold: 0.05 },
    constantDetector('input', [
      { name: 'dets', dims: [1, 4, 5], data: dets },
      { name: 'labels', dims: [1, 4], data: [1, 0, 0, 0], int64: true },
    ]),
  );
  try {
    const det = await loadDetector(dir);
    assert.equal(det.info.kind, 'detector');
    const out = await det.infer(gray(200, 100));
    assert.equal(out.boxes.length, 2);
    const [a, b] = out.boxes;
    assert.equal(a!.label, 'dent');
    assert.ok(Math.abs(a!.x - 20) < 1e-4 && Math.abs(a!.y - 10) < 1e-4, JSON.stringify(a));
    assert.ok(Math.abs(a!.w - 80) < 1e-4 && Math.abs(a!.h - 40) < 1e-4, JSON.stringify(a));
    assert.ok(Math.abs(a!.score - 0.9) < 1e-6);
    assert.equal(b!.label, 'scratch');
    assert.ok(Math.abs(b!.x - 100) < 1e-4 && Math.abs(b!.w - 100) < 1e-4 && Math.abs(b!.h - 50) < 1e-4, JSON.stringify(b));
    assert.ok(Math.abs(out.score - 0.9) < 1e-6, 'image score = best box');
    assert.ok(anyBoxAbove(out.boxes, 0.85) && !anyBoxAbove(out.boxes, 0.95));
    await det.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('YOLOv8: centred letterbox inverse, class-aware NMS, score threshold, transposed output', async () => {
  // image 100 x 200 into 64 x 64: scale 0.32, resized 32 x 64, 16 px padding left and right
  const anchors = [
    [32, 32, 16, 32, 0.9, 0.1], // -> x 25, y 50, w 50, h 100, class a
    [33, 32, 16, 32, 0.8, 0.0], // overlaps the first, same class: suppressed
    [32, 32, 16, 32, 0.0, 0.7], // same place, other class: kept
    [20, 10, 4, 4, 0.1, 0.2], // under the 0.25 floor
    [46.4, 9.6, 3.2, 6.4, 0.3, 0.0], // -> x 90, y 20, w 10, h 20
  ];
  const C = 2;
  const A = anchors.length;
  const chanFirst: number[] = [];
  for (let r = 0; r < 4 + C; r++) for (let a = 0; a < A; a++) chanFirst.push(anchors[a]![r]!);
  const expect = (boxes: readonly { x: number; y: number; w: number; h: number; score: number; label?: string }[]) => {
    assert.equal(boxes.length, 3, JSON.stringify(boxes));
    const [p, q, r] = boxes;
    assert.equal(p!.label, 'a');
    assert.ok(Math.abs(p!.score - 0.9) < 1e-6);
    for (const [k, v] of Object.entries({ x: 25, y: 50, w: 50, h: 100 })) assert.ok(Math.abs((p as never)[k] - v) < 1e-3, `${k}: ${JSON.stringify(p)}`);
    assert.equal(q!.label, 'b');
    assert.ok(Math.abs(q!.score - 0.7) < 1e-6);
    assert.equal(r!.label, 'a');
    for (const [k, v] of Object.entries({ x: 90, y: 20, w: 10, h: 20 })) assert.ok(Math.abs((r as never)[k] - v) < 1e-3, `${k}: ${JSON.stringify(r)}`);
  };
  const manifest = { format: 'yolov8', inputSize: [64, 64], classes: ['a', 'b'], scoreThreshold: 0.25, iouThreshold: 0.5 };
  const dir1 = writeModel(manifest, constantDetector('images', [{ name: 'output0', dims: [1, 4 + C, A], data: chanFirst }]));
  const dir2 = writeModel(manifest, constantDetector('images', [{ name: 'output0', dims: [1, A, 4 + C], data: anchors.flat() }]));
  try {
    for (const dir of [dir1, dir2]) {
      const det = await loadDetector(dir);
      const out = await det.infer(gray(100, 200));
      expect(out.boxes);
      await det.dispose();
    }
  } finally {
    rmSync(dir1, { recursive: true, force: true });
    rmSync(dir2, { recursive: true, force: true });
  }
});

test('letterbox preprocessing: RTMDet BGR mean/std with pad 114 bottom-right; YOLOv8 RGB/255 centred', async () => {
  // 4 x 2 RGB image, pure (10, 20, 30) pixels, into 4 x 4
  const img: RawImage = { width: 4, height: 2, channels: 3, data: new Uint8Array(24).map((_, i) => [10, 20, 30][i % 3]!) };
  const gt = letterboxGeometry(4, 2, 4, 4, 'top-left');
  assert.deepEqual([gt.padX, gt.padY, gt.resizedWidth, gt.resizedHeight], [0, 0, 4, 2]);
  const rt = toNchw(await letterboxImage(img, gt, 114), 4, 4, { colour: 'bgr', mean: [103.53, 116.28, 123.675], std: [57.375, 57.12, 58.395] });
  assert.ok(Math.abs(rt[0]! - (30 - 103.53) / 57.375) < 1e-5, 'channel 0 is blue');
  assert.ok(Math.abs(rt[16 + 0]! - (20 - 116.28) / 57.12) < 1e-5);
  assert.ok(Math.abs(rt[15]! - (114 - 103.53) / 57.375) < 1e-5, 'bottom row is padding');
  const gc = letterboxGeometry(4, 2, 4, 4, 'center');
  assert.equal(gc.padY, 1);
  const yo = toNchw(await letterboxImage(img, gc, 114), 4, 4, { colour: 'rgb', mean: [0, 0, 0], std: [255, 255, 255] });
  assert.ok(Math.abs(yo[0]! - 114 / 255) < 1e-6, 'top row is padding');
  assert.ok(Math.abs(yo[4]! - 10 / 255) < 1e-6, 'red in channel 0 on row 1');
  // grayscale cameras: the grey value goes to all three channels
  const g = letterboxGeometry(2, 2, 2, 2, 'center');
  const px = await letterboxImage({ width: 2, height: 2, channels: 1, data: Uint8Array.from([0, 50, 100, 200]) }, g, 114);
  assert.deepEqual([...px], [0, 0, 0, 50, 50, 50, 100, 100, 100, 200, 200, 200]);
});

test('NMS keeps the best of overlapping same-class boxes only', () => {
  const kept = nms(
    [
      { x1: 0, y1: 0, x2: 10, y2: 10, score: 0.5, cls: 0 },
      { x1: 1, y1: 1, x2: 11, y2: 11, score: 0.9, cls: 0 },
      { x1: 20, y1: 20, x2: 30, y2: 30, score: 0.4, cls: 0 },
    ],
    0.5,
    10,
  );
  assert.deepEqual(kept.map((k) => k.score), [0.9, 0.4]);
});

test('a manifest that does not match the model is a bad-model error', async () => {
  const onnx = constantDetector('images', [{ name: 'output0', dims: [1, 6, 1], data: [0, 0, 1, 1, 1, 0] }]);
  const dir = writeModel({ format: 'rtmdet', inputSize: [64, 64], classes: ['x'] }, onnx);
  const dir2 = writeModel({ format: 'yolov8', inputSize: [64], classes: ['x'] }, onnx);
  try {
    await assert.rejects(loadDetector(dir), (e: { kind?: string; message?: string }) => e.kind === 'bad-model' && /input 'input'/.test(e.message ?? ''));
    await assert.rejects(loadDetector(dir2), (e: { kind?: string }) => e.kind === 'bad-model');
    await assert.rejects(loadDetector(join(dir, 'nope')), (e: { kind?: string }) => e.kind === 'not-found');
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(dir2, { recursive: true, force: true });
  }
});
