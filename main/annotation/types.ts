/** Defect annotations: boxes drawn on an image, in original image pixels. Pure. */

export interface AnnotationBox {
  /** Left, top, width, height in image pixels. */
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
  /** Defect class name. */
  readonly label: string;
}

export interface ImageAnnotation {
  /** Image file name or path as the dataset refers to it. */
  readonly image: string;
  readonly width: number;
  readonly height: number;
  /** Empty for a good image. */
  readonly boxes: readonly AnnotationBox[];
}

/** Clips a box to the image; returns undefined when nothing of it is left. */
export function clipBox(b: AnnotationBox, width: number, height: number): AnnotationBox | undefined {
  const x0 = Math.max(0, Math.min(width, b.x));
  const y0 = Math.max(0, Math.min(height, b.y));
  const x1 = Math.max(0, Math.min(width, b.x + b.w));
  const y1 = Math.max(0, Math.min(height, b.y + b.h));
  if (x1 - x0 <= 0 || y1 - y0 <= 0) return undefined;
  return { x: x0, y: y0, w: x1 - x0, h: y1 - y0, label: b.label };
}

/** The class names used by a set of annotations, sorted, for category lists. */
export function labelsOf(annotations: readonly ImageAnnotation[]): string[] {
  return [...new Set(annotations.flatMap((a) => a.boxes.map((b) => b.label)))].sort();
}
