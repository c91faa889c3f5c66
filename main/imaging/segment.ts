/**
 * Foreground segmentation of a part lying on a plain background (MVTec screw: dark metal on bright paper).
 * Otsu on a blurred, downsampled copy; the minority class is the part; largest component; holes filled
 * (specular highlights on the part are bright and would otherwise punch holes).
 */
import type { RawImage } from '../common/types.js';
import { StationFault } from '../common/result.js';
import { largestComponent, largeComponents, fillHoles, flood } from './components.js';
import { gaussianBlur } from './filters.js';
import { toGray, downsampleGray } from './gray.js';

export interface ForegroundMask {
  /** width * height, 1 = part, at `scale` times coarser than the image. */
  readonly mask: Uint8Array;
  readonly width: number;
  readonly height: number;
  /** Image pixels per mask pixel. */
  readonly scale: number;
  /** Bounding box of the part, in image pixels. */
  readonly bbox: { x: number; y: number; w: number; h: number };
  /** Fraction of the image covered by the part. */
  readonly coverage: number;
}

/** Histogram bin of a gray value: Math.round clamped to [0, 255] (for v >= 0, floor(v + 0.5) is that and cheaper). */
function bin(v: number): number {
  return v <= 0 ? 0 : v >= 255 ? 255 : Math.floor(v + 0.5);
}

/** Otsu's threshold on values in [0, 255] (256-bin histogram). */
export function otsuThreshold(values: ArrayLike<number>): number {
  const hist = new Float64Array(256);
  for (let i = 0; i < values.length; i++) hist[bin(values[i]!)]!++;
  return otsuFromHistogram(hist, values.length);
}

/** Otsu's threshold from a 256-bin histogram holding `total` values: the bin maximising the between-class variance. */
export function otsuFromHistogram(hist: Float64Array, total: number): number {
  let sumAll = 0;
  for (let t = 0; t < 256; t++) sumAll += t * hist[t]!;
  let wB = 0, sumB = 0, best = 0, bestT = 127;
  for (let t = 0; t < 256; t++) {
    wB += hist[t]!;
    if (wB === 0) continue;
    const wF = total - wB;
    if (wF === 0) break;
    sumB += t * hist[t]!;
    const mB = sumB / wB;
    const mF = (sumAll - sumB) / wF;
    const between = wB * wF * (mB - mF) * (mB - mF);
    if (between > best) { best = between; bestT = t; }
  }
  return bestT;
}

/**
 * Segments the part. Works on a copy about 256 px wide, so it costs a few milliseconds on a 1024 px image.
 * @throws StationFault('invalid-input') when nothing separable from the background is found.
 */
export function foregroundMask(img: RawImage, opts: { workingSize?: number; blurSigma?: number } = {}): ForegroundMask {
  const gray = toGray(img);
  const factor = Math.max(1, Math.floor(Math.max(gray.width, gray.height) / (opts.workingSize ?? 256)));
  const small = gaussianBlur(downsampleGray(gray, factor), opts.blurSigma ?? 1.5);
  const { width: w, height: h, data } = small;
  const t = otsuThreshold(data);
  let below = 0;
  for (let i = 0; i < data.length; i++) if (data[i]! <= t) below++;
  // The part is the minority class: dark part on bright background, or the reverse.
  const partIsDark = below <= data.length / 2;
  const binary = new Uint8Array(w * h);
  for (let i = 0; i < data.length; i++) binary[i] = (partIsDark ? data[i]! <= t : data[i]! > t) ? 1 : 0;
  const mask = fillHoles(largestComponent(binary, w, h), w, h);
  let area = 0, x0 = w, y0 = h, x1 = -1, y1 = -1;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (!mask[y * w + x]) continue;
      area++;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
  }
  if (area < 16) throw new StationFault('invalid-input', 'no part found: the image has no region that stands out from the background');
  return {
    mask,
    width: w,
    height: h,
    scale: factor,
    bbox: { x: x0 * factor, y: y0 * factor, w: (x1 - x0 + 1) * factor, h: (y1 - y0 + 1) * factor },
    coverage: area / (w * h),
  };
}

/**
 * The part's own pixels inside its outline, without the shadow and the background the outline took in.
 * `foregroundMask` thresholds a blurred copy a quarter the size, so its outline also takes in the part's shadow and
 * whatever lies in it (dust, fibres): 10-25 canvas pixels beside a screw. Two steps at full resolution:
 * 1. Otsu on the outline's pixels splits the part's dark (for a light part: light) pixels from the lighter shadow and
 *    background.
 * 2. Lit metal is as gray as the shadow (the lit half of a shiny screw's neck), so step 1 drops it; but the part's
 *    silhouette is a sharp edge and a shadow is not. Light pixels that a flood from outside the outline cannot reach
 *    through light, smooth pixels (`addEnclosedLight`) are part too.
 * Components under a tenth of the largest one's area are dropped (a fibre, a speck); holes are filled (highlights).
 * @param canvas gray canvas [width * height]
 * @param outline 0/1 mask [width * height] of the part with its shadow (the warped `foregroundMask`)
 * @param background the background's gray level (tells a dark part from a light one)
 * @returns a 0/1 mask inside `outline`; `outline` itself when it holds too few pixels to split
 */
