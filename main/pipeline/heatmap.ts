/**
 * Anomaly map -> what the UI shows. Values are expressed relative to the threshold (v / threshold) and
 * quantised to a byte: q = clamp(round(128 * v / threshold), 0, 255), so 128 = at threshold on every frame.
 * The heatmap PNG colours q with one fixed lookup table (transparent below ~0.3x threshold, blue -> yellow at
 * the threshold -> red at 2x), so colours mean the same thing on every frame and the PNG overlays the frame.
 */
import sharp from 'sharp';
import type { FloatMap } from '../common/types.js';
import type { QuantisedMap } from '../common/api.js';
import { HEATMAP_LUT, downsampleMax, quantise } from '../common/heatmap-scale.js';
export { downsampleMax, quantise, HEATMAP_LUT } from '../common/heatmap-scale.js';

/** RGBA PNG of a quantised map. */
export async function heatmapPng(q: Uint8Array, width: number, height: number): Promise<Buffer> {
  const rgba = Buffer.alloc(width * height * 4);
  for (let i = 0; i < q.length; i++) {
    const o = q[i] * 4;
    rgba[i * 4] = HEATMAP_LUT[o];
    rgba[i * 4 + 1] = HEATMAP_LUT[o + 1];
    rgba[i * 4 + 2] = HEATMAP_LUT[o + 2];
    rgba[i * 4 + 3] = HEATMAP_LUT[o + 3];
  }
  return sharp(rgba, { raw: { width, height, channels: 4 } }).png({ compressionLevel: 3 }).toBuffer();
}

/** The heatmap PNG stored beside a frame: the map reduced to at most `maxSide` (keeping peaks), on the fixed scale. */
export function heatmapPngOf(map: FloatMap, threshold: number, maxSide = 256): Promise<Buffer> {
  const small = downsampleMax(map, maxSide);
  return heatmapPng(quantise(small, threshold), small.width, small.height);
}

/** The coarse grid sent inside FrameEvent (hover values). */
export function quantisedGrid(map: FloatMap, threshold: number, maxSide = 32): QuantisedMap {
  const small = downsampleMax(map, maxSide);
  const q = quantise(small, threshold);
  return { width: small.width, height: small.height, data: Buffer.from(q).toString('base64') };
}
