/**
 * Every-part queues store a part (frame files, log row) while the next part is inspected; stores run one at a
 * time and in order, and a part's frame is released only once it is stored.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FrameEvent } from '../../main/common/api.js';
import type { InspectionModel } from '../../main/inference/model.js';
import { ManualSource, FifoQueue, numberedPart, TEST_MODEL_INFO } from './pipeline-fakes.js';
import { LivePipeline } from '../../main/pipeline/live-pipeline.js';

test('LivePipeline, every-part queue: part 1 is stored while part 2 is inspected; stores one at a time, in order', async () => {
  const src = new ManualSource();
  const log: string[] = [];
  const events: FrameEvent[] = [];
  const errors: string[] = [];
  let infer2Started: () => void = () => {};
  const p2Inferring = new Promise<void>((r) => (infer2Started = r));
  let storing = 0, maxStoring = 0;
  const model: InspectionModel = {
    info: TEST_MODEL_INFO,
    executionProvider: 'cpu',
    inputChannels: 1,
    async infer(image) {
      log.push(`infer p${image.width}`);
      if (image.width === 2) infer2Started();
      return { score: 0.1, boxes: [], timings: {} };
    },
    async dispose() {},
  };
  const p = new LivePipeline(
    src,
    {
      current: () => ({ modelId: 'm', model, threshold: 0.5 }),
      persist: async (r) => {
        storing++;
        maxStoring = Math.max(maxStoring, storing);
        log.push(`store ${r.frame.name}`);
        // p1's store ends only once p2's inference has started (bounded: a pipeline that waits for stores fails here).
        if (r.frame.name === 'p1') await Promise.race([p2Inferring, new Promise((res) => setTimeout(res, 5000))]);
        log.push(`stored ${r.frame.name}`);
        storing--;
        return { inspectionId: r.seq, frame: `frames/${r.frame.name}.jpg`, heatmap: null };
      },
      onFrame: (e) => events.push(e),
      onError: (e) => errors.push(e.kind),
    },
    new FifoQueue(),
  );
  p.start();
  const part = (i: number, fail = false) => numberedPart(i, { fail, onRelease: () => log.push(`release p${i}`) });
  for (const f of [part(1), part(2), part(3, true), part(4)]) src.emit!(f);
  for (let i = 0; i < 600 && events.length + errors.length < 4; i++) await new Promise((r) => setTimeout(r, 10));
  await p.stop();
  assert.ok(log.indexOf('infer p2') < log.indexOf('stored p1'), `p2 inspected while p1 is stored: ${log.join(', ')}`);
  assert.equal(maxStoring, 1, 'one store at a time');
  assert.deepEqual(log.filter((l) => l.startsWith('store ')), ['store p1', 'store p2', 'store p4'], 'stored in order');
  assert.deepEqual(events.map((e) => e.name), ['p1', 'p2', 'p4']);
  assert.deepEqual(errors, ['corrupt-image']);
  for (const n of ['p1', 'p2', 'p4']) assert.ok(log.indexOf(`release ${n}`) > log.indexOf(`stored ${n}`), `${n} released after it is stored`);
});
