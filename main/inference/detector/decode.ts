/**
 * Raw detector outputs to boxes in original image pixels.
 * - RTMDet (mmdeploy end2end): `dets` [1, N, 5] = x1, y1, x2, y2, score in input pixels, `labels` [1, N];
 *   NMS already ran inside the graph.
 * - YOLOv8 (ultralytics): one output [1, 4 + C, A] (cx, cy, w, h, then C class scores per anchor); some
 *   exports transpose it to [1, A, 4 + C]. NMS is ours.
 */
import { StationFault } from '../../common/result.js';
import type { Box } from '../../common/types.js';
import { unletterboxBox, type Letterbox } from './letterbox.js';
import { nms, type Candidate } from './nms.js';

export interface DecodeOptions {
  readonly classes: readonly string[];
  readonly scoreThreshold: number;
  readonly iouThreshold: number;
  readonly maxDetections: number;
  readonly letterbox: Letterbox;
  readonly width: number;
  readonly height: number;
}

function className(classes: readonly string[], k: number): string {
  return classes[k] ?? `class_${k}`;
}

function toBoxes(cands: readonly Candidate[], o: DecodeOptions): Box[] {
  const out: Box[] = [];
  for (const c of cands) {
    const b = unletterboxBox(c.x1, c.y1, c.x2, c.y2, o.letterbox, o.width, o.height);
    if (b.w <= 0 || b.h <= 0) continue; // entirely in the padding
    out.push({ ...b, score: c.score, label: className(o.classes, c.cls) });
  }
  return out.sort((a, b) => b.score - a.score);
}

export function decodeRtmdet(
  dets: { data: ArrayLike<number>; dims: readonly number[] },
  labels: { data: ArrayLike<number | bigint>; dims: readonly number[] },
  o: DecodeOptions,
): Box[] {
  if (dets.dims.length !== 3 || dets.dims[2] !== 5) {
    throw new StationFault('bad-model', `RTMDet output 'dets' must be [1, N, 5], got [${dets.dims.join(', ')}]`);
  }
  const n = dets.dims[1]!;
  if (labels.data.length < n) throw new StationFault('bad-model', `RTMDet output 'labels' has ${labels.data.length} values for ${n} detections`);
  const cands: Candidate[] = [];
  for (let i = 0; i < n; i++) {
    const score = Number(dets.data[i * 5 + 4]);
    if (!(score >= o.scoreThreshold)) continue;
    cands.push({
      x1: Number(dets.data[i * 5]),
      y1: Number(dets.data[i * 5 + 1]),
      x2: Number(dets.data[i * 5 + 2]),
      y2: Number(dets.data[i * 5 + 3]),
      score,
      cls: Number(labels.data[i]),
    });
  }
  cands.sort((a, b) => b.score - a.score);
  return toBoxes(cands.slice(0, o.maxDetections), o);
}

export function decodeYolov8(out: { data: ArrayLike<number>; dims: readonly number[] }, o: DecodeOptions): Box[] {
  const C = o.classes.length;
  if (out.dims.length !== 3) throw new StationFault('bad-model', `YOLOv8 output must be [1, 4+classes, anchors], got [${out.dims.join(', ')}]`);
  const [, d1, d2] = out.dims as [number, number, number];
  // channel-first [1, 4+C, A] is ultralytics' layout; accept the transposed one too
  let transposed: boolean;
  if (d1 === 4 + C) transposed = false;
  else if (d2 === 4 + C) transposed = true;
  else {
    throw new StationFault('bad-model', `YOLOv8 output [${out.dims.join(', ')}] does not fit ${C} classes (expected 4 + ${C} = ${4 + C} rows)`);
  }
  const A = transposed ? d1 : d2;
  const at = (row: number, a: number): number => Number(transposed ? out.data[a * (4 + C) + row] : out.data[row * A + a]);
  const cands: Candidate[] = [];
  for (let a = 0; a < A; a++) {
    let best = -Infinity;
    let cls = 0;
    for (let k = 0; k < C; k++) {
      const s = at(4 + k, a);
      if (s > best) {
        best = s;
        cls = k;
      }
    }
    if (!(best >= o.scoreThreshold)) continue;
    const cx = at(0, a);
    const cy = at(1, a);
    const w = at(2, a);
    const h = at(3, a);
    cands.push({ x1: cx - w / 2, y1: cy - h / 2, x2: cx + w / 2, y2: cy + h / 2, score: best, cls });
  }
  return toBoxes(nms(cands, o.iouThreshold, o.maxDetections), o);
}

/** A detector's verdict rule: NG when any box reaches the threshold (= the best box's score >= threshold). */
export function detectorScore(boxes: readonly Box[]): number {
  return boxes.reduce((m, b) => Math.max(m, b.score), 0);
}

export function anyBoxAbove(boxes: readonly Box[], threshold: number): boolean {
  return boxes.some((b) => b.score >= threshold);
}
