/**
 * A part read ahead is registered on the decode thread with the inspecting model's settings (InspectionModel
 * .registration), exactly as the model would register it, so the inspecting thread is left the backbone, the search
 * and the map; settings that differ from the model's are ignored.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import sharp from 'sharp';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RawImage } from '../../main/common/types.js';
import type { InspectionModel } from '../../main/inference/model.js';
import { register, registerPrepared, type PreparedImage, type RegisteredImage } from '../../main/inference/registration.js';
import { DEFAULT_PATCHCORE_CONFIG } from '../../main/inference/patchcore/config.js';
import { FolderSource } from '../../main/camera/folder-source.js';
import { LivePipeline } from '../../main/pipeline/live-pipeline.js';
import { decodeImage, registeredOnThread } from '../../main/node/image-io.js';
import { SCREW } from '../helpers.js';
import { FifoQueue, TEST_MODEL_INFO } from './pipeline-fakes.js';

const CFG = DEFAULT_PATCHCORE_CONFIG.registration;

function assertSameRegistration(a: RegisteredImage, b: RegisteredImage, what: string): void {
  assert.deepEqual([a.image.width, a.image.height, a.image.channels], [b.image.width, b.image.height, b.image.channels], what);
  assert.equal(Buffer.compare(Buffer.from(a.image.data), Buffer.from(b.image.data)), 0, `${what}: canvas pixels`);
  assert.equal(Buffer.compare(Buffer.from(a.mask), Buffer.from(b.mask)), 0, `${what}: mask`);
  assert.deepEqual([a.toOriginal, a.angle, a.length], [b.toOriginal, b.angle, b.length], `${what}: transform`);
}

test('a PNG decoded ahead with the model\'s registration comes back registered exactly as the model registers it', async () => {
  const file = join(SCREW, 'test', 'scratch_neck', '000.png');
  const inline = await decodeImage(file, { channels: 1 });
  assert.equal(inline.registered, undefined, 'a decode awaited at once is not registered');
  const before = registeredOnThread();
  const ahead = await decodeImage(file, { channels: 1, ahead: true, register: CFG });
  assert.equal(registeredOnThread(), before + 1);
  assert.ok(ahead.registered, 'registered on the decode thread');
  assert.deepEqual(ahead.registered.config, CFG);
  assertSameRegistration(ahead.registered.value, register(inline, CFG), 'decode thread vs here');
  assert.equal((await decodeImage(file, { channels: 1, ahead: true })).registered, undefined, 'not asked: not registered');

  // The model takes the registration it came with only when its own settings are the same.
  assert.equal(registerPrepared(ahead, CFG), ahead.registered.value);
  const other = { ...CFG, width: 256, height: 128 };
  const redone = registerPrepared(ahead, other);
  assert.notEqual(redone, ahead.registered.value);
  assertSameRegistration(redone, register(inline, other), 'other settings');
  assert.notEqual(registerPrepared(ahead, { ...CFG, maskDilation: CFG.maskDilation + 1 }), ahead.registered.value);
});

test('a part the decode thread cannot register comes back decoded, and the model reports why', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'station-register-blank-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const blank = join(dir, 'blank.png');
  writeFileSync(blank, await sharp({ create: { width: 256, height: 256, channels: 3, background: { r: 200, g: 200, b: 200 } } }).grayscale().png().toBuffer());
  const img = await decodeImage(blank, { channels: 1, ahead: true, register: CFG });
  assert.deepEqual([img.width, img.height, img.channels, img.registered], [256, 256, 1, undefined]);
  assert.throws(() => registerPrepared(img, CFG), /no part found/);
});

test('live pipeline (every part): each part reaches the model registered with the model\'s own settings', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'station-register-ahead-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const files = ['good/000.png', 'thread_side/001.png', 'manipulated_front/002.png'];
  files.forEach((f, i) => copyFileSync(join(SCREW, 'test', f), join(dir, `${i}.png`)));
  const seen: PreparedImage[] = [];
  const model: InspectionModel = {
    info: TEST_MODEL_INFO,
    executionProvider: 'cpu',
    inputChannels: 1,
    registration: CFG,
    async infer(image: RawImage) {
      seen.push(image);
      return { score: 0.1, boxes: [], timings: {} };
    },
    async dispose() {},
  };
  const src = new FolderSource({ path: dir, fps: 50, loop: false });
  let stored = 0;
  const p = new LivePipeline(src, {
    current: () => ({ modelId: 'm', model, threshold: 0.5 }),
    persist: async (r) => {
      stored++;
      return { inspectionId: r.seq, frame: `frames/${r.seq}.jpg`, heatmap: null };
    },
    onFrame: () => {},
    onError: (e) => assert.fail(e.message),
  }, new FifoQueue()); // every-part delivery: parts are read ahead
  p.start();
  for (let i = 0; i < 600 && stored < files.length; i++) await new Promise((r) => setTimeout(r, 50));
  await p.stop();
  assert.equal(seen.length, files.length, 'every file inspected');
  for (const [i, image] of seen.entries()) {
    assert.ok(image.registered, `part ${i} registered ahead`);
    assertSameRegistration(image.registered.value, register(await decodeImage(join(dir, `${i}.png`), { channels: 1 }), CFG), `part ${i}`);
  }
});
