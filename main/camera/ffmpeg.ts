/** Finding ffmpeg, and splitting its MJPEG pipe output into single JPEG images. */
import { spawnSync } from 'node:child_process';

let cached: string | null | undefined;

/** The ffmpeg executable (STATION_FFMPEG or `ffmpeg` on PATH), or null when there is none. */
export function findFfmpeg(): string | null {
  if (cached !== undefined) return cached;
  const cmd = process.env.STATION_FFMPEG || 'ffmpeg';
  try {
    const r = spawnSync(cmd, ['-version'], { stdio: 'ignore', timeout: 5000 });
    cached = r.status === 0 ? cmd : null;
  } catch {
    cached = null;
  }
  return cached;
}

/**
 * Splits a concatenated stream of JPEG images (ffmpeg `-f image2pipe -c:v mjpeg`) at SOI (FFD8) / EOI (FFD9)
 * markers. Inside entropy-coded data 0xFF is always followed by 0x00, so an EOI marker is unambiguous.
 */
export class JpegStreamSplitter {
  private buf: Buffer = Buffer.alloc(0);
  /** Appends a chunk; returns the complete JPEGs it finished. Keeps at most `maxBytes` of an unfinished image. */
  push(chunk: Buffer, maxBytes = 64 * 1024 * 1024): Buffer[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: Buffer[] = [];
    for (;;) {
      const start = this.buf.indexOf(SOI);
      if (start < 0) {
        this.buf = Buffer.alloc(0);
        break;
      }
      const end = this.buf.indexOf(EOI, start + 2);
      if (end < 0) {
        this.buf = this.buf.subarray(start);
        if (this.buf.length > maxBytes) this.buf = Buffer.alloc(0);
        break;
      }
      out.push(Buffer.from(this.buf.subarray(start, end + 2)));
      this.buf = this.buf.subarray(end + 2);
    }
    return out;
  }
}

const SOI = Buffer.from([0xff, 0xd8]);
const EOI = Buffer.from([0xff, 0xd9]);
