/** Image decoding and encoding with sharp; every decode failure becomes a 'corrupt-image' fault naming the file. */
import sharp from 'sharp';
import { readFileSync } from 'node:fs';
import type { Worker } from 'node:worker_threads';
import { decodePngFastSync } from './png-decode.js';
import type { DecodeReply, DecodeRequest } from './decode-worker.js';
import { startWorker, workerEntry } from './worker-start.js';
import { StationFault } from '../common/result.js';
import type { RawImage } from '../common/types.js';
import type { PreparedImage, RegistrationConfig } from '../inference/registration.js';

// Keep sharp's own thread pool small: the 2-core target machine also runs ONNX inference.
sharp.concurrency(1);

export interface DecodeOptions {
  /** 1 = grayscale, 3 = RGB. Default 3. */
  readonly channels?: 1 | 3;
  /**
   * With channels 3: a gray file may come back with its one channel instead of three equal ones (for callers that
   * take either, like the live pipeline feeding a gray model: no RGB copy to make and convert back). Plain PNGs only;
   * other files come back as asked.
   */
  readonly keepGray?: boolean;
  /**
   * The image is decoded ahead of its use (the next part while this one is inspected): plain PNG files are then
   * decoded on the decode thread, leaving this thread to inference. Otherwise they are decoded on this thread, which
   * measured fastest for a decode awaited at once (after an inference, load 3.6: here 9.2 ms wall, decode thread
   * 10.5, zlib on the libuv pool 15.3: every hand-over waits for a thread to wake).
   */
  readonly ahead?: boolean;
  /**
   * With ahead: a plain PNG decoded on the decode thread is also registered there with these settings (the
   * inspecting model's, InspectionModel.registration), so the inspecting thread skips that step too. Ignored
   * otherwise: the model registers the part itself, with the same result.
   */
  readonly register?: RegistrationConfig;
}

/**
 * Image limits (decided from measurement: an 8000 x 8000 part took 15 s and 557 MB to inspect on 2 cores).
 * - at most MAX_IMAGE_PIXELS (25 Mpx: a 20 MP line camera fits, 5472 x 3648) — checked from the header, before
 *   the pixels are decoded;
 * - sides of at least MIN_IMAGE_SIDE px and a long/short side ratio of at most MAX_ASPECT_RATIO (20000 x 100
 *   strips are not parts);
 * - formats: PNG, JPEG, TIFF, WebP (IMAGE_EXTENSIONS). BMP is not accepted: libvips (sharp) cannot decode it.
 * A file outside the limits is an 'invalid-input' fault that says which limit and by how much.
 */
export const MAX_IMAGE_PIXELS = 25_000_000;
export const MIN_IMAGE_SIDE = 16;
export const MAX_ASPECT_RATIO = 20;

function checkSize(label: string, width: number, height: number): void {
  if (width * height > MAX_IMAGE_PIXELS) {
    throw new StationFault(
      'invalid-input',
      `image ${label} is ${width} x ${height} (${((width * height) / 1e6).toFixed(1)} Mpx); the station takes at most ${MAX_IMAGE_PIXELS / 1e6} Mpx: downscale it at the camera`,
    );
  }
  if (Math.min(width, height) < MIN_IMAGE_SIDE) throw new StationFault('invalid-input', `image ${label} is ${width} x ${height}: sides under ${MIN_IMAGE_SIDE} px are not parts`);
  if (Math.max(width, height) / Math.min(width, height) > MAX_ASPECT_RATIO) {
    throw new StationFault('invalid-input', `image ${label} is ${width} x ${height}: a side ratio above ${MAX_ASPECT_RATIO}:1 is not a part image`);
  }
}

/** Decodes a file path or encoded bytes into interleaved 8-bit pixels (alpha dropped, EXIF orientation applied). */
export async function decodeImage(input: string | Uint8Array, opts: DecodeOptions = {}): Promise<PreparedImage> {
  const channels = opts.channels ?? 3;
  const label = typeof input === 'string' ? input : `<${input.byteLength} bytes>`;
  const fast = await decodePlainPng(input, channels, opts.keepGray ?? false, opts.ahead ?? false, opts.register);
  if (fast) {
    checkSize(label, fast.width, fast.height);
    return fast;
  }
  return decodeWithSharp(input, opts);
}

