/**
 * Connected components (8-connectivity) on a binary grid, with each component's bounding box and area.
 * Pure: used for masks-to-boxes on import and for boxes from a model's score map.
 */

export interface Component {
  /** Inclusive pixel bounds. */
  readonly x0: number;
  readonly y0: number;
  readonly x1: number;
  readonly y1: number;
  readonly area: number;
}

/**
 * Labels the cells where `on(i)` is true (i = y * width + x). Returns the label image (0 = off, k = k-th
 * component, 1-based) and the components in scan order of their first cell.
 */
export function labelComponents(
  width: number,
  height: number,
  on: (i: number) => boolean,
): { labels: Int32Array; components: Component[] } {
  const labels = new Int32Array(width * height);
  const components: Component[] = [];
  const stack = new Int32Array(width * height);
  for (let start = 0; start < width * height; start++) {
    if (labels[start] !== 0 || !on(start)) continue;
    const id = components.length + 1;
    let sp = 0;
    stack[sp++] = start;
    labels[start] = id;
    let x0 = width, y0 = height, x1 = -1, y1 = -1, area = 0;
    while (sp > 0) {
      const i = stack[--sp];
      const x = i % width;
      const y = (i - x) / width;
      area++;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
      for (let dy = -1; dy <= 1; dy++) {
        const ny = y + dy;
        if (ny < 0 || ny >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          if ((dx === 0 && dy === 0) || nx < 0 || nx >= width) continue;
          const j = ny * width + nx;
          if (labels[j] === 0 && on(j)) {
            labels[j] = id;
            stack[sp++] = j;
          }
        }
      }
    }
    components.push({ x0, y0, x1, y1, area });
  }
  return { labels, components };
}
