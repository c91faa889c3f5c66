/**
 * Geometric augmentation for training: the eight right-angle rotations/flips, applied to the image and
 * its mask together. Screws lie at any angle, so these add poses the few annotated images lack.
 */
import type { RawImage } from '../../common/types.js';

/** k quarter turns clockwise, then an optional horizontal flip. */
export interface Dihedral {
  readonly turns: 0 | 1 | 2 | 3;
  readonly flip: boolean;
}

export const IDENTITY: Dihedral = { turns: 0, flip: false };

export function dihedralSet(kind: 'none' | 'rot4' | 'dihedral8'): Dihedral[] {
  const rots: Dihedral[] = [0, 1, 2, 3].map((t) => ({ turns: t as 0 | 1 | 2 | 3, flip: false }));
  if (kind === 'none') return [IDENTITY];
  if (kind === 'rot4') return rots;
  return [...rots, ...rots.map((r) => ({ ...r, flip: true }))];
}

/** Applies the transform to interleaved pixels (or grid cells) with `channels` values each. */
export function transformPixels<T extends Uint8Array | Float32Array>(
  data: T,
  width: number,
  height: number,
  channels: number,
  t: Dihedral,
): { data: T; width: number; height: number } {
  if (t.turns === 0 && !t.flip) return { data, width, height };
  const odd = t.turns % 2 === 1;
  const ow = odd ? height : width;
  const oh = odd ? width : height;
  const out = (data instanceof Float32Array ? new Float32Array(data.length) : new Uint8Array(data.length)) as T;
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      const fx = t.flip ? ow - 1 - x : x;
      // source pixel of output (fx, y) under a clockwise rotation by `turns`
      let sx: number, sy: number;
      switch (t.turns) {
        case 0: sx = fx; sy = y; break;
        case 1: sx = y; sy = height - 1 - fx; break;
        case 2: sx = width - 1 - fx; sy = height - 1 - y; break;
        default: sx = width - 1 - y; sy = fx; break;
      }
      const si = (sy * width + sx) * channels;
      const di = (y * ow + x) * channels;
      for (let c = 0; c < channels; c++) out[di + c] = data[si + c];
    }
  }
  return { data: out, width: ow, height: oh };
}

export function transformImage(img: RawImage, t: Dihedral): RawImage {
  const r = transformPixels(img.data, img.width, img.height, img.channels, t);
  return { width: r.width, height: r.height, channels: img.channels, data: r.data };
}
