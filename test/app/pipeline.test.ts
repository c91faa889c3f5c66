import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FrameEvent } from '../../main/common/api.js';
import type { RawImage } from '../../main/common/types.js';
import type { InspectionModel } from '../../main/inference/model.js';
import type { SourceFrame } from '../../main/camera/source.js';
import { LatestSlot } from '../../main/pipeline/latest-slot.js';
import { ManualSource, FifoQueue, numberedPart, TEST_MODEL_INFO } from './pipeline-fakes.js';
import { LivePipeline } from '../../main/pipeline/live-pipeline.js';
import { decideVerdict } from '../../main/pipeline/verdict.js';
import { downsampleMax, quantise, HEATMAP_LUT } from '../../main/pipeline/heatmap.js';

test('LatestSlot: newest wins, replaced items are counted as dropped, a waiting taker gets the next item', async () => {
  const dropped: number[] = [];
  const slot = new LatestSlot<number>((x) => dropped.push(x));
  slot.offer(1);
  slot.offer(2);
  slot.offer(3);
  assert.equal(await slot.take(), 3);
  assert.equal(slot.dropped, 2);
  assert.deepEqual(dropped, [1, 2]);
  const waiting = slot.take();
  slot.offer(4);
  assert.equal(await waiting, 4);
  assert.equal(slot.dropped, 2);
  slot.close();
  assert.equal(await slot.take(), undefined);
});

/** A test source we drive by hand. */

const img: RawImage = { width: 4, height: 4, channels: 3, data: new Uint8Array(48) };

/** Fake model for the queueing logic only: each inference waits until released. */
function slowModel(delayMs: number, scores: Map<string, number>): InspectionModel {
  return {
    info: TEST_MODEL_INFO,
    executionProvider: 'cpu',
    async infer(image) {
      await new Promise((r) => setTimeout(r, delayMs));
      return { score: scores.get(String(image.width)) ?? 0.9, boxes: [], timings: {} };
    },
    async dispose() {},
  };
}

test('LivePipeline: a source faster than inference drops the stale frames and inspects the newest', async () => {
  const src = new ManualSource();
  const events: FrameEvent[] = [];
  let threshold = 0.5;
  const p = new LivePipeline(src, {
    current: () => ({ modelId: 'm', model: slowModel(60, new Map()), threshold }),
    persist: async (r) => ({ inspectionId: r.seq, frame: `frames/${r.frame.name}.jpg`, heatmap: null }),
    onFrame: (e) => events.push(e),
    onError: (e) => assert.fail(e.message),
  });
  p.start();
  const frame = (name: string): SourceFrame => ({ source: 'manual', name, capturedAt: Date.now(), read: async () => img });
  src.emit!(frame('f1')); // taken at once
  await new Promise((r) => setTimeout(r, 10));
  for (let i = 2; i <= 6; i++) src.emit!(frame(`f${i}`)); // f2..f5 replaced, f6 waits
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(
    events.map((e) => e.name),
    ['f1', 'f6'],
  );
  assert.equal(events[1].stats.dropped, 4);
  assert.equal(events[1].stats.inspected, 2);
  assert.equal(events[0].verdict, 'NG'); // 0.9 >= 0.5
  // threshold changes apply to the next frame
  threshold = 0.95;
  src.emit!(frame('f7'));
  await new Promise((r) => setTimeout(r, 120));
  assert.equal(events[2].verdict, 'OK');
  assert.equal(events[2].threshold, 0.95);
  await p.stop();
});

test('LivePipeline: a frame that fails to decode is reported and the loop continues', async () => {
  const src = new ManualSource();
  const errors: string[] = [];
  const events: FrameEvent[] = [];
  const p = new LivePipeline(src, {
    current: () => ({ modelId: 'm', model: slowModel(1, new Map()), threshold: 0.5 }),
    persist: async () => ({ inspectionId: null, frame: 'frames/x.jpg', heatmap: null }),
    onFrame: (e) => events.push(e),
    onError: (e) => errors.push(e.kind),
  });
  p.start();
  src.emit!({ source: 'manual', name: 'bad', capturedAt: Date.now(), read: async () => Promise.reject(Object.assign(new Error('x'), { name: 'StationFault', kind: 'corrupt-image' })) });
  await new Promise((r) => setTimeout(r, 20));
  src.emit!({ source: 'manual', name: 'good', capturedAt: Date.now(), read: async () => img });
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(errors.length, 1);
  assert.deepEqual(events.map((e) => e.name), ['good']);
  await p.stop();
});

