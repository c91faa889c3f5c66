/**
 * A selection set made from normal images only: settings (backbone, layers, threshold rules) are chosen on it so
 * that the test images whose figures we report are never looked at. From an MVTec folder's train/good it writes
 * an MVTec-layout folder: train/good = `train` images starting at `offset`; of the remaining images, every other one
 * goes to test/good and the rest to test/synthetic_scratch with a painted scratch (a thin bright or dark line,
 * 25-75 px long, painted on part pixels only) and its ground_truth mask. A proxy for real defects, coarse but independent of them.
 * With `notches`, each of those images also goes to test/synthetic_notch with a notch or bump at the part's outline
 * instead (a stand-in for damaged threads and tips); with `cutPaste`, to test/synthetic_cutpaste with a piece of the
 * part's own surface moved and turned (CutPaste, Li et al. 2021: texture out of place, no painted colour).
 */
import { mkdir, rm, writeFile, copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createRng, hashSeed } from '../common/random.js';
import { decodeImage, encodePng } from '../node/image-io.js';
import { listMvtec } from './mvtec.js';

export const SYNTHETIC_DEFECT = 'synthetic_scratch';
export const SYNTHETIC_NOTCH = 'synthetic_notch';
export const SYNTHETIC_CUTPASTE = 'synthetic_cutpaste';

export interface SelectionSetOptions {
  /** MVTec folder whose train/good is used (its test/ is never read). */
  readonly data: string;
  /** Output folder (emptied first). */
  readonly out: string;
  readonly train: number;
  /** First training image (index in name order); the training window wraps around. */
  readonly offset?: number;
  readonly seed?: number;
  /** Also write test/synthetic_notch (same images as the scratches, a notch or bump at the outline instead). */
  readonly notches?: boolean;
  /** Also write test/synthetic_cutpaste (same images, a piece of the part moved and turned instead). */
  readonly cutPaste?: boolean;
}

export interface SelectionSet {
  readonly train: number;
  readonly good: number;
  readonly defects: number;
  readonly notches: number;
  readonly cutPastes: number;
}

export async function writeSelectionSet(o: SelectionSetOptions): Promise<SelectionSet> {
  const all = (await listMvtec(o.data)).train.filter((i) => i.defectType === 'good');
  if (all.length < o.train + 2) throw new Error(`${o.data}: ${all.length} normal images, need at least ${o.train + 2}`);
  const offset = (o.offset ?? 0) % all.length;
  const order = [...all.slice(offset), ...all.slice(0, offset)];
  const train = order.slice(0, o.train);
  const rest = order.slice(o.train);
  await rm(o.out, { recursive: true, force: true });
  const dirs = ['train/good', 'test/good', `test/${SYNTHETIC_DEFECT}`, `ground_truth/${SYNTHETIC_DEFECT}`];
  if (o.notches) dirs.push(`test/${SYNTHETIC_NOTCH}`, `ground_truth/${SYNTHETIC_NOTCH}`);
  if (o.cutPaste) dirs.push(`test/${SYNTHETIC_CUTPASTE}`, `ground_truth/${SYNTHETIC_CUTPASTE}`);
  for (const d of dirs) await mkdir(join(o.out, d), { recursive: true });
  for (const img of train) await copyFile(img.path, join(o.out, 'train/good', img.name));
  let good = 0;
  let defects = 0;
  let notches = 0;
  let cutPastes = 0;
  /** Writes `img` changed by `paint` (seeded by its name) and the mask `paint` returns under `type`. */
  const writeChanged = async (img: { path: string; name: string }, type: string, paint: (rgb: Uint8Array, w: number, h: number, rand: () => number) => Uint8Array) => {
    const raw = await decodeImage(img.path);
    // Seed labels 'synthetic-scratch' / 'synthetic-notch', as before cut-paste: earlier sets stay byte-identical.
    const rng = createRng(hashSeed(type.replace('_', '-'), o.seed ?? 0, img.name));
    const mask = paint(raw.data, raw.width, raw.height, () => rng.next());
    const stem = img.name.replace(/\.[^.]+$/, '');
    await writeFile(join(o.out, `test/${type}`, `${stem}.png`), await encodePng(raw));
    await writeFile(join(o.out, `ground_truth/${type}`, `${stem}_mask.png`), await encodePng({ width: raw.width, height: raw.height, channels: 1, data: mask }));
  };
  for (let k = 0; k < rest.length; k++) {
    const img = rest[k]!;
    if (k % 2 === 0) {
      await copyFile(img.path, join(o.out, 'test/good', img.name));
      good++;
      continue;
    }
    await writeChanged(img, SYNTHETIC_DEFECT, paintScratch);
    defects++;
    if (o.notches) {
      await writeChanged(img, SYNTHETIC_NOTCH, paintNotch);
      notches++;
    }
    if (o.cutPaste) {
      await writeChanged(img, SYNTHETIC_CUTPASTE, pasteCut);
      cutPastes++;
    }
  }
  return { train: train.length, good, defects, notches, cutPastes };
}

