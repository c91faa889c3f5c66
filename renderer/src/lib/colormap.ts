/**
 * Heatmap colours on the station's FIXED scale (api.ts HEATMAP_SCALE): value / threshold from 0 to 2, so the same
 * colour means the same thing on every frame (a per-frame min/max stretch would paint every good part hot).
 * The engine renders the overlay PNG; this module draws the fallback overlay from a QuantisedMap and the legend,
 * with the same transparent -> blue -> yellow -> red ramp.
 */
import { HEATMAP_LUT, HEATMAP_STOPS } from '../../../main/common/heatmap-scale.js';

/** RGBA lookup for q in 0..255, the same table the engine renders heatmap PNGs with. */
export const HEAT_LUT: Uint8ClampedArray = new Uint8ClampedArray(HEATMAP_LUT);

/** Decodes a QuantisedMap's base64 payload into bytes. */
export function decodeQuantised(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Paints quantised values (q = 128 * value/threshold) into RGBA pixels with HEAT_LUT. */
export function paintQuantised(q: Uint8Array, out: Uint8ClampedArray): Uint8ClampedArray {
  for (let i = 0; i < q.length; i++) out.set(HEAT_LUT.subarray(q[i] * 4, q[i] * 4 + 4), i * 4);
  return out;
}

/** CSS gradient of the ramp for the legend bar. */
export function heatGradientCss(): string {
  const stops = HEATMAP_STOPS.map(([q, rgb]) => `rgb(${rgb.join(',')}) ${((q / 255) * 100).toFixed(0)}%`);
  return `linear-gradient(to right, ${stops.join(', ')})`;
}
