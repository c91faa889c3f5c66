/**
 * YOLO txt labels (one file per image: `class cx cy w h`, normalised to [0,1], class = index into the
 * class list, usually kept in classes.txt / data.yaml). Pure.
 */
import { StationFault } from '../common/result.js';
import type { AnnotationBox, ImageAnnotation } from './types.js';

export function toYolo(annotation: ImageAnnotation, classes: readonly string[]): string {
  const { width: W, height: H } = annotation;
  return annotation.boxes
    .map((b) => {
      const k = classes.indexOf(b.label);
      if (k < 0) throw new StationFault('invalid-input', `${annotation.image}: label "${b.label}" is not a class`);
      const f = (v: number) => Number(v.toFixed(6)).toString();
      return `${k} ${f((b.x + b.w / 2) / W)} ${f((b.y + b.h / 2) / H)} ${f(b.w / W)} ${f(b.h / H)}`;
    })
    .join('\n')
    .concat(annotation.boxes.length > 0 ? '\n' : '');
}

export function fromYolo(
  text: string,
  image: { readonly image: string; readonly width: number; readonly height: number },
  classes: readonly string[],
): ImageAnnotation {
  const boxes: AnnotationBox[] = [];
  text.split(/\r?\n/).forEach((line, n) => {
    const s = line.trim();
    if (s === '' || s.startsWith('#')) return;
    const parts = s.split(/\s+/);
    const nums = parts.map(Number);
    if (parts.length !== 5 || nums.some((v) => !Number.isFinite(v))) {
      throw new StationFault('invalid-input', `${image.image}: YOLO line ${n + 1} is not "class cx cy w h": ${s}`);
    }
    const [k, cx, cy, w, h] = nums as [number, number, number, number, number];
    if (!Number.isInteger(k) || k < 0 || k >= classes.length) {
      throw new StationFault('invalid-input', `${image.image}: YOLO line ${n + 1}: class ${k} outside 0..${classes.length - 1}`);
    }
    if ([cx, cy, w, h].some((v) => v < 0 || v > 1)) {
      throw new StationFault('invalid-input', `${image.image}: YOLO line ${n + 1}: coordinates must be normalised to [0,1]`);
    }
    boxes.push({ x: (cx - w / 2) * image.width, y: (cy - h / 2) * image.height, w: w * image.width, h: h * image.height, label: classes[k]! });
  });
  return { image: image.image, width: image.width, height: image.height, boxes };
}
