/**
 * Training samples for the supervised model from what the station holds: box annotations (drawn in the
 * renderer or imported from COCO/YOLO) and good images.
 */
import { isAbsolute, join } from 'node:path';
import { StationFault } from '../../common/result.js';
import type { ImageAnnotation } from '../../annotation/types.js';
import { decodeImage } from '../../node/image-io.js';
import type { SupervisedSample } from './train.js';

/**
 * Decodes each annotated image (relative names resolve against `root`). Images with boxes become defect
 * samples, images without boxes good samples. A size that differs from the annotation's is an error:
 * the boxes would land in the wrong place.
 */
export async function samplesFromAnnotations(annotations: readonly ImageAnnotation[], root: string): Promise<SupervisedSample[]> {
  const out: SupervisedSample[] = [];
  for (const a of annotations) {
    const path = isAbsolute(a.image) ? a.image : join(root, a.image);
    const image = await decodeImage(path);
    if (image.width !== a.width || image.height !== a.height) {
      throw new StationFault('invalid-input', `${a.image} is ${image.width}x${image.height}, its annotation says ${a.width}x${a.height}`);
    }
    out.push(a.boxes.length > 0 ? { name: a.image, image, boxes: a.boxes } : { name: a.image, image });
  }
  return out;
}
