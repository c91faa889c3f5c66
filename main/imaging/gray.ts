/** Grayscale conversion and area downsampling of 8-bit images. */
import type { RawImage } from '../common/types.js';

/** Luma (BT.601) as a single-channel image; returns the input when it already is one. */
export function toGray(img: RawImage): RawImage {
  if (img.channels === 1) return img;
  const n = img.width * img.height;
  const out = new Uint8Array(n);
  const c = img.channels;
  const d = img.data;
  for (let i = 0, j = 0; i < n; i++, j += c) {
    out[i] = (d[j]! * 299 + d[j + 1]! * 587 + d[j + 2]! * 114 + 500) / 1000;
  }
  return { width: img.width, height: img.height, channels: 1, data: out };
}

/** Integer-factor box downsampling of a gray image to Float32 (each output = mean of factor x factor pixels). */
export function downsampleGray(gray: RawImage, factor: number): { width: number; height: number; data: Float32Array } {
  const w = Math.floor(gray.width / factor);
  const h = Math.floor(gray.height / factor);
  const out = new Float32Array(w * h);
  const inv = 1 / (factor * factor);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let dy = 0; dy < factor; dy++) {
        const row = (y * factor + dy) * gray.width + x * factor;
        for (let dx = 0; dx < factor; dx++) s += gray.data[row + dx]!;
      }
      out[y * w + x] = s * inv;
    }
  }
  return { width: w, height: h, data: out };
}