export function partWithoutShadow(canvas: ArrayLike<number>, outline: Uint8Array, width: number, height: number, background: number): Uint8Array {
  // One pass: the outline's histogram, sum and bounding box (the rest of the canvas is never part).
  const hist = new Float64Array(256);
  let n = 0, sum = 0, x0 = width, y0 = height, x1 = -1, y1 = -1;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      if (!outline[row + x]) continue;
      const v = canvas[row + x]!;
      hist[bin(v)]!++;
      sum += v;
      n++;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
  }
  if (n < 64) return outline;
  const t = otsuFromHistogram(hist, n);
  const dark = sum / n < background;
  // Work on the bounding box with a pixel of margin, so the hole filling's flood from its border goes round the part.
  x0 = Math.max(0, x0 - 1); y0 = Math.max(0, y0 - 1); x1 = Math.min(width - 1, x1 + 1); y1 = Math.min(height - 1, y1 + 1);
  const bw = x1 - x0 + 1, bh = y1 - y0 + 1;
  const binary = new Uint8Array(bw * bh);
  for (let y = 0; y < bh; y++) {
    for (let x = 0, i = (y0 + y) * width + x0; x < bw; x++, i++) {
      binary[y * bw + x] = outline[i] && (dark ? canvas[i]! <= t : canvas[i]! > t) ? 1 : 0;
    }
  }
  addEnclosedLight(binary, canvas, outline, width, x0, y0, bw, bh);
  const part = fillHoles(largeComponents(binary, bw, bh, 0.1), bw, bh);
  // Filled holes stay inside the outline.
  const out = new Uint8Array(width * height);
  for (let y = 0; y < bh; y++) {
    for (let x = 0, i = (y0 + y) * width + x0; x < bw; x++, i++) out[i] = part[y * bw + x]! & outline[i]!;
  }
  return out;
}

/**
 * Edge strength that stops the flood in `addEnclosedLight`: EDGE_FACTOR x the median Sobel magnitude of the outline's
 * light pixels (paper grain and soft shadow: 17-22 on the screws; their silhouette edges are several times that), and
 * at least EDGE_FLOOR (a step of four gray levels), so a noiseless image still has a barrier. 5 was chosen on the
 * even half of the real test images (README, Results, sixth round); 2 and 3 let lit metal in more often and cost
 * accuracy there.
 */
const EDGE_FACTOR = 5;
const EDGE_FLOOR = 16;

/**
 * Marks as part (in `binary`, a box of bw x bh at (x0, y0) of the canvas) the light outline pixels that a flood from
 * outside the outline cannot reach through light pixels of Sobel magnitude below the edge threshold: lit metal behind
 * the part's silhouette edge. The box's border pixels have no gradient of their own and pass.
 */
function addEnclosedLight(binary: Uint8Array, canvas: ArrayLike<number>, outline: Uint8Array, width: number, x0: number, y0: number, bw: number, bh: number): void {
  // Squared Sobel magnitude of the light outline pixels only: the flood never enters any other pixel.
  const g2 = new Float64Array(bw * bh);
  const light = new Float64Array(bw * bh);
  let nLight = 0;
  for (let y = 1; y < bh - 1; y++) {
    for (let x = 1, i = (y0 + y) * width + x0 + 1; x < bw - 1; x++, i++) {
      const q = y * bw + x;
      if (!outline[i] || binary[q]) continue;
      const a = canvas[i - width - 1]!, b = canvas[i - width]!, c = canvas[i - width + 1]!;
      const d = canvas[i - 1]!, f = canvas[i + 1]!;
      const e = canvas[i + width - 1]!, h = canvas[i + width]!, k = canvas[i + width + 1]!;
      const gx = c + 2 * f + k - a - 2 * d - e;
      const gy = e + 2 * h + k - a - 2 * b - c;
      g2[q] = gx * gx + gy * gy;
      light[nLight++] = g2[q]!;
    }
  }
  if (nLight === 0) return;
  // The median of the squares is the square of the median.
  const median2 = kthSmallest(light.subarray(0, nLight), nLight >> 1);
  const edge2 = Math.max(EDGE_FLOOR * EDGE_FLOOR, EDGE_FACTOR * EDGE_FACTOR * median2);
  // Seeds: every box pixel outside the outline. Blocked: dark (already part), or an edge.
  const reached = new Uint8Array(bw * bh);
  const blocked = new Uint8Array(bw * bh);
  for (let y = 0; y < bh; y++) {
    for (let x = 0, i = (y0 + y) * width + x0; x < bw; x++, i++) {
      const q = y * bw + x;
      reached[q] = outline[i] ? 0 : 1;
      blocked[q] = binary[q] || g2[q]! >= edge2 ? 1 : 0;
    }
  }
  flood(reached, blocked, bw);
  for (let q = 0; q < binary.length; q++) if (!reached[q]) binary[q] = 1;
}

/** The k-th smallest value (0-based) of `a`, as `sorted[k]` would give, in linear expected time; reorders `a`. */
export function kthSmallest(a: Float64Array, k: number): number {
  if (k < 0 || k >= a.length) throw new RangeError(`k ${k} outside 0..${a.length - 1}`);
  let lo = 0, hi = a.length - 1;
  while (hi > lo) {
    // Median of three as the pivot: sorted or constant runs stay linear.
    const mid = (lo + hi) >> 1;
    const x = a[lo]!, y = a[mid]!, z = a[hi]!;
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : (x < z ? x : y < z ? z : y);
    let i = lo, j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) { const t = a[i]!; a[i] = a[j]!; a[j] = t; i++; j--; }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k]!;
  }
  return a[k]!;
}
