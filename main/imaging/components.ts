/**
 * Connected components of a binary image (4-connectivity), used for the part's foreground mask and for
 * turning a thresholded anomaly map into boxes.
 */

export interface Component {
  readonly label: number;
  readonly area: number;
  /** Inclusive-exclusive bounding box in pixels. */
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

/**
 * Labels 4-connected regions where `binary[i] !== 0`.
 * @returns labels (0 = background, 1..n) and one Component per label, in label order.
 */
export function connectedComponents(
  binary: ArrayLike<number>,
  width: number,
  height: number,
): { labels: Int32Array; components: Component[] } {
  const labels = new Int32Array(width * height);
  const components: Component[] = [];
  const stack = new Int32Array(width * height);
  let next = 0;
  for (let start = 0; start < labels.length; start++) {
    if (binary[start] === 0 || labels[start] !== 0) continue;
    next++;
    let top = 0;
    stack[top++] = start;
    labels[start] = next;
    let area = 0;
    let x0 = width, y0 = height, x1 = -1, y1 = -1;
    while (top > 0) {
      const p = stack[--top]!;
      area++;
      const x = p % width;
      const y = (p - x) / width;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
      // Explicit stack instead of recursion: regions can cover the whole image.
      if (x > 0 && binary[p - 1] !== 0 && labels[p - 1] === 0) { labels[p - 1] = next; stack[top++] = p - 1; }
      if (x < width - 1 && binary[p + 1] !== 0 && labels[p + 1] === 0) { labels[p + 1] = next; stack[top++] = p + 1; }
      if (y > 0 && binary[p - width] !== 0 && labels[p - width] === 0) { labels[p - width] = next; stack[top++] = p - width; }
      if (y < height - 1 && binary[p + width] !== 0 && labels[p + width] === 0) { labels[p + width] = next; stack[top++] = p + width; }
    }
    components.push({ label: next, area, x: x0, y: y0, w: x1 - x0 + 1, h: y1 - y0 + 1 });
  }
  return { labels, components };
}

/** Keeps only the largest component; returns a 0/1 mask (all zero when there is none). */
export function largestComponent(binary: ArrayLike<number>, width: number, height: number): Uint8Array {
  const { labels, components } = connectedComponents(binary, width, height);
  const out = new Uint8Array(width * height);
  if (components.length === 0) return out;
  let best = components[0]!;
  for (const c of components) if (c.area > best.area) best = c;
  for (let i = 0; i < out.length; i++) out[i] = labels[i] === best.label ? 1 : 0;
  return out;
}

/**
 * Keeps the components of at least `fraction` of the largest one's area; returns a 0/1 mask. Unlike
 * largestComponent, a part that a bright band splits in two keeps both halves, while specks and fibres go.
 */
export function largeComponents(binary: ArrayLike<number>, width: number, height: number, fraction: number): Uint8Array {
  const { labels, components } = connectedComponents(binary, width, height);
  const out = new Uint8Array(width * height);
  const largest = components.reduce((m, c) => Math.max(m, c.area), 0);
  const keep = new Uint8Array(components.length + 1);
  for (const c of components) if (c.area >= fraction * largest) keep[c.label] = 1;
  for (let i = 0; i < out.length; i++) out[i] = keep[labels[i]!]!;
  return out;
}

/**
 * Floods (4-connectivity) from the pixels already set in `reached`, into every pixel not `blocked`; marks what it
 * reaches in `reached` (in place) and returns it. Explicit stack: regions can cover the whole image.
 */
export function flood(reached: Uint8Array, blocked: ArrayLike<number>, width: number): Uint8Array {
  const n = reached.length;
  const stack = new Int32Array(n);
  let top = 0;
  for (let p = 0; p < n; p++) if (reached[p]) stack[top++] = p;
  while (top > 0) {
    const p = stack[--top]!;
    const x = p % width;
    if (x > 0 && !blocked[p - 1] && !reached[p - 1]) { reached[p - 1] = 1; stack[top++] = p - 1; }
    if (x < width - 1 && !blocked[p + 1] && !reached[p + 1]) { reached[p + 1] = 1; stack[top++] = p + 1; }
    if (p >= width && !blocked[p - width] && !reached[p - width]) { reached[p - width] = 1; stack[top++] = p - width; }
    if (p + width < n && !blocked[p + width] && !reached[p + width]) { reached[p + width] = 1; stack[top++] = p + width; }
  }
  return reached;
}

/**
 * Fills holes: background pixels not connected (4-connectivity) to the image border become foreground. One flood
 * of the background from the border pixels, rather than labelling every background region.
 */
export function fillHoles(mask: Uint8Array, width: number, height: number): Uint8Array {
  const outside = new Uint8Array(mask.length);
  const seed = (p: number): void => { if (!mask[p]) outside[p] = 1; };
  for (let x = 0; x < width; x++) { seed(x); seed((height - 1) * width + x); }
  for (let y = 0; y < height; y++) { seed(y * width); seed(y * width + width - 1); }
  flood(outside, mask, width);
  for (let i = 0; i < outside.length; i++) outside[i] = outside[i] ? 0 : 1;
  return outside;
}
