/**
 * Files the live view and the log refer to: frames (JPEG), heatmaps (PNG) and thumbnails (JPEG) under
 * `<dataDir>/media`, addressed by MediaRef (relative path). Written via temp + rename, so a reader or a crash
 * never sees half a file.
 */
import { join, resolve, sep } from 'node:path';
import sharp from 'sharp';
import { isSafeMediaRef } from '../common/media.js';
import { StationFault } from '../common/result.js';
import type { RawImage } from '../common/types.js';
import { writeFileAtomicSync } from '../node/atomic-write.js';
import { rm } from 'node:fs/promises';

export interface SavedFrame {
  readonly frame: string;
  readonly thumbnail: string;
}

export class MediaStore {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  /** Absolute path of a ref; throws 'invalid-input' for refs that escape the root. */
  pathOf(ref: string): string {
    if (!isSafeMediaRef(ref)) throw new StationFault('invalid-input', `bad media reference: ${ref}`);
    const p = resolve(this.root, ...ref.split('/'));
    if (!p.startsWith(this.root + sep)) throw new StationFault('invalid-input', `bad media reference: ${ref}`);
    return p;
  }

  /**
   * Writes bytes at `ref` atomically. Synchronously: these are files of a few to a hundred KB going to the page
   * cache (well under a millisecond), while the async route is five hops through libuv's 4 pool threads (mkdir,
   * open, write, close, rename), queued behind sharp's encodes and a camera's pull; on the GenICam bench that made
   * storing a part (frame, thumbnail, heatmap, row) take 55 ms on average and p90 131 ms, slower than inspecting it.
   */
  async write(ref: string, data: Uint8Array): Promise<string> {
    const p = this.pathOf(ref);
    writeFileAtomicSync(p, data);
    return ref;
  }

  /** A stem like `2025-01-31/104512-000123` for a frame captured at `at`. */
  static stem(at: Date, seq: number): string {
    const iso = at.toISOString();
    return `${iso.slice(0, 10)}/${iso.slice(11, 19).replace(/:/g, '')}${iso.slice(20, 23)}-${String(seq).padStart(6, '0')}`;
  }

  /** Saves the frame as JPEG (longer side <= maxSide) plus a thumbnail. */
  async saveFrame(img: RawImage, stem: string, maxSide = 1024, thumbSide = 160): Promise<SavedFrame> {
    const raw = { raw: { width: img.width, height: img.height, channels: img.channels } } as const;
    const buf = Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength);
    const big = Math.max(img.width, img.height) > maxSide;
    // No Huffman optimisation (sharp's default makes a second pass): a 1024 x 1024 gray frame then costs 6.4 instead
    // of 13.7 ms of CPU for a 9 % larger file (94 vs 86 KB), on every inspected part.
    const [jpeg, thumb] = await Promise.all([
      (big ? sharp(buf, raw).resize(maxSide, maxSide, { fit: 'inside' }) : sharp(buf, raw)).jpeg({ quality: 85, optimiseCoding: false }).toBuffer(),
      sharp(buf, raw).resize(thumbSide, thumbSide, { fit: 'inside' }).jpeg({ quality: 75, optimiseCoding: false }).toBuffer(),
    ]);
    const frame = await this.write(`frames/${stem}.jpg`, jpeg);
    const thumbnail = await this.write(`thumbs/${stem}.jpg`, thumb);
    return { frame, thumbnail };
  }

  async saveHeatmap(png: Uint8Array, stem: string): Promise<string> {
    return this.write(`heatmaps/${stem}.png`, png);
  }

  /** frames/<stem>.jpg -> thumbs/<stem>.jpg (the log derives thumbnails from the stored frame path). */
  static thumbnailOf(frameRef: string | null): string | null {
    if (!frameRef || !frameRef.startsWith('frames/')) return null;
    return `thumbs/${frameRef.slice('frames/'.length)}`;
  }

  /** Deletes stored files by reference (missing files are fine). */
  async remove(refs: readonly (string | null)[]): Promise<void> {
    await Promise.all(refs.filter((r): r is string => !!r).map((r) => rm(this.pathOf(r), { force: true })));
  }

  join(...parts: string[]): string {
    return join(this.root, ...parts);
  }
}
