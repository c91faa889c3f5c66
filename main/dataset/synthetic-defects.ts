/**
 * A selection set made from normal images only: settings (backbone, layers, threshold rules) are chosen on it so
 * that the test images whose figures we report are never looked at. From an MVTec folder's train/good it writes
 * an MVTec-layout folder: train/good = `train` images starting at `offset`; of the remaining images, every other one
 * goes to test/good and the rest to test/synthetic_scratch with a painted scratch (a thin bright or dark line,
 * 25-75 px long, painted on part pixels only) and its ground_truth mask. A proxy for real defects, coarse but independent of them.
 * With `notches`, each of those images also goes to test/synthetic_notch with a notch or bump at the part's outline
 * instead (a stand-in for damaged threads and tips).
 */
import { mkdir, rm, writeFile, copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createRng, hashSeed } from '../common/random.js';
import { decodeImage, encodePng } from '../node/image-io.js';
import { listMvtec } from './mvtec.js';

export const SYNTHETIC_DEFECT = 'synthetic_scratch';
export const SYNTHETIC_NOTCH = 'synthetic_notch';

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
}

export interface SelectionSet {
  readonly train: number;
  readonly good: number;
  readonly defects: number;
  readonly notches: number;
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
  for (const d of dirs) await mkdir(join(o.out, d), { recursive: true });
  for (const img of train) await copyFile(img.path, join(o.out, 'train/good', img.name));
  let good = 0;
  let defects = 0;
  let notches = 0;
  for (let k = 0; k < rest.length; k++) {
    const img = rest[k]!;
    if (k % 2 === 0) {
      await copyFile(img.path, join(o.out, 'test/good', img.name));
      good++;
      continue;
    }
    const raw = await decodeImage(img.path);
    const rng = createRng(hashSeed('synthetic-scratch', o.seed ?? 0, img.name));
    const mask = paintScratch(raw.data, raw.width, raw.height, () => rng.next());
    const stem = img.name.replace(/\.[^.]+$/, '');
    await writeFile(join(o.out, `test/${SYNTHETIC_DEFECT}`, `${stem}.png`), await encodePng(raw));
    await writeFile(join(o.out, `ground_truth/${SYNTHETIC_DEFECT}`, `${stem}_mask.png`), await encodePng({ width: raw.width, height: raw.height, channels: 1, data: mask }));
    defects++;
    if (!o.notches) continue;
    const fresh = await decodeImage(img.path);
    const nrng = createRng(hashSeed('synthetic-notch', o.seed ?? 0, img.name));
    const nmask = paintNotch(fresh.data, fresh.width, fresh.height, () => nrng.next());
    await writeFile(join(o.out, `test/${SYNTHETIC_NOTCH}`, `${stem}.png`), await encodePng(fresh));
    await writeFile(join(o.out, `ground_truth/${SYNTHETIC_NOTCH}`, `${stem}_mask.png`), await encodePng({ width: fresh.width, height: fresh.height, channels: 1, data: nmask }));
    notches++;
  }
  return { train: train.length, good, defects, notches };
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
  const level = (dark + bright) / 2;
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
