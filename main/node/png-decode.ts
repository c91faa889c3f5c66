/**
 * Fast path for the PNGs cameras and datasets write most: 8-bit gray, gray+alpha, RGB or RGBA, not interlaced,
 * without colour profile, palette, transparency key or EXIF: Node's zlib inflates the image data and the rows are
 * unfiltered here, on the decode thread for files decoded ahead (decode-worker.ts), else on the caller's. Measured
 * on a 1024 x 1024 gray screw (408 KB): CPU sharp 19 ms, this path 10–11 ms (load ~8); wall after an inference
 * 8.6 ms (load 2.3).
 *
 * Anything else, and anything odd about a file (bad CRC, truncated or oversized data, unknown chunk), returns
 * null: the caller then decodes with sharp, which gives the same pixels for the files this path takes (tested on
 * the shared images) and its own error for broken ones.
 */
import { crc32, inflateSync } from 'node:zlib';

export interface PngRaster {
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 3;
  readonly data: Uint8Array;
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** Samples per pixel by PNG colour type: gray, RGB, gray + alpha, RGBA (palette, type 3, is left to sharp). */
const SAMPLES: Record<number, number> = { 0: 1, 2: 3, 4: 2, 6: 4 };
/** Ancillary chunks that change no pixel sharp returns (libvips ignores gAMA; text and time are metadata). */
const HARMLESS = new Set(['gAMA', 'pHYs', 'tEXt', 'zTXt', 'iTXt', 'tIME']);

interface PngLayout {
  readonly width: number;
  readonly height: number;
  /** Samples per pixel in the file. */
  readonly samples: number;
  /** The zlib stream: the IDAT chunks' data, joined. */
  readonly zdata: Uint8Array;
}

/** Header and image data of a PNG this path takes; null for any other file (sharp then decodes it). */
export function parsePng(buf: Uint8Array, maxPixels: number): PngLayout | null {
  if (buf.length < 8 + 25 + 12 || SIGNATURE.some((b, i) => buf[i] !== b)) return null;
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let p = 8;
  let width = 0, height = 0, samples = 0;
  const idat: Uint8Array[] = [];
  let idatBytes = 0;
  let ended = false;
  while (p + 12 <= buf.length) {
    const len = view.getUint32(p);
    if (p + 12 + len > buf.length) return null;
    const type = String.fromCharCode(buf[p + 4]!, buf[p + 5]!, buf[p + 6]!, buf[p + 7]!);
    const body = buf.subarray(p + 8, p + 8 + len);
    if (crc32(body, crc32(buf.subarray(p + 4, p + 8))) !== view.getUint32(p + 8 + len)) return null;
    if (p === 8) {
      if (type !== 'IHDR' || len !== 13) return null;
      width = view.getUint32(p + 8);
      height = view.getUint32(p + 12);
      const [depth, colour, compression, filter, interlace] = body.subarray(8, 13);
      samples = SAMPLES[colour!] ?? 0;
      if (depth !== 8 || !samples || compression !== 0 || filter !== 0 || interlace !== 0) return null;
      if (width === 0 || height === 0 || width * height > maxPixels) return null;
    } else if (type === 'IDAT') {
      // IDAT chunks must be consecutive.
      if (idat.length > 0 && idat.at(-1)!.byteOffset + idat.at(-1)!.length + 12 !== body.byteOffset) return null;
      idat.push(body);
      idatBytes += len;
    } else if (type === 'IEND') {
      ended = p + 12 + len === buf.length;
      break;
    } else if (!HARMLESS.has(type)) {
      return null;
    }
    p += 12 + len;
  }
  if (!ended || idat.length === 0) return null;
  let zdata: Uint8Array;
  if (idat.length === 1) zdata = idat[0]!;
  else {
    zdata = new Uint8Array(idatBytes);
    let o = 0;
    for (const c of idat) { zdata.set(c, o); o += c.length; }
  }
  return { width, height, samples, zdata };
}

/**
 * One output chunk one byte larger than the image: no growing and joining of 16 KB chunks (that cost ~8 ms per
 * megapixel), and the extra byte shows data beyond the image. maxOutputLength bounds a decompression bomb.
 */
const inflateOptions = (size: number) => ({ chunkSize: size + 1, maxOutputLength: size + 1 });

function inflateExactSync(zdata: Uint8Array, size: number): Uint8Array | null {
  try {
    const out = inflateSync(zdata, inflateOptions(size));
    return out.length === size ? new Uint8Array(out.buffer, out.byteOffset, out.byteLength) : null;
  } catch {
    return null;
  }
}

/**
 * Decodes a PNG this path takes to `channels` interleaved 8-bit samples (alpha dropped, gray replicated to RGB);
 * null when the file needs sharp (an RGB file asked for gray is one: sharp's colour conversion decides those).
 * Runs on the calling thread: measured faster than inflating on the libuv pool right after an inference (9.2 against
 * 15.3 ms wall, load 3.6: each hop to the pool waits for a wake-up), and the caller waits for the pixels anyway.
 */
export function decodePngFastSync(buf: Uint8Array, channels: 1 | 3, maxPixels: number, keepGray = false): PngRaster | null {
  const png = eligible(buf, channels, maxPixels);
  if (!png) return null;
  return finish(png, inflateExactSync(png.zdata, filteredSize(png)), outChannels(png, channels, keepGray));
}

/** keepGray: a gray file stays one channel even when RGB is asked for (the caller takes either). */
const outChannels = (png: PngLayout, channels: 1 | 3, keepGray: boolean): 1 | 3 => (keepGray && png.samples <= 2 ? 1 : channels);

function eligible(buf: Uint8Array, channels: 1 | 3, maxPixels: number): PngLayout | null {
  const png = parsePng(buf, maxPixels);
  return png && !(channels === 1 && png.samples >= 3) ? png : null;
}

const filteredSize = (png: PngLayout) => (png.width * png.samples + 1) * png.height;

function finish(png: PngLayout, filtered: Uint8Array | null, channels: 1 | 3): PngRaster | null {
  if (!filtered) return null;
  const { width, height, samples } = png;
  const pixels = unfilter(filtered, width, height, samples);
  if (!pixels) return null;
  return { width, height, channels, data: toChannels(pixels, width * height, samples, channels) };
}

/** Drops alpha and replicates gray: `samples` per pixel in the file -> `channels` out. */
function toChannels(px: Uint8Array, n: number, samples: number, channels: 1 | 3): Uint8Array {
  const colour = samples >= 3;
  if (samples === channels) return px;
  const out = new Uint8Array(n * channels);
  if (channels === 1) {
    for (let i = 0, j = 0; i < n; i++, j += samples) out[i] = px[j]!;
  } else if (colour) {
    for (let i = 0, j = 0, o = 0; i < n; i++, j += samples, o += 3) { out[o] = px[j]!; out[o + 1] = px[j + 1]!; out[o + 2] = px[j + 2]!; }
  } else {
    for (let i = 0, j = 0, o = 0; i < n; i++, j += samples, o += 3) { const v = px[j]!; out[o] = v; out[o + 1] = v; out[o + 2] = v; }
  }
  return out;
}

/**
 * Reverses the PNG row filters (None, Sub, Up, Average, Paeth) of 8-bit samples, `bpp` bytes per pixel.
 * Paeth is written without branches: on noisy camera images its comparisons are unpredictable, and the branchy
 * form measured 2x slower. Returns null on an unknown filter type.
 */
export function unfilter(raw: Uint8Array, width: number, height: number, bpp: number): Uint8Array | null {
  const stride = width * bpp;
  const out = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const s = y * (stride + 1) + 1;
    const o = y * stride;
    const u = o - stride;
    let filter = raw[s - 1]!;
    // On the first row "up" is zero: Up is None, Paeth is Sub (its predictor is then always the left pixel).
    if (y === 0 && (filter === 2 || filter === 4)) filter = filter === 2 ? 0 : 1;
    switch (filter) {
      case 0:
        out.set(raw.subarray(s, s + stride), o);
        break;
      case 1:
        for (let x = 0; x < bpp; x++) out[o + x] = raw[s + x]!;
        for (let x = bpp; x < stride; x++) out[o + x] = (raw[s + x]! + out[o + x - bpp]!) & 255;
        break;
      case 2:
        for (let x = 0; x < stride; x++) out[o + x] = (raw[s + x]! + out[u + x]!) & 255;
        break;
      case 3:
        if (y === 0) {
          for (let x = 0; x < bpp; x++) out[o + x] = raw[s + x]!;
          for (let x = bpp; x < stride; x++) out[o + x] = (raw[s + x]! + (out[o + x - bpp]! >> 1)) & 255;
        } else {
          for (let x = 0; x < bpp; x++) out[o + x] = (raw[s + x]! + (out[u + x]! >> 1)) & 255;
          for (let x = bpp; x < stride; x++) out[o + x] = (raw[s + x]! + ((out[o + x - bpp]! + out[u + x]!) >> 1)) & 255;
        }
        break;
      case 4:
        if (bpp === 1) paethGray(raw, out, s, o, u, stride);
        else {
          for (let x = 0; x < bpp; x++) out[o + x] = (raw[s + x]! + out[u + x]!) & 255;
          for (let x = bpp; x < stride; x++) {
            out[o + x] = (raw[s + x]! + paeth(out[o + x - bpp]!, out[u + x]!, out[u + x - bpp]!)) & 255;
          }
        }
        break;
      default:
        return null;
    }
  }
  return out;
}

/** Paeth predictor, branch-free: a = left, b = up, c = up-left. */
function paeth(a: number, b: number, c: number): number {
  let pa = b - c, pb = a - c, pc = pa + pb;
  pa = (pa ^ (pa >> 31)) - (pa >> 31);
  pb = (pb ^ (pb >> 31)) - (pb >> 31);
  pc = (pc ^ (pc >> 31)) - (pc >> 31);
  const takeA = ~((pb - pa) | (pc - pa)) >> 31; // all ones when pa <= pb and pa <= pc
  const takeB = ~(pc - pb) >> 31; // all ones when pb <= pc
  return (a & takeA) | (~takeA & ((b & takeB) | (c & ~takeB)));
}

/** One Paeth row of a gray image, the left and up-left pixels kept in registers. */
function paethGray(raw: Uint8Array, out: Uint8Array, s: number, o: number, u: number, stride: number): void {
  let c = out[u]!;
  let a = (raw[s]! + c) & 255;
  out[o] = a;
  for (let x = 1; x < stride; x++) {
    const b = out[u + x]!;
    a = (raw[s + x]! + paeth(a, b, c)) & 255;
    out[o + x] = a;
    c = b;
  }
}
