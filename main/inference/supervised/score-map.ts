/**
 * From per-patch defect probabilities to what the station shows: a smoothed map at the original image
 * resolution, boxes (connected regions above the box threshold, confidence = peak probability inside) and
 * the image score (peak of the smoothed map).
 */
import type { Box, FloatMap } from '../../common/types.js';
import { labelComponents } from '../../annotation/components.js';

/** Separable Gaussian blur of a small grid (edges clamped). */
export function blurGrid(src: Float32Array, w: number, h: number, sigma: number): Float32Array {
  if (sigma <= 0) return Float32Array.from(src);
  const r = Math.max(1, Math.ceil(2 * sigma));
  const k = new Float32Array(2 * r + 1);
  let s = 0;
  for (let i = -r; i <= r; i++) s += k[i + r] = Math.exp(-(i * i) / (2 * sigma * sigma));
  for (let i = 0; i < k.length; i++) k[i] /= s;
  const tmp = new Float32Array(w * h);
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      let a = 0;
      for (let i = -r; i <= r; i++) a += k[i + r] * src[y * w + Math.min(w - 1, Math.max(0, x + i))];
      tmp[y * w + x] = a;
    }
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      let a = 0;
      for (let i = -r; i <= r; i++) a += k[i + r] * tmp[Math.min(h - 1, Math.max(0, y + i)) * w + x];
      out[y * w + x] = a;
    }
  return out;
}

/** Bilinear upsampling of a grid to [height, width] (cell centres aligned, align_corners = false). */
export function upsampleGrid(src: Float32Array, gw: number, gh: number, width: number, height: number): Float32Array {
  const out = new Float32Array(width * height);
  const xs0 = new Int32Array(width);
  const xs1 = new Int32Array(width);
  const wx = new Float32Array(width);
  for (let x = 0; x < width; x++) {
    const fx = Math.min(gw - 1, Math.max(0, ((x + 0.5) * gw) / width - 0.5));
    xs0[x] = Math.floor(fx);
    xs1[x] = Math.min(gw - 1, xs0[x] + 1);
    wx[x] = fx - xs0[x];
  }
  for (let y = 0; y < height; y++) {
    const fy = Math.min(gh - 1, Math.max(0, ((y + 0.5) * gh) / height - 0.5));
    const y0 = Math.floor(fy);
    const y1 = Math.min(gh - 1, y0 + 1);
    const wy = fy - y0;
    const r0 = y0 * gw;
    const r1 = y1 * gw;
    const o = y * width;
    for (let x = 0; x < width; x++) {
      const a = src[r0 + xs0[x]] + wx[x] * (src[r0 + xs1[x]] - src[r0 + xs0[x]]);
      const b = src[r1 + xs0[x]] + wx[x] * (src[r1 + xs1[x]] - src[r1 + xs0[x]]);
      out[o + x] = a + wy * (b - a);
    }
  }
  return out;
}

export interface MapOutput {
  readonly score: number;
  readonly map: FloatMap;
  readonly boxes: Box[];
}

/**
 * @param probs per-cell defect probability, [gh, gw]
 * @param boxThreshold probability above which map pixels form boxes
 */
export function probabilitiesToOutput(
  probs: Float32Array,
  gw: number,
  gh: number,
  width: number,
  height: number,
  opts: { sigma: number; boxThreshold: number; label: string },
): MapOutput {
  const smooth = blurGrid(probs, gw, gh, opts.sigma);
  let score = 0;
  for (const v of smooth) if (v > score) score = v;
  const data = upsampleGrid(smooth, gw, gh, width, height);
  const boxes: Box[] = [];
  if (score >= opts.boxThreshold) {
    const { labels, components } = labelComponents(width, height, (i) => data[i] >= opts.boxThreshold);
    const peak = new Float32Array(components.length + 1);
    for (let i = 0; i < labels.length; i++) if (labels[i] && data[i] > peak[labels[i]]) peak[labels[i]] = data[i];
    components.forEach((c, k) =>
      boxes.push({ x: c.x0, y: c.y0, w: c.x1 - c.x0 + 1, h: c.y1 - c.y0 + 1, score: peak[k + 1], label: opts.label }),
    );
    boxes.sort((a, b) => b.score - a.score);
  }
  return { score, map: { width, height, data }, boxes };
}
