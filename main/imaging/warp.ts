/** Affine warps of gray images and masks. */

/** Maps output pixel centre (ox, oy) to source coordinates: x = a*ox + b*oy + c, y = d*ox + e*oy + f. */
export interface Affine {
  readonly a: number; readonly b: number; readonly c: number;
  readonly d: number; readonly e: number; readonly f: number;
}

export function applyAffine(m: Affine, x: number, y: number): [number, number] {
  return [m.a * x + m.b * y + m.c, m.d * x + m.e * y + m.f];
}

export function invertAffine(m: Affine): Affine {
  const det = m.a * m.e - m.b * m.d;
  if (Math.abs(det) < 1e-12) throw new Error('affine transform is not invertible');
  const a = m.e / det, b = -m.b / det, d = -m.d / det, e = m.a / det;
  return { a, b, c: -(a * m.c + b * m.f), d, e, f: -(d * m.c + e * m.f) };
}

/** Bilinear warp of a single-channel 8-bit image; pixels falling outside get `fill`. Coordinates are pixel centres. */
export function warpGray(
  src: Uint8Array, sw: number, sh: number,
  outW: number, outH: number, m: Affine, fill: number,
): Uint8Array {
  const out = new Uint8Array(outW * outH);
  for (let oy = 0; oy < outH; oy++) {
    for (let ox = 0; ox < outW; ox++) {
      const x = m.a * ox + m.b * oy + m.c;
      const y = m.d * ox + m.e * oy + m.f;
      const x0 = Math.floor(x), y0 = Math.floor(y);
      if (x0 < 0 || y0 < 0 || x0 + 1 >= sw || y0 + 1 >= sh) {
        out[oy * outW + ox] = fill;
        continue;
      }
      const fx = x - x0, fy = y - y0;
      const i = y0 * sw + x0;
      const top = src[i]! * (1 - fx) + src[i + 1]! * fx;
      const bottom = src[i + sw]! * (1 - fx) + src[i + sw + 1]! * fx;
      out[oy * outW + ox] = top * (1 - fy) + bottom * fy + 0.5;
    }
  }
  return out;
}

/** Bilinear warp of a float map; outside pixels get `fill`. */
export function warpFloat(
  src: Float32Array, sw: number, sh: number,
  outW: number, outH: number, m: Affine, fill: number,
): Float32Array {
  const out = new Float32Array(outW * outH);
  for (let oy = 0; oy < outH; oy++) {
    for (let ox = 0; ox < outW; ox++) {
      let x = m.a * ox + m.b * oy + m.c;
      let y = m.d * ox + m.e * oy + m.f;
      if (x < -0.5 || y < -0.5 || x > sw - 0.5 || y > sh - 0.5) {
        out[oy * outW + ox] = fill;
        continue;
      }
      x = Math.min(Math.max(x, 0), sw - 1);
      y = Math.min(Math.max(y, 0), sh - 1);
      const x0 = Math.min(Math.floor(x), sw - 2 < 0 ? 0 : sw - 2), y0 = Math.min(Math.floor(y), sh - 2 < 0 ? 0 : sh - 2);
      const x1 = Math.min(x0 + 1, sw - 1), y1 = Math.min(y0 + 1, sh - 1);
      const fx = x - x0, fy = y - y0;
      const top = src[y0 * sw + x0]! * (1 - fx) + src[y0 * sw + x1]! * fx;
      const bottom = src[y1 * sw + x0]! * (1 - fx) + src[y1 * sw + x1]! * fx;
      out[oy * outW + ox] = top * (1 - fy) + bottom * fy;
    }
  }
  return out;
}

/** Nearest-neighbour warp of a 0/1 mask. */
export function warpMask(
  src: Uint8Array, sw: number, sh: number,
  outW: number, outH: number, m: Affine,
): Uint8Array {
  const out = new Uint8Array(outW * outH);
  for (let oy = 0; oy < outH; oy++) {
    for (let ox = 0; ox < outW; ox++) {
      const x = Math.round(m.a * ox + m.b * oy + m.c);
      const y = Math.round(m.d * ox + m.e * oy + m.f);
      if (x >= 0 && y >= 0 && x < sw && y < sh) out[oy * outW + ox] = src[y * sw + x]!;
    }
  }
  return out;
}
