/**
 * The station's fixed heatmap scale, shared by the engine (which renders heatmap PNGs) and the renderer (legend
 * and fallback overlay), so the same colour means the same thing everywhere: a map value v is quantised relative
 * to the threshold, q = clamp(round(128 * v / threshold), 0, 255), and q indexes one RGBA table
 * (transparent below ~0.3x threshold, blue -> yellow at the threshold -> red at 2x). Pure.
 */
import type { FloatMap } from './types.js';

/** Max-pools a map down so its longer side is at most `maxSide` (keeps small defect peaks visible). */
export function downsampleMax(map: FloatMap, maxSide: number): FloatMap {
  const f = Math.max(1, Math.ceil(Math.max(map.width, map.height) / maxSide));
  if (f === 1) return map;
  const w = Math.ceil(map.width / f);
  const h = Math.ceil(map.height / f);
  const out = new Float32Array(w * h).fill(-Infinity);
  for (let y = 0; y < map.height; y++) {
    const oy = Math.floor(y / f) * w;
    const row = y * map.width;
    for (let x = 0; x < map.width; x++) {
      const v = map.data[row + x];
      const o = oy + Math.floor(x / f);
      if (v > out[o]) out[o] = v;
    }
  }
  return { width: w, height: h, data: out };
}

/** Byte per cell, 128 = threshold. A non-positive threshold falls back to the map's own max as the scale. */
export function quantise(map: FloatMap, threshold: number): Uint8Array {
  let scale = threshold;
  if (!(scale > 0)) {
    let m = 0;
    for (const v of map.data) if (v > m) m = v;
    scale = m > 0 ? m : 1;
  }
  const k = 128 / scale;
  const out = new Uint8Array(map.data.length);
  for (let i = 0; i < out.length; i++) {
    const q = Math.round(map.data[i] * k);
    out[i] = q < 0 ? 0 : q > 255 ? 255 : q;
  }
  return out;
}

/** Colour stops of the ramp, by q (128 = threshold); also drawn as the UI's legend. */
export const HEATMAP_STOPS: ReadonlyArray<readonly [number, readonly [number, number, number]]> = [
  [0, [0, 0, 255]],
  [64, [0, 160, 255]],
  [128, [255, 230, 0]],
  [192, [255, 110, 0]],
  [255, [255, 0, 0]],
];

/** The fixed colour table: 256 RGBA entries indexed by q. */
export const HEATMAP_LUT: Uint8Array = (() => {
  const lut = new Uint8Array(256 * 4);
  const stops = HEATMAP_STOPS;
  for (let q = 0; q < 256; q++) {
    let i = 0;
    while (i < stops.length - 2 && q > stops[i + 1][0]) i++;
    const [q0, c0] = stops[i];
    const [q1, c1] = stops[i + 1];
    const t = Math.min(1, Math.max(0, (q - q0) / (q1 - q0)));
    const a = q < 40 ? 0 : q < 128 ? Math.round(((q - 40) / 88) * 150) : Math.round(150 + ((q - 128) / 127) * 70);
    lut.set([Math.round(c0[0] + (c1[0] - c0[0]) * t), Math.round(c0[1] + (c1[1] - c0[1]) * t), Math.round(c0[2] + (c1[2] - c0[2]) * t), a], q * 4);
  }
  return lut;
})();

