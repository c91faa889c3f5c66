/**
 * Node-side annotation files: MVTec ground-truth masks imported as boxes, COCO JSON and YOLO txt written
 * atomically (temp file + rename) and read back.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StationFault } from '../common/result.js';
import { decodeImage, isImagePath } from '../node/image-io.js';
import { fromCoco, toCoco } from './coco.js';
import { masksToBoxes } from './masks.js';
import { toYolo } from './yolo.js';
import type { ImageAnnotation } from './types.js';
import { writeFileAtomicSync } from '../node/atomic-write.js';


/**
 * Annotations of every image in `<dataset>/test/<type>` from `<dataset>/ground_truth/<type>/<stem>_mask.png`
 * (class name = defect type). Image names are relative to the dataset folder. Images without a mask
 * (e.g. test/good) get no boxes.
 */
export async function annotationsFromMvtec(dataset: string, type: string, opts: { minArea?: number } = {}): Promise<ImageAnnotation[]> {
  const dir = join(dataset, 'test', type);
  if (!existsSync(dir)) throw new StationFault('not-found', `folder not found: ${dir}`);
  const out: ImageAnnotation[] = [];
  for (const f of readdirSync(dir).filter(isImagePath).sort()) {
    const maskFile = join(dataset, 'ground_truth', type, `${f.replace(/\.[^.]+$/, '')}_mask.png`);
    if (existsSync(maskFile)) {
      const mask = await decodeImage(maskFile, { channels: 1 });
      out.push({ image: `test/${type}/${f}`, width: mask.width, height: mask.height, boxes: masksToBoxes(mask, { label: type, minArea: opts.minArea }) });
    } else {
      const img = await decodeImage(join(dir, f), { channels: 1 });
      out.push({ image: `test/${type}/${f}`, width: img.width, height: img.height, boxes: [] });
    }
  }
  return out;
}

export function writeCocoFile(path: string, annotations: readonly ImageAnnotation[], categories: readonly string[]): void {
  writeFileAtomicSync(path, JSON.stringify(toCoco(annotations, categories), null, 1));
}

export function readCocoFile(path: string): { annotations: ImageAnnotation[]; categories: string[] } {
  if (!existsSync(path)) throw new StationFault('not-found', `COCO file not found: ${path}`);
  return fromCoco(readFileSync(path, 'utf8'));
}

/** The label file of an image: its path with the extension dropped, so sub-folders stay apart (test/a/000, test/b/000). */
export function yoloLabelPath(dir: string, image: string): string {
  return join(dir, 'labels', `${image.replace(/\.[^./]+$/, '')}.txt`);
}

/**
 * The station's one YOLO export: `<dir>/labels/<image path without extension>.txt` per image (labels/ mirrors
 * the images' sub-folders, so the repeated names of MVTec (test/good/000.png, test/scratch/000.png) never overwrite
 * each other),  * `<dir>/classes.txt` and `<dir>/images.txt` (the image names, in order). Image names are relative paths.
 */
export function writeYoloDir(dir: string, annotations: readonly ImageAnnotation[], classes: readonly string[]): void {
  for (const a of annotations) writeFileAtomicSync(yoloLabelPath(dir, a.image), toYolo(a, classes));
  writeFileAtomicSync(join(dir, 'classes.txt'), classes.join('\n') + '\n');
  writeFileAtomicSync(join(dir, 'images.txt'), annotations.map((a) => a.image).join('\n') + '\n');
}