/** decodeImage through sharp only (every format; the reference the PNG fast path is tested against). */
export async function decodeWithSharp(input: string | Uint8Array, opts: DecodeOptions = {}): Promise<RawImage> {
  const channels = opts.channels ?? 3;
  const label = typeof input === 'string' ? input : `<${input.byteLength} bytes>`;
  try {
    let pipe = sharp(input, { failOn: 'error', limitInputPixels: MAX_IMAGE_PIXELS }).rotate().removeAlpha();
    pipe = channels === 1 ? pipe.grayscale() : pipe.toColourspace('srgb');
    const { data, info } = await pipe.raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== channels) {
      throw new Error(`decoded ${info.channels} channels, expected ${channels}`);
    }
    checkSize(label, info.width, info.height);
    return { width: info.width, height: info.height, channels, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
  } catch (e) {
    if (e instanceof StationFault) throw e;
    const code = (e as { code?: string }).code;
    const message = String((e as Error).message);
    if (code === 'ENOENT' || /no such file|Input file is missing/i.test(message)) {
      throw new StationFault('not-found', `image not found: ${label}`);
    }
    if (/exceeds pixel limit/i.test(message)) {
      // Refused from the header; read it again for the size to name.
      const meta = await sharp(input).metadata().catch(() => null);
      if (meta?.width && meta.height) checkSize(label, meta.width, meta.height);
      throw new StationFault('invalid-input', `image ${label} has more than ${MAX_IMAGE_PIXELS / 1e6} Mpx: downscale it at the camera`);
    }
    if (typeof input === 'string' && /\.bmp$/i.test(input)) {
      throw new StationFault('invalid-input', `image ${label}: BMP is not supported (convert to PNG)`);
    }
    throw new StationFault('corrupt-image', `cannot decode image ${label}: ${message}`, { cause: e });
  }
}

/**
 * Plain 8-bit PNGs (the cameras' and the datasets' usual files) without sharp: ~40 % less CPU (png-decode.ts);
 * files decoded ahead on the decode thread, the rest here, synchronously. null for every other file, and for any file the fast path finds odd (a read
 * error included), so sharp decodes it and reports its faults as before.
 */
async function decodePlainPng(input: string | Uint8Array, channels: 1 | 3, keepGray: boolean, ahead: boolean, register?: RegistrationConfig): Promise<PreparedImage | null> {
  if (typeof input !== 'string') return decodePngFastSync(input, channels, MAX_IMAGE_PIXELS, keepGray);
  if (!/\.png$/i.test(input)) return null;
  if (ahead && decodeThread.usable()) {
    const r = await decodeThread.decode(input, channels, keepGray, register);
    if (r !== 'unavailable') return r;
  }
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(input);
  } catch {
    return null;
  }
  return decodePngFastSync(bytes, channels, MAX_IMAGE_PIXELS, keepGray);
}

/**
 * The decode thread (decode-worker.ts), started on the first PNG file decoded ahead and kept: a part decoded ahead
 * then costs the inspecting thread nothing (onnxruntime runs on that thread, so work there waits for it). It holds the process
 * open only while a decode is pending. If it cannot start or dies twice, files are decoded on this thread as before;
 * STATION_DECODE_THREAD=0 does so from the start.
 */
class DecodeThread {
  private worker: Worker | null = null;
  private nextId = 1;
  private failures = 0;
  private readonly pending = new Map<number, (image: PreparedImage | null | 'unavailable') => void>();
  /** Files decoded there, and registered there (for tests and diagnostics). */
  decoded = 0;
  registered = 0;

  usable(): boolean {
    return this.failures < 2 && process.env.STATION_DECODE_THREAD !== '0';
  }

  decode(path: string, channels: 1 | 3, keepGray: boolean, register?: RegistrationConfig): Promise<PreparedImage | null | 'unavailable'> {
    const w = this.start();
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      if (this.pending.size === 1) w.ref();
      w.postMessage({ id, path, channels, maxPixels: MAX_IMAGE_PIXELS, keepGray, register } satisfies DecodeRequest);
    });
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const w = startWorker(workerEntry(new URL('./decode-worker.js', import.meta.url)));
    w.unref();
    w.on('message', (m: DecodeReply) => {
      const done = this.pending.get(m.id);
      if (!done) return;
      this.pending.delete(m.id);
      if (this.pending.size === 0) w.unref();
      if (m.image) this.decoded++;
      if (m.registered) this.registered++;
      done(m.image && m.registered ? { ...m.image, registered: m.registered } : m.image);
    });
    const fail = () => {
      if (this.worker !== w) return;
      this.worker = null;
      this.failures++;
      for (const [id, done] of this.pending) {
        this.pending.delete(id);
        done('unavailable');
      }
    };
    w.on('error', fail);
    w.on('exit', fail);
    this.worker = w;
    return w;
  }
}

const decodeThread = new DecodeThread();

/** How many files the decode thread has decoded in this process. */
export function decodedOnThread(): number {
  return decodeThread.decoded;
}

/** How many of those it has also registered (decodeImage's `register`). */
export function registeredOnThread(): number {
  return decodeThread.registered;
}

/** Encodes raw pixels as PNG. */
export async function encodePng(img: RawImage): Promise<Buffer> {
  return sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength), {
    raw: { width: img.width, height: img.height, channels: img.channels },
  })
    // sharp writes sRGB by default; keep single-channel images single-channel.
    .toColourspace(img.channels === 1 ? 'b-w' : 'srgb')
    .png()
    .toBuffer();
}

/** Formats the station reads (BMP is not among them: sharp cannot decode it). */
export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.tif', '.tiff', '.webp'] as const;

export function isImagePath(p: string): boolean {
  const lower = p.toLowerCase();
  return IMAGE_EXTENSIONS.some((e) => lower.endsWith(e));
}
