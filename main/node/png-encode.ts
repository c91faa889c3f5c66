/**
 * An uncompressed ("stored") PNG of an 8-bit gray or RGB raster, built in one buffer: what the GenICam source
 * spools per triggered part. The file lives only until the part has its log row and is read back at once, so
 * compressing it is wasted work: sharp's level-0 PNG cost 5.7 ms of CPU per 1024 x 1024 Mono8 frame plus pool
 * hops, this ~2 ms (a copy, Adler-32 and CRC-32 over 1 MB), and png-decode.ts reads it back with a plain inflate.
 *
 * Layout: signature, IHDR, one IDAT holding a zlib stream of stored deflate blocks (filter 0 on every row), IEND.
 */
import { crc32 } from 'node:zlib';
import type { RawImage } from '../common/types.js';

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** Largest stored deflate block (RFC 1951: LEN is 16 bits). */
const BLOCK = 65535;
/** Bytes Adler-32 may sum before its 32-bit accumulators must be reduced (zlib's NMAX). */
const NMAX = 5552;

export function encodeStoredPng(img: RawImage): Uint8Array {
  const { width, height, channels, data } = img;
  if (channels !== 1 && channels !== 3) throw new RangeError(`encodeStoredPng: 1 or 3 channels, got ${channels}`);
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) throw new RangeError(`encodeStoredPng: bad size ${width} x ${height}`);
  const rowBytes = width * channels;
  if (data.length !== rowBytes * height) throw new RangeError(`encodeStoredPng: ${data.length} bytes for ${width} x ${height} x ${channels}`);
  const raw = (rowBytes + 1) * height; // filter byte + row
  const blocks = Math.max(1, Math.ceil(raw / BLOCK));
  const zlen = 2 + raw + 5 * blocks + 4;
  const out = new Uint8Array(8 + (12 + 13) + (12 + zlen) + 12);
  const view = new DataView(out.buffer);
  out.set(SIGNATURE, 0);

  // IHDR: width, height, bit depth 8, colour type (0 gray, 2 RGB), deflate, adaptive filtering, no interlace.
  let p = 8;
  view.setUint32(p, 13);
  out.set([0x49, 0x48, 0x44, 0x52], p + 4);
  view.setUint32(p + 8, width);
  view.setUint32(p + 12, height);
  out.set([8, channels === 1 ? 0 : 2, 0, 0, 0], p + 16);
  view.setUint32(p + 21, crc32(out.subarray(p + 4, p + 21)));
  p += 25;

  // IDAT: zlib header (deflate, 32K window, no preset dictionary, "fastest"), stored blocks, Adler-32.
  const idat = p;
  view.setUint32(p, zlen);
  out.set([0x49, 0x44, 0x41, 0x54], p + 4);
  p += 8;
  out[p++] = 0x78;
  out[p++] = 0x01;
  let a = 1,
    b = 0,
    pending = 0;
  let row = 0,
    col = -1; // col -1: the row's filter byte is next
  for (let left = raw; left > 0;) {
    const n = Math.min(BLOCK, left);
    left -= n;
    out[p] = left === 0 ? 1 : 0;
    view.setUint16(p + 1, n, true);
    view.setUint16(p + 3, n ^ 0xffff, true);
    p += 5;
    // Copy the block's bytes (row by row) and sum them.
    for (let k = n; k > 0;) {
      if (col < 0) {
        out[p++] = 0;
        b += a; // a += 0
        col = 0;
        k--;
        if (++pending === NMAX) {
          a %= 65521;
          b %= 65521;
          pending = 0;
        }
        continue;
      }
      const take = Math.min(k, rowBytes - col);
      const src = row * rowBytes + col;
      out.set(data.subarray(src, src + take), p);
      for (let i = 0; i < take; i++) {
        a += data[src + i]!;
        b += a;
        if (++pending === NMAX) {
          a %= 65521;
          b %= 65521;
          pending = 0;
        }
      }
      p += take;
      k -= take;
      col += take;
      if (col === rowBytes) {
        row++;
        col = -1;
      }
    }
  }
  a %= 65521;
  b %= 65521;
  view.setUint32(p, ((b << 16) | a) >>> 0);
  p += 4;
  view.setUint32(p, crc32(out.subarray(idat + 4, p)));
  p += 4;

  // IEND.
  view.setUint32(p, 0);
  out.set([0x49, 0x45, 0x4e, 0x44], p + 4);
  view.setUint32(p + 8, crc32(out.subarray(p + 4, p + 8)));
  return out;
}
