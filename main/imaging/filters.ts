/** Float-map filters: Gaussian blur, bilinear resampling, binary dilation. Row-major Float32Array maps. */
import type { FloatMap } from '../common/types.js';

/** 1-D Gaussian kernel truncated at 4 sigma (as scipy and anomalib do), normalised to sum 1. */
export function gaussianKernel(sigma: number): Float32Array {
  const radius = Math.max(1, Math.ceil(4 * sigma));
  const k = new Float32Array(2 * radius + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) {
    const v = Math.exp(-(i * i) / (2 * sigma * sigma));
    k[i + radius] = v;
    sum += v;
  }
  for (let i = 0; i < k.length; i++) k[i]! /= sum;
  return k;
}

/** Index table for reflected borders (scipy 'reflect': d c b a | a b c d | d c b a), offset by the radius. */
function reflectIndex(n: number, r: number): Int32Array {
  const idx = new Int32Array(n + 2 * r);
  for (let i = -r; i < n + r; i++) {
    let j = i;
    if (n === 1) j = 0;
    else while (j < 0 || j >= n) j = j < 0 ? -j - 1 : 2 * n - j - 1;
    idx[i + r] = j;
  }
  return idx;
}

/** Separable Gaussian blur with reflected borders. */
export function gaussianBlur(map: FloatMap, sigma: number): FloatMap {
  if (sigma <= 0) return map;
  const { width: w, height: h, data } = map;
  const k = gaussianKernel(sigma);
  const taps = k.length;
  const r = (taps - 1) / 2;
  // Rows: copy each padded row once, then a plain dot product per pixel (no per-tap branching), four pixels at a
  // time so their sums run side by side (each still adds its taps in order: the same result as one at a time).
  const xi = reflectIndex(w, r);
  const padded = new Float32Array(w + 2 * r);
  const tmp = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let i = 0; i < padded.length; i++) padded[i] = data[row + xi[i]!]!;
    let x = 0;
    for (; x + 4 <= w; x += 4) {
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let j = 0; j < taps; j++) {
        const kj = k[j]!;
        s0 += kj * padded[x + j]!;
        s1 += kj * padded[x + j + 1]!;
        s2 += kj * padded[x + j + 2]!;
        s3 += kj * padded[x + j + 3]!;
      }
      tmp[row + x] = s0;
      tmp[row + x + 1] = s1;
      tmp[row + x + 2] = s2;
      tmp[row + x + 3] = s3;
    }
    for (; x < w; x++) {
      let s = 0;
      for (let j = 0; j < taps; j++) s += k[j]! * padded[x + j]!;
      tmp[row + x] = s;
    }
  }
  // Columns: four pixels of a row at a time, each summed over its taps in a local, rounded to float32 after every
  // tap: the same arithmetic as accumulating in the Float32Array row by row (which rounds on each store), without
  // a load and a store per tap.
  const yi = reflectIndex(h, r);
  const rows = new Int32Array(taps);
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    const o = y * w;
    for (let j = 0; j < taps; j++) rows[j] = yi[y + j]! * w;
    let x = 0;
    for (; x + 4 <= w; x += 4) {
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let j = 0; j < taps; j++) {
        const kj = k[j]!;
        const src = rows[j]! + x;
        s0 = Math.fround(s0 + kj * tmp[src]!);
        s1 = Math.fround(s1 + kj * tmp[src + 1]!);
        s2 = Math.fround(s2 + kj * tmp[src + 2]!);
        s3 = Math.fround(s3 + kj * tmp[src + 3]!);
      }
      out[o + x] = s0;
      out[o + x + 1] = s1;
      out[o + x + 2] = s2;
      out[o + x + 3] = s3;
    }
    for (; x < w; x++) {
      let s = 0;
      for (let j = 0; j < taps; j++) s = Math.fround(s + k[j]! * tmp[rows[j]! + x]!);
      out[o + x] = s;
    }
  }
  return { width: w, height: h, data: out };
}

/** Bilinear resize with half-pixel centres (as torch's align_corners=False). */
export function resizeBilinear(map: FloatMap, width: number, height: number): FloatMap {
  const { width: sw, height: sh, data } = map;
  const out = new Float32Array(width * height);
  const sx = sw / width;
  const sy = sh / height;
  for (let y = 0; y < height; y++) {
    let fy = (y + 0.5) * sy - 0.5;
    if (fy < 0) fy = 0;
    const y0 = Math.min(Math.floor(fy), sh - 1);
    const y1 = Math.min(y0 + 1, sh - 1);
    const wy = fy - y0;
    for (let x = 0; x < width; x++) {
      let fx = (x + 0.5) * sx - 0.5;
      if (fx < 0) fx = 0;
      const x0 = Math.min(Math.floor(fx), sw - 1);
      const x1 = Math.min(x0 + 1, sw - 1);
      const wx = fx - x0;
      const a = data[y0 * sw + x0]! * (1 - wx) + data[y0 * sw + x1]! * wx;
      const b = data[y1 * sw + x0]! * (1 - wx) + data[y1 * sw + x1]! * wx;
      out[y * width + x] = a * (1 - wy) + b * wy;
    }
  }
  return { width, height, data: out };
}

/** Square dilation of a 0/1 mask by `radius` pixels: per axis, distance to the nearest set pixel, O(pixels). */
export function dilate(mask: Uint8Array, width: number, height: number, radius: number): Uint8Array {
  if (radius <= 0) return mask;
  const tmp = new Uint8Array(mask.length);
  dilate1d(mask, tmp, width, height, 1, width, radius);
  const out = new Uint8Array(mask.length);
  dilate1d(tmp, out, height, width, width, 1, radius);
  return out;
}

/** Dilates `lines` lines of `n` pixels (element step `step`, line step `lineStep`) by `r`. */
function dilate1d(src: Uint8Array, dst: Uint8Array, n: number, lines: number, step: number, lineStep: number, r: number): void {
  for (let l = 0; l < lines; l++) {
    const base = l * lineStep;
    let last = -Infinity;
    for (let i = 0; i < n; i++) {
      if (src[base + i * step]) last = i;
      if (i - last <= r) dst[base + i * step] = 1;
    }
    let next = Infinity;
    for (let i = n - 1; i >= 0; i--) {
      if (src[base + i * step]) next = i;
      if (next - i <= r) dst[base + i * step] = 1;
    }
  }
}
