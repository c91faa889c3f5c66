/**
 * Scoring labelled images (good = 0, defect = 1) with any model kind: the validation scores stored with a model
 * and shown in threshold tuning, and the station's evaluation runs.
 */
import type { ProgressFn, RawImage } from '../common/types.js';
import { StationFault } from '../common/result.js';
import { decodeImage } from '../node/image-io.js';
import type { InspectionModel, ValidationScore } from './model.js';

export type ImageSource = string | RawImage;

export interface LabelledImage {
  readonly source: ImageSource;
  readonly name: string;
  readonly label: 0 | 1;
  readonly defectType?: string;
}

export function sourceLabel(src: ImageSource): string {
  return typeof src === 'string' ? src : `<image ${src.width}x${src.height}>`;
}

export async function loadImage(src: ImageSource): Promise<RawImage> {
  return typeof src === 'string' ? decodeImage(src, { channels: 3 }) : src;
}

/** Scores labelled images (skipping undecodable ones). */
export async function scoreLabelled(
  model: InspectionModel,
  images: readonly LabelledImage[],
  onProgress?: ProgressFn,
  signal?: AbortSignal,
): Promise<ValidationScore[]> {
  const out: ValidationScore[] = [];
  for (const [i, im] of images.entries()) {
    if (signal?.aborted) throw new StationFault('cancelled', 'cancelled');
    onProgress?.({ stage: 'validation', done: i, total: images.length, message: im.name });
    try {
      const { score } = await model.infer(await loadImage(im.source));
      out.push({ name: im.name, score, label: im.label, ...(im.defectType ? { defectType: im.defectType } : {}) });
    } catch (e) {
      if (e instanceof StationFault && (e.kind === 'corrupt-image' || e.kind === 'invalid-input')) continue;
      throw e;
    }
  }
  onProgress?.({ stage: 'validation', done: images.length, total: images.length });
  return out;
}
