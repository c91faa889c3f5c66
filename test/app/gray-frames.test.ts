/**
 * A model that reads gray (PatchCore) gets gray files as one channel from the live pipeline (no RGB copy decoded and
 * converted back, a third of the frame to store); colour files stay colour, and a model that wants RGB gets RGB.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { RawImage } from '../../main/common/types.js';
import type { InspectionModel } from '../../main/inference/model.js';
import { FolderSource } from '../../main/camera/folder-source.js';
import { LivePipeline } from '../../main/pipeline/live-pipeline.js';
import { decodeImage } from '../../main/node/image-io.js';
import { SCREW } from '../helpers.js';

function recordingModel(inputChannels: 1 | undefined, seen: { name: string; channels: number; data: Uint8Array }[]): InspectionModel {
  return {
    info: { id: 'm', kind: 'patchcore', formatVersion: 1, backbone: 'x', createdAt: '', trainImages: 1, defaultThreshold: 0.5, params: {} },
    executionProvider: 'cpu',
    inputChannels,
    async infer(image: RawImage) {
      seen.push({ name: '', channels: image.channels, data: image.data });
      return { score: 0.1, boxes: [], timings: {} };
    },
    async dispose() {},
  };
}

async function runFolder(dir: string, inputChannels: 1 | undefined): Promise<Map<string, { channels: number; data: Uint8Array }>> {
  const seen: { name: string; channels: number; data: Uint8Array }[] = [];
  const names: string[] = [];
  const src = new FolderSource({ path: dir, fps: 50, loop: false });
  const p = new LivePipeline(src, {
    current: () => ({ modelId: 'm', model: recordingModel(inputChannels, seen), threshold: 0.5 }),
    persist: async (r) => {
      names.push(r.frame.name!);
      return { inspectionId: r.seq, frame: `frames/${r.seq}.jpg`, heatmap: null };
    },
    onFrame: () => {},
    onError: (e) => assert.fail(e.message),
  });
  p.start();
  for (let i = 0; i < 600 && names.length < 2; i++) await new Promise((r) => setTimeout(r, 50));
  await p.stop();
  assert.equal(names.length, 2, 'both files inspected');
  return new Map(names.map((n, i) => [n, seen[i]!]));
}

test('live pipeline: gray files reach a gray model as one channel, colour files and RGB models get RGB', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'station-gray-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const grayFile = join(SCREW, 'test', 'good', '001.png');
  copyFileSync(grayFile, join(dir, 'a-gray.png'));
  const colour = Buffer.from(Array.from({ length: 64 * 48 * 3 }, (_, i) => (i * 37) % 256));
  writeFileSync(join(dir, 'b-colour.png'), await sharp(colour, { raw: { width: 64, height: 48, channels: 3 } }).png().toBuffer());

  const gray = await runFolder(dir, 1);
  assert.equal(gray.get('a-gray.png')!.channels, 1);
  assert.deepEqual(Buffer.from(gray.get('a-gray.png')!.data), Buffer.from((await decodeImage(grayFile, { channels: 1 })).data));
  assert.equal(gray.get('b-colour.png')!.channels, 3);

  const rgb = await runFolder(dir, undefined);
  assert.equal(rgb.get('a-gray.png')!.channels, 3);
  assert.deepEqual(Buffer.from(rgb.get('a-gray.png')!.data), Buffer.from((await decodeImage(grayFile, { channels: 3 })).data));
  assert.equal(rgb.get('b-colour.png')!.channels, 3);
});
