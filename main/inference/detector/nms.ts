/** Greedy non-maximum suppression per class, on boxes [x1, y1, x2, y2]. Pure. */

export interface Candidate {
  readonly x1: number;
  readonly y1: number;
  readonly x2: number;
  readonly y2: number;
  readonly score: number;
  readonly cls: number;
}

export function iou(a: Candidate, b: Candidate): number {
  const iw = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1);
  const ih = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1);
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  const union = (a.x2 - a.x1) * (a.y2 - a.y1) + (b.x2 - b.x1) * (b.y2 - b.y1) - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * Keeps, highest score first, every box that overlaps no kept box of the same class by more than
 * `iouThreshold` (class-aware, as ultralytics does by default); at most `maxDetections`.
 */
export function nms(cands: readonly Candidate[], iouThreshold: number, maxDetections: number): Candidate[] {
  const sorted = [...cands].sort((a, b) => b.score - a.score);
  const kept: Candidate[] = [];
  for (const c of sorted) {
    if (kept.length >= maxDetections) break;
    if (kept.every((k) => k.cls !== c.cls || iou(k, c) <= iouThreshold)) kept.push(c);
  }
  return kept;
}
