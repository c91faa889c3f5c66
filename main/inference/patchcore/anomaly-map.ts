/**
 * Post-processing of patch scores: the anomaly map in original image coordinates and the boxes around
 * regions above a threshold.
 *
 *   patch scores [h, w] -> bilinear to the canvas [H, W] -> Gaussian blur (σ = 4, as the paper)
 *   -> resampled into the original image frame at 1/mapScale resolution (outside the canvas: 0)
 */
import type { Box, FloatMap } from '../../common/types.js';
import { gaussianBlur, resizeBilinear } from '../../imaging/filters.js';
import { connectedComponents } from '../../imaging/components.js';
import { invertAffine, warpFloat, type Affine } from '../../imaging/warp.js';

export function anomalyMap(
  patchScores: Float32Array,
  grid: { h: number; w: number },
  canvas: { width: number; height: number; toOriginal: Affine },
  original: { width: number; height: number },
  opts: { sigma: number; mapScale: number },
): FloatMap {
  // Upsampling and blur at half the canvas resolution (sigma halved to match): the same smoothing in image
  // terms for a quarter of the work; the map is coarser than the canvas anyway.
  const cw = Math.ceil(canvas.width / 2), ch = Math.ceil(canvas.height / 2);
  const onCanvas = gaussianBlur(resizeBilinear({ width: grid.w, height: grid.h, data: patchScores }, cw, ch), opts.sigma / 2);
  const s = opts.mapScale;
  const mw = Math.ceil(original.width / s);
  const mh = Math.ceil(original.height / s);
  // map pixel -> original pixel (x = s*mx + (s-1)/2) -> canvas pixel -> half-canvas pixel ((x - 0.5) / 2)
  const T = invertAffine(canvas.toOriginal);
  const A = { a: T.a / 2, b: T.b / 2, c: (T.c - 0.5) / 2, d: T.d / 2, e: T.e / 2, f: (T.f - 0.5) / 2 };
  const o = (s - 1) / 2;
  const mapToCanvas: Affine = {
    a: A.a * s, b: A.b * s, c: A.a * o + A.b * o + A.c,
    d: A.d * s, e: A.e * s, f: A.d * o + A.e * o + A.f,
  };
  return { width: mw, height: mh, data: warpFloat(onCanvas.data, cw, ch, mw, mh, mapToCanvas, 0) };
}

/**
 * Boxes around connected regions of the map at or above `threshold`, in original image pixels
 * (`scale` = original pixels per map pixel). Regions smaller than `minArea` map pixels (12 at scale 4: a 14 x 14 px
 * patch of the original) are specks of a region grazing the threshold, dropped as noise.
 */
export function boxesFromMap(map: FloatMap, threshold: number, scale: number, minArea = 12): Box[] {
  const { width: w, height: h, data } = map;
  const binary = new Uint8Array(w * h);
  for (let i = 0; i < data.length; i++) binary[i] = data[i]! >= threshold ? 1 : 0;
  const { labels, components } = connectedComponents(binary, w, h);
  const peak = new Float32Array(components.length + 1);
  for (let i = 0; i < labels.length; i++) if (labels[i]! && data[i]! > peak[labels[i]!]!) peak[labels[i]!] = data[i]!;
  return components
    .filter((c) => c.area >= minArea)
    .map((c) => ({ x: c.x * scale, y: c.y * scale, w: c.w * scale, h: c.h * scale, score: peak[c.label]!, label: 'anomaly' }))
    .sort((a, b) => b.score - a.score);
}

/**
 * The boxes shown with a verdict: none for an OK part (score < threshold); for an NG part the map's regions at or above
 * the threshold. The image score (the mean of the top patches, or the re-weighted largest one) can stand above the
 * threshold while the blurred map stays under it everywhere; an NG part still gets a box then: the regions within 90 %
 * of the map's peak that are at least `minArea`, or failing that the peak's own region alone (not every speck).
 */
export function verdictBoxes(map: FloatMap, score: number, threshold: number, scale: number, minArea = 12): Box[] {
  if (!(score >= threshold)) return [];
  const boxes = boxesFromMap(map, threshold, scale, minArea);
  if (boxes.length > 0) return boxes;
  let peak = 0;
  for (let i = 0; i < map.data.length; i++) if (map.data[i]! > peak) peak = map.data[i]!;
  if (!(peak > 0)) return [];
  const near = boxesFromMap(map, 0.9 * peak, scale, minArea);
  return near.length > 0 ? near : boxesFromMap(map, 0.9 * peak, scale, 1).slice(0, 1);
}
