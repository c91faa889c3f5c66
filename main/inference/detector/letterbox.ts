/**
 * Aspect-preserving resize into a fixed network input, padded with a constant, and the inverse mapping
 * of boxes back to original image pixels.
 */
import sharp from 'sharp';
import type { RawImage } from '../../common/types.js';
import type { Preprocess } from './manifest.js';

/** Where the original image landed in the network input: input = original * scale + pad. */
export interface Letterbox {
  readonly scaleX: number;
  readonly scaleY: number;
  readonly padX: number;
  readonly padY: number;
  /** Size of the resized image inside the input. */
  readonly resizedWidth: number;
  readonly resizedHeight: number;
  readonly inputWidth: number;
  readonly inputHeight: number;
}

/**
 * One scale for both axes (the smaller ratio), sizes rounded; per-axis factors are the rounded sizes over
 * the original (as mmdet's Resize reports them). Centred placement splits the padding like ultralytics
 * (`round(d - 0.1)` before, the rest after).
 */
export function letterboxGeometry(width: number, height: number, inputW: number, inputH: number, placement: Preprocess['placement']): Letterbox {
  const r = Math.min(inputW / width, inputH / height);
  const rw = Math.max(1, Math.min(inputW, Math.round(width * r)));
  const rh = Math.max(1, Math.min(inputH, Math.round(height * r)));
  let padX = 0;
  let padY = 0;
  if (placement === 'center') {
    padX = Math.round((inputW - rw) / 2 - 0.1);
    padY = Math.round((inputH - rh) / 2 - 0.1);
  }
  return { scaleX: rw / width, scaleY: rh / height, padX, padY, resizedWidth: rw, resizedHeight: rh, inputWidth: inputW, inputHeight: inputH };
}

/** The letterboxed input as 3-channel RGB pixels [inputH, inputW, 3]. */
export async function letterboxImage(image: RawImage, g: Letterbox, padValue: number): Promise<Uint8Array> {
  const src = Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength);
  let pipe = sharp(src, { raw: { width: image.width, height: image.height, channels: image.channels } });
  if (image.channels === 4) pipe = pipe.removeAlpha();
  const { data } = await pipe
    .toColourspace('srgb')
    .resize(g.resizedWidth, g.resizedHeight, { fit: 'fill', kernel: 'linear' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const out = new Uint8Array(g.inputWidth * g.inputHeight * 3).fill(padValue);
  const ch = data.length / (g.resizedWidth * g.resizedHeight);
  for (let y = 0; y < g.resizedHeight; y++) {
    for (let x = 0; x < g.resizedWidth; x++) {
      const s = (y * g.resizedWidth + x) * ch;
      const d = ((y + g.padY) * g.inputWidth + x + g.padX) * 3;
      out[d] = data[s]!;
      out[d + 1] = data[ch === 1 ? s : s + 1]!;
      out[d + 2] = data[ch === 1 ? s : s + 2]!;
    }
  }
  return out;
}

/** RGB pixels [h, w, 3] to the NCHW float input: (pixel - mean[c]) / std[c] in the network's channel order. */
export function toNchw(rgb: Uint8Array, width: number, height: number, p: Pick<Preprocess, 'colour' | 'mean' | 'std'>): Float32Array {
  const plane = width * height;
  const out = new Float32Array(3 * plane);
  for (let c = 0; c < 3; c++) {
    const src = p.colour === 'rgb' ? c : 2 - c;
    const m = p.mean[c]!;
    const s = p.std[c]!;
    const base = c * plane;
    for (let i = 0; i < plane; i++) out[base + i] = (rgb[i * 3 + src]! - m) / s;
  }
  return out;
}

/** A box [x1, y1, x2, y2] in network input pixels to original pixels {x, y, w, h}, clipped to the image. */
export function unletterboxBox(
  x1: number,
  y1: number,
  x2: number,
  y2: number,
  g: Letterbox,
  width: number,
  height: number,
): { x: number; y: number; w: number; h: number } {
  const clip = (v: number, hi: number) => Math.min(hi, Math.max(0, v));
  const ox1 = clip((x1 - g.padX) / g.scaleX, width);
  const oy1 = clip((y1 - g.padY) / g.scaleY, height);
  const ox2 = clip((x2 - g.padX) / g.scaleX, width);
  const oy2 = clip((y2 - g.padY) / g.scaleY, height);
  return { x: ox1, y: oy1, w: Math.max(0, ox2 - ox1), h: Math.max(0, oy2 - oy1) };
}