/**
 * Paints one scratch on the part (the dark Otsu class of a bright-background image) in place; returns its mask.
 * The line starts at a random pixel well inside the part, runs in a random direction, and is painted on part pixels only.
 */
export function paintScratch(rgb: Uint8Array, width: number, height: number, rand: () => number): Uint8Array {
  const gray = (x: number, y: number): number => {
    const i = 3 * (y * width + x);
    return (rgb[i]! + rgb[i + 1]! + rgb[i + 2]!) / 3;
  };
  // Otsu threshold on a subsampled histogram: the part is the dark class.
  const hist = new Float64Array(256);
  for (let y = 0; y < height; y += 4) for (let x = 0; x < width; x += 4) hist[Math.round(gray(x, y))]!++;
  const total = hist.reduce((a, b) => a + b, 0);
  let sumAll = 0;
  for (let v = 0; v < 256; v++) sumAll += v * hist[v]!;
  let [wB, sumB, best, level] = [0, 0, -1, 128];
  for (let v = 0; v < 256; v++) {
    wB += hist[v]!;
    if (wB === 0 || wB === total) continue;
    sumB += v * hist[v]!;
    const mB = sumB / wB;
    const mF = (sumAll - sumB) / (total - wB);
    const between = wB * (total - wB) * (mB - mF) ** 2;
    if (between > best) [best, level] = [between, v];
  }
  const onPart = (x: number, y: number): boolean => x >= 8 && y >= 8 && x < width - 8 && y < height - 8 && gray(x, y) <= level;
  const inside = (x: number, y: number): boolean => [[0, 0], [12, 0], [-12, 0], [0, 12], [0, -12]].every(([dx, dy]) => onPart(x + dx!, y + dy!));
  let sx = -1;
  let sy = -1;
  for (let tries = 0; tries < 20000 && sx < 0; tries++) {
    const x = Math.floor(rand() * width);
    const y = Math.floor(rand() * height);
    if (inside(x, y)) [sx, sy] = [x, y];
  }
  const mask = new Uint8Array(width * height);
  if (sx < 0) throw new Error('no part found to paint a scratch on');
  const angle = rand() * Math.PI;
  const length = 25 + rand() * 50;
  const halfWidth = 1 + rand() * 1.5;
  const bright = rand() < 0.5;
  const strength = 0.25 + rand() * 0.3;
  const [dx, dy] = [Math.cos(angle), Math.sin(angle)];
  for (let t = 0; t < length; t += 0.5) {
    const cx = sx + dx * t;
    const cy = sy + dy * t;
    if (cx < 8 || cy < 8 || cx >= width - 8 || cy >= height - 8) break;
    for (let oy = -3; oy <= 3; oy++) {
      for (let ox = -3; ox <= 3; ox++) {
        const x = Math.round(cx + ox);
        const y = Math.round(cy + oy);
        // Distance from the line's axis.
        const d = Math.abs((x - cx) * -dy + (y - cy) * dx);
        // Paint only on the part (a scratch ends at the part's edge) and never twice.
        if (d > halfWidth || mask[y * width + x] || !onPart(x, y)) continue;
        mask[y * width + x] = 255;
        const i = 3 * (y * width + x);
        for (let c = 0; c < 3; c++) {
          const v = rgb[i + c]!;
          rgb[i + c] = Math.round(bright ? v + (255 - v) * strength : v * (1 - strength));
        }
      }
    }
  }
  return mask;
}

/**
 * Paints a notch (part pixels turned background, 60 %) or a bump (background pixels turned part colour) in place: a
 * disc of radius 4-10 px centred on a pixel of the part's outline. Returns its mask (the pixels changed).
 */
