/**
 * Item 8: documented image limits (pixels, side ratio, formats; BMP dropped from the accepted list), refused
 * with a reason; a hot folder reports every file it skips (empty, dangling link, not an image) instead of
 * ignoring it silently.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { decodeImage, isImagePath, MAX_IMAGE_PIXELS } from '../../main/node/image-io.js';
import { HotFolderSource } from '../../main/camera/hot-folder-source.js';
import type { SourceFrame, SourceStatusUpdate } from '../../main/camera/source.js';
import { SCREW } from '../helpers.js';

function tempDir(t: { after(fn: () => void): void }): string {
  const d = mkdtempSync(join(tmpdir(), 'station-limits-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

const blank = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: { r: 128, g: 128, b: 128 } } })
    .greyscale()
    .png({ compressionLevel: 1 })
    .toBuffer();

test('an 8000 x 8000 image is refused from its header with the size and the limit', async (t) => {
  const p = join(tempDir(t), 'huge.png');
  writeFileSync(p, await blank(8000, 8000));
  await assert.rejects(decodeImage(p), (e: { kind: string; message: string }) => {
    assert.equal(e.kind, 'invalid-input');
    assert.match(e.message, /8000 x 8000 \(64\.0 Mpx\); the station takes at most 25 Mpx/);
    return true;
  });
  assert.equal(MAX_IMAGE_PIXELS, 25_000_000);
});

test('a 20000 x 100 strip and a 10 x 10 speck are refused; 1024 x 1024 decodes', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'strip.png'), await blank(20000, 100));
  writeFileSync(join(dir, 'speck.png'), await blank(10, 10));
  await assert.rejects(decodeImage(join(dir, 'strip.png')), { kind: 'invalid-input', message: /20000 x 100: a side ratio above 20:1/ });
  await assert.rejects(decodeImage(join(dir, 'speck.png')), { kind: 'invalid-input', message: /sides under 16 px/ });
  const ok = await decodeImage(join(SCREW, 'train', 'good', '000.png'));
  assert.deepEqual([ok.width, ok.height, ok.channels], [1024, 1024, 3]);
});

test('BMP is not on the accepted list, and decoding one says why', async (t) => {
  assert.equal(isImagePath('part.bmp'), false);
  assert.equal(isImagePath('part.PNG'), true);
  // A valid 2 x 2, 24-bit BMP.
  const header = Buffer.alloc(54);
  header.write('BM', 0);
  header.writeUInt32LE(54 + 16, 2);
  header.writeUInt32LE(54, 10);
  header.writeUInt32LE(40, 14);
  header.writeInt32LE(2, 18);
  header.writeInt32LE(2, 22);
  header.writeUInt16LE(1, 26);
  header.writeUInt16LE(24, 28);
  header.writeUInt32LE(16, 34);
  const p = join(tempDir(t), 'part.bmp');
  writeFileSync(p, Buffer.concat([header, Buffer.alloc(16, 200)]));
  await assert.rejects(decodeImage(p), { kind: 'invalid-input', message: /BMP is not supported \(convert to PNG\)/ });
});

test('hot folder: an empty file, a dangling link and a non-image are each reported once with the reason', async (t) => {
  const dir = tempDir(t);
  const src = new HotFolderSource({ path: dir, settleMs: 50, pollMs: 30 });
  const statuses: SourceStatusUpdate[] = [];
  const frames: SourceFrame[] = [];
  src.onStatus((s) => statuses.push(s));
  src.start((f) => void frames.push(f));
  t.after(() => src.stop());
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  await sleep(100);
  writeFileSync(join(dir, 'empty.png'), '');
  symlinkSync(join(dir, 'missing.png'), join(dir, 'dangling.png'));
  writeFileSync(join(dir, 'scan.bmp'), 'BM');
  copyFileSync(join(SCREW, 'train', 'good', '000.png'), join(dir, 'good.png'));
  const messages = () => statuses.map((s) => s.message ?? '').filter((m) => m.startsWith('skipped'));
  for (let i = 0; i < 100 && (messages().length < 3 || frames.length < 1); i++) await sleep(50);
  await sleep(200); // a few more polls: nothing is reported twice
  assert.deepEqual(messages().sort(), [
    'skipped dangling.png: a link to a file that does not exist',
    'skipped empty.png: empty file (0 bytes)',
    'skipped scan.bmp: not an image the station reads (.png, .jpg, .jpeg, .tif, .tiff, .webp)',
  ]);
  assert.deepEqual(
    frames.map((f) => f.name),
    ['good.png'],
  );
});
