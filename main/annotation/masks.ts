/**
 * Ground-truth masks (MVTec `ground_truth/<type>/NNN_mask.png`) to boxes: one box per 8-connected
 * region of non-zero pixels. Pure.
 */
import type { RawImage } from '../common/types.js';
import { labelComponents } from './components.js';
import type { AnnotationBox } from './types.js';

export interface MaskToBoxOptions {
  readonly label?: string;
  /** Regions smaller than this many pixels are dropped (annotation specks). Default 1. */
  readonly minArea?: number;
  /** Mask value above which a pixel is defect. Default 127. */
  readonly threshold?: number;
}

export function masksToBoxes(mask: RawImage, opts: MaskToBoxOptions = {}): AnnotationBox[] {
  const { width, height, channels, data } = mask;
  const t = opts.threshold ?? 127;
  const { components } = labelComponents(width, height, (i) => data[i * channels] > t);
  return components
    .filter((c) => c.area >= (opts.minArea ?? 1))
    .map((c) => ({ x: c.x0, y: c.y0, w: c.x1 - c.x0 + 1, h: c.y1 - c.y0 + 1, label: opts.label ?? 'defect' }));
}