export function paintNotch(rgb: Uint8Array, width: number, height: number, rand: () => number): Uint8Array {
  const { gray, dark, bright, level } = partLevels(rgb, width, height);
  let cx = -1;
  let cy = -1;
  for (let t = 0; t < 50000 && cx < 0; t++) {
    const x = 20 + Math.floor(rand() * (width - 40));
    const y = 20 + Math.floor(rand() * (height - 40));
    if (gray(x, y) > level) continue;
    if ([[4, 0], [-4, 0], [0, 4], [0, -4]].some(([dx, dy]) => gray(x + dx!, y + dy!) > level)) [cx, cy] = [x, y];
  }
  if (cx < 0) throw new Error('no part outline found to paint a notch on');
  const r = 4 + rand() * 6;
  const notch = rand() < 0.6;
  const mask = new Uint8Array(width * height);
  const part = Math.round(dark + 20);
  for (let y = Math.floor(cy - r); y <= cy + r; y++) {
    for (let x = Math.floor(cx - r); x <= cx + r; x++) {
      if ((x - cx) ** 2 + (y - cy) ** 2 > r * r) continue;
      const onPart = gray(x, y) <= level;
      if (notch !== onPart) continue;
      const i = 3 * (y * width + x);
      rgb[i] = rgb[i + 1] = rgb[i + 2] = notch ? Math.round(bright) : part;
      mask[y * width + x] = 255;
    }
  }
  return mask;
}

/** Gray level of an RGB pixel, and the part/background split of a dark part on a bright background. */
function partLevels(rgb: Uint8Array, width: number, height: number): { gray: (x: number, y: number) => number; dark: number; bright: number; level: number } {
  const gray = (x: number, y: number): number => {
    const i = 3 * (y * width + x);
    return (rgb[i]! + rgb[i + 1]! + rgb[i + 2]!) / 3;
  };
  // Part/background split halfway between the darkest 2 % and the median (the background is most of the image).
  const vals: number[] = [];
  for (let y = 0; y < height; y += 8) for (let x = 0; x < width; x += 8) vals.push(gray(x, y));
  vals.sort((a, b) => a - b);
  const dark = vals[Math.floor(vals.length * 0.02)]!;
  const bright = vals[Math.floor(vals.length * 0.5)]!;
  return { gray, dark, bright, level: (dark + bright) / 2 };
}

/**
 * CutPaste (Li et al. 2021) on the part, in place: a rectangle of 12-40 x 6-20 px is cut from one place well inside
 * the part and pasted, turned by a random angle, at another such place at least 60 px away; only pixels that are part
 * at both ends are copied, so the outline stays. The part's own texture out of place (a displaced thread crest, a
 * gouge in the shank), with no painted colour. Returns its mask (the pixels copied).
 */
export function pasteCut(rgb: Uint8Array, width: number, height: number, rand: () => number): Uint8Array {
  const { gray, level } = partLevels(rgb, width, height);
  const margin = 24;
  const inside = (x: number, y: number): boolean =>
    x >= margin && y >= margin && x < width - margin && y < height - margin &&
    [[0, 0], [8, 0], [-8, 0], [0, 8], [0, -8]].every(([dx, dy]) => gray(x + dx!, y + dy!) <= level);
  const pick = (): [number, number] => {
    for (let t = 0; t < 50000; t++) {
      const x = Math.floor(rand() * width);
      const y = Math.floor(rand() * height);
      if (inside(x, y)) return [x, y];
    }
    throw new Error('no part found to cut a piece from');
  };
  const source = rgb.slice();
  for (let attempt = 0; attempt < 20; attempt++) {
    const [sx, sy] = pick();
    let [dx, dy] = pick();
    for (let t = 0; t < 200 && Math.hypot(dx - sx, dy - sy) < 60; t++) [dx, dy] = pick();
    if (Math.hypot(dx - sx, dy - sy) < 60) continue;
    const pw = 12 + rand() * 28;
    const ph = 6 + rand() * 14;
    const angle = rand() * 2 * Math.PI;
    const [c, s] = [Math.cos(angle), Math.sin(angle)];
    const r = Math.ceil(Math.hypot(pw, ph) / 2);
    const mask = new Uint8Array(width * height);
    let copied = 0;
    for (let y = dy - r; y <= dy + r; y++) {
      for (let x = dx - r; x <= dx + r; x++) {
        // Destination pixel -> the rectangle's own axes -> the source pixel (nearest).
        const u = (x - dx) * c + (y - dy) * s;
        const v = -(x - dx) * s + (y - dy) * c;
        if (Math.abs(u) > pw / 2 || Math.abs(v) > ph / 2) continue;
        const ux = Math.round(sx + u);
        const vy = Math.round(sy + v);
        const si = 3 * (vy * width + ux);
        const di = 3 * (y * width + x);
        const srcPart = (source[si]! + source[si + 1]! + source[si + 2]!) / 3 <= level;
        if (!srcPart || gray(x, y) > level) continue;
        rgb[di] = source[si]!;
        rgb[di + 1] = source[si + 1]!;
        rgb[di + 2] = source[si + 2]!;
        mask[y * width + x] = 255;
        copied++;
      }
    }
    if (copied >= 40) return mask;
    rgb.set(source);
  }
  throw new Error('no place on the part took a pasted piece');
}
