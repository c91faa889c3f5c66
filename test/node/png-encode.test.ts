/**
 * The stored PNG of a spooled frame (main/node/png-encode.ts) is a valid PNG: sharp, an independent decoder, and
 * the station's own fast path both read back exactly the pixels written, gray and RGB, across stored-block and row
 * boundaries; malformed rasters are refused before anything is written.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inflateSync } from 'node:zlib';
import sharp from 'sharp';
import { decodeImage, MAX_IMAGE_PIXELS } from '../../main/node/image-io.js';
import { decodePngFastSync } from '../../main/node/png-decode.js';
import { encodeStoredPng } from '../../main/node/png-encode.js';
import type { RawImage } from '../../main/common/types.js';
import { SCREW } from '../helpers.js';
import { join } from 'node:path';

async function sharpPixels(png: Uint8Array, channels: 1 | 3): Promise<{ width: number; height: number; data: Buffer }> {
  const meta = await sharp(png).metadata();
  assert.equal(meta.channels, channels, 'channels sharp sees in the file');
  // sharp hands gray out as sRGB unless asked for the one band.
  const decoder = channels === 1 ? sharp(png).extractChannel(0) : sharp(png);
  const { data, info } = await decoder.raw().toBuffer({ resolveWithObject: true });
  assert.equal(info.channels, channels);
  return { width: info.width, height: info.height, data };
}

function pseudoRandom(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s >>> 24;
  }
  return out;
}

test('a real screw frame (1024 x 1024 gray, 17 stored blocks) reads back exactly, through sharp and the fast path', async () => {
  const img = await decodeImage(join(SCREW, 'train', 'good', '000.png'), { channels: 1, keepGray: true });
  assert.equal(img.channels, 1);
  const png = encodeStoredPng(img);
  const viaSharp = await sharpPixels(png, 1);
  assert.deepEqual([viaSharp.width, viaSharp.height], [img.width, img.height]);
  assert.ok(Buffer.from(img.data).equals(viaSharp.data), 'sharp reads the written pixels');
  const fast = decodePngFastSync(png, 1, MAX_IMAGE_PIXELS, true);
  assert.ok(fast, 'the fast path takes the file');
  assert.ok(Buffer.from(fast.data).equals(Buffer.from(img.data)), 'the fast path reads the written pixels');
});

test('RGB and gray rasters of odd sizes (rows cut by block edges, one pixel, one row) read back exactly', async () => {
  const cases: RawImage[] = [
    { width: 7, height: 5, channels: 3, data: pseudoRandom(7 * 5 * 3, 1) },
    { width: 1, height: 1, channels: 1, data: Uint8Array.of(200) },
    { width: 70001, height: 1, channels: 1, data: pseudoRandom(70001, 2) },
    { width: 333, height: 211, channels: 3, data: pseudoRandom(333 * 211 * 3, 3) },
  ];
  for (const img of cases) {
    const png = encodeStoredPng(img);
    const back = await sharpPixels(png, img.channels as 1 | 3);
    assert.deepEqual([back.width, back.height], [img.width, img.height]);
    assert.ok(Buffer.from(img.data).equals(back.data), `${img.width} x ${img.height} x ${img.channels}`);
    // The zlib stream is valid on its own (Adler-32 checked by inflate): filter byte 0, then the row, per row.
    const idatLen = new DataView(png.buffer, png.byteOffset).getUint32(33);
    const raw = inflateSync(png.subarray(41, 41 + idatLen));
    const rowBytes = img.width * img.channels;
    assert.equal(raw.length, (rowBytes + 1) * img.height);
    for (let y = 0; y < img.height; y++) assert.equal(raw[y * (rowBytes + 1)], 0, `row ${y} filter`);
  }
});

test('malformed rasters are refused with the reason', () => {
  assert.throws(() => encodeStoredPng({ width: 2, height: 2, channels: 4, data: new Uint8Array(16) }), /1 or 3 channels/);
  assert.throws(() => encodeStoredPng({ width: 0, height: 2, channels: 1, data: new Uint8Array(0) }), /bad size/);
  assert.throws(() => encodeStoredPng({ width: 2, height: 2, channels: 1, data: new Uint8Array(3) }), /3 bytes for 2 x 2 x 1/);
});