test('verdict: NG at score >= threshold; detectors: NG when any box reaches it', () => {
  assert.equal(decideVerdict('patchcore', { score: 0.5, boxes: [] }, 0.5), 'NG');
  assert.equal(decideVerdict('patchcore', { score: 0.49, boxes: [] }, 0.5), 'OK');
  assert.equal(decideVerdict('detector', { score: 0.9, boxes: [{ x: 0, y: 0, w: 1, h: 1, score: 0.4 }] }, 0.5), 'OK');
  assert.equal(decideVerdict('detector', { score: 0, boxes: [{ x: 0, y: 0, w: 1, h: 1, score: 0.6, label: 'scratch' }] }, 0.5), 'NG');
});

test('heatmap: quantisation is relative to the threshold (128 = at threshold) and max-pooling keeps peaks', () => {
  const map = { width: 8, height: 8, data: new Float32Array(64) };
  map.data[9] = 2; // a one-pixel peak
  map.data[63] = 1;
  const small = downsampleMax(map, 4);
  assert.equal(small.width, 4);
  assert.equal(small.data[0], 2);
  const q = quantise({ width: 3, height: 1, data: new Float32Array([0, 1, 5]) }, 1);
  assert.deepEqual([...q], [0, 128, 255]);
  assert.equal(HEATMAP_LUT[3], 0, 'zero anomaly is transparent');
  assert.ok(HEATMAP_LUT[255 * 4 + 3] > HEATMAP_LUT[128 * 4 + 3], 'alpha rises with the value');
});


test('LivePipeline, every-part queue: the next part is read (decoded) while the current one is inspected; a failed read is its own error', async () => {
  const src = new ManualSource();
  const log: string[] = [];
  const events: FrameEvent[] = [];
  const errors: string[] = [];
  let readP2: () => void = () => {};
  const p2Read = new Promise<void>((r) => (readP2 = r));
  const model: InspectionModel = {
    info: TEST_MODEL_INFO,
    executionProvider: 'cpu',
    async infer(image) {
      const name = `p${image.width}`;
      log.push(`infer ${name}`);
      // p1's inference ends only once p2's read has started (bounded: a pipeline without decode-ahead fails here).
      if (name === 'p1') await Promise.race([p2Read, new Promise((r) => setTimeout(r, 5000))]);
      log.push(`done ${name}`);
      return { score: 0.1, boxes: [], timings: {} };
    },
    async dispose() {},
  };
  const p = new LivePipeline(
    src,
    {
      current: () => ({ modelId: 'm', model, threshold: 0.5 }),
      persist: async (r) => ({ inspectionId: r.seq, frame: `frames/${r.frame.name}.jpg`, heatmap: null }),
      onFrame: (e) => events.push(e),
      onError: (e) => errors.push(e.kind),
    },
    new FifoQueue(),
  );
  p.start();
  const part = (i: number, fail = false) =>
    numberedPart(i, {
      channels: 3,
      fail,
      onRead: () => {
        log.push(`read p${i}`);
        if (i === 2) readP2();
      },
    });
  src.emit!(part(1));
  src.emit!(part(2));
  src.emit!(part(3, true));
  src.emit!(part(4));
  for (let i = 0; i < 200 && events.length + errors.length < 4; i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(log.indexOf('read p2') < log.indexOf('done p1'), `p2 read while p1 is inspected: ${log.join(', ')}`);
  assert.deepEqual(events.map((e) => e.name), ['p1', 'p2', 'p4'], 'every part inspected in order');
  assert.deepEqual(errors, ['corrupt-image']);
  await p.stop();
});
