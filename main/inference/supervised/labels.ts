/**
 * Per-patch training labels from a defect mask: a cell is a defect when enough of it is covered,
 * good when neither it nor any 8-neighbour touches the defect (3x3-averaged features leak across
 * one cell), and ignored otherwise.
 */
import type { RawImage } from '../../common/types.js';

export const LABEL_GOOD = 0;
export const LABEL_DEFECT = 1;
export const LABEL_IGNORE = -1;

export interface RectLike {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

/** Fraction of each grid cell covered by mask pixels (> 0), grid cells spanning the full image evenly. */
export function cellCoverage(mask: Uint8Array, width: number, height: number, gw: number, gh: number): Float32Array {
  const sum = new Float32Array(gw * gh);
  const area = new Float32Array(gw * gh);
  const colCell = new Int32Array(width);
  for (let x = 0; x < width; x++) colCell[x] = Math.min(gw - 1, Math.floor((x * gw) / width));
  for (let y = 0; y < height; y++) {
    const cy = Math.min(gh - 1, Math.floor((y * gh) / height));
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const c = cy * gw + colCell[x];
      area[c]++;
      if (mask[row + x] !== 0) sum[c]++;
    }
  }
  for (let i = 0; i < sum.length; i++) sum[i] = area[i] > 0 ? sum[i] / area[i] : 0;
  return sum;
}

export function patchLabels(coverage: Float32Array, gw: number, gh: number, positiveFraction: number): Int8Array {
  const out = new Int8Array(gw * gh);
  for (let y = 0; y < gh; y++) {
    for (let x = 0; x < gw; x++) {
      const i = y * gw + x;
      if (coverage[i] >= positiveFraction) {
        out[i] = LABEL_DEFECT;
        continue;
      }
      let touched = false;
      for (let dy = -1; dy <= 1 && !touched; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          const ny = y + dy;
          if (nx >= 0 && ny >= 0 && nx < gw && ny < gh && coverage[ny * gw + nx] > 0) {
            touched = true;
            break;
          }
        }
      }
      out[i] = touched ? LABEL_IGNORE : LABEL_GOOD;
    }
  }
  return out;
}

/** Rasterises boxes into a 0/255 mask, for defects annotated only with boxes. */
export function boxesToMask(boxes: readonly RectLike[], width: number, height: number): Uint8Array {
  const m = new Uint8Array(width * height);
  for (const b of boxes) {
    const x0 = Math.max(0, Math.floor(b.x));
    const y0 = Math.max(0, Math.floor(b.y));
    const x1 = Math.min(width, Math.ceil(b.x + b.w));
    const y1 = Math.min(height, Math.ceil(b.y + b.h));
    for (let y = y0; y < y1; y++) m.fill(255, y * width + x0, y * width + x1);
  }
  return m;
}

/** A single-channel mask image as a 0/255 byte array (any non-zero pixel = defect). */
export function maskFromImage(img: RawImage): Uint8Array {
  const n = img.width * img.height;
  const m = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    let on = false;
    for (let c = 0; c < Math.min(3, img.channels); c++) if (img.data[i * img.channels + c] > 127) on = true;
    m[i] = on ? 255 : 0;
  }
  return m;
}
