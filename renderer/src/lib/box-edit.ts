/**
 * Box editing geometry for the Annotate canvas, in image pixels: hit tests (handles, then boxes top-most first)
 * and the drag operations (draw, move, resize by a corner or an edge). Pure, no DOM.
 */
import type { AnnotationBoxDto } from '../../../main/common/api.js';

export type Handle = 'nw' | 'n' | 'ne' | 'e' | 'se' | 's' | 'sw' | 'w';
export type Drag =
  | { readonly kind: 'draw'; readonly x0: number; readonly y0: number }
  | { readonly kind: 'move'; readonly index: number; readonly start: AnnotationBoxDto; readonly px: number; readonly py: number }
  | { readonly kind: 'resize'; readonly index: number; readonly start: AnnotationBoxDto; readonly handle: Handle };

/** Handle positions of a box (corners and edge midpoints). */
export function handles(b: AnnotationBoxDto): [Handle, number, number][] {
  const { x, y, w, h } = b;
  return [
    ['nw', x, y], ['n', x + w / 2, y], ['ne', x + w, y], ['e', x + w, y + h / 2],
    ['se', x + w, y + h], ['s', x + w / 2, y + h], ['sw', x, y + h], ['w', x, y + h / 2],
  ];
}

/** The handle of `b` within `tol` image pixels of (px, py). */
export function hitHandle(b: AnnotationBoxDto, px: number, py: number, tol: number): Handle | null {
  for (const [h, x, y] of handles(b)) if (Math.abs(px - x) <= tol && Math.abs(py - y) <= tol) return h;
  return null;
}

/** Index of the top-most (last drawn) box containing (px, py), or -1. */
export function hitBox(boxes: readonly AnnotationBoxDto[], px: number, py: number): number {
  for (let i = boxes.length - 1; i >= 0; i--) {
    const b = boxes[i]!;
    if (px >= b.x && px <= b.x + b.w && py >= b.y && py <= b.y + b.h) return i;
  }
  return -1;
}

const clamp = (v: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, v));

/** Normalised box from two corners, clipped to the image. */
export function fromCorners(x0: number, y0: number, x1: number, y1: number, W: number, H: number, label: string): AnnotationBoxDto {
  const ax = clamp(Math.min(x0, x1), 0, W);
  const bx = clamp(Math.max(x0, x1), 0, W);
  const ay = clamp(Math.min(y0, y1), 0, H);
  const by = clamp(Math.max(y0, y1), 0, H);
  return { x: Math.round(ax), y: Math.round(ay), w: Math.round(bx) - Math.round(ax), h: Math.round(by) - Math.round(ay), label };
}

/** The box a drag gives at pointer (px, py) in an image of W x H. */
export function applyDrag(d: Drag, px: number, py: number, W: number, H: number, label: string): AnnotationBoxDto {
  if (d.kind === 'draw') return fromCorners(d.x0, d.y0, px, py, W, H, label);
  const s = d.start;
  if (d.kind === 'move') {
    const x = clamp(s.x + px - d.px, 0, W - s.w);
    const y = clamp(s.y + py - d.py, 0, H - s.h);
    return { ...s, x: Math.round(x), y: Math.round(y) };
  }
  let x0 = s.x, y0 = s.y, x1 = s.x + s.w, y1 = s.y + s.h;
  if (d.handle.includes('w')) x0 = px;
  if (d.handle.includes('e')) x1 = px;
  if (d.handle.includes('n')) y0 = py;
  if (d.handle.includes('s')) y1 = py;
  return fromCorners(x0, y0, x1, y1, W, H, s.label);
}

/** Cursor for a handle. */
export function cursorOf(h: Handle | null, overBox: boolean): string {
  if (h) return h === 'n' || h === 's' ? 'ns-resize' : h === 'e' || h === 'w' ? 'ew-resize' : h === 'nw' || h === 'se' ? 'nwse-resize' : 'nesw-resize';
  return overBox ? 'move' : 'crosshair';
}
