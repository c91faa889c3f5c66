/**
 * Dataset variants for the robustness experiment (PatchCore on MVTec screw, same images, four conditions):
 * - `original`:      unchanged;
 * - `misalignment`:  a random off-centre crop that keeps the whole part in view, resized back to full size
 *                    (the camera moved and zoomed a little);
 * - `brightness`:    random brightness and contrast (the lighting changed);
 * - `background`:    colourful squares on the background, never on the part or a defect (clutter behind the part).
 * Combinations are written with '+', e.g. `misalignment+brightness`.
 *
 * Ground-truth masks follow their image exactly (same crop and resize, nearest-neighbour so they stay 0/255).
 * Every drawn value is returned in `params` so the manifest can say what was done to each image.
 */
import sharp from 'sharp';
import { StationFault } from '../common/result.js';
import type { RawImage } from '../common/types.js';
import { foregroundMask } from '../imaging/segment.js';
import type { ForegroundMask } from '../imaging/segment.js';
import { dilate } from '../imaging/filters.js';
import type { Rng } from '../common/random.js';

export type Transform = 'misalignment' | 'brightness' | 'background';

/** Canonical order of names, as written in variant names. */
export const TRANSFORMS: readonly Transform[] = ['misalignment', 'brightness', 'background'];
/**
 * Order of application: squares are placed on the untouched scene (the part is segmented cleanly there),
 * then the camera moves (crop), then the lighting changes (it affects the squares too).
 */
const APPLY_ORDER: readonly Transform[] = ['background', 'misalignment', 'brightness'];

export interface VariantOptions {
  /** Crop side as a fraction of the image side, drawn uniformly (raised when the part would not fit). */
  readonly cropFraction: readonly [number, number];
  /** Free border kept around the part's bounding box, as a fraction of the longer image side. */
  readonly partMargin: number;
  /** Contrast factor around the image mean, drawn uniformly. */
  readonly contrast: readonly [number, number];
  /** Magnitude of the brightness shift in 8-bit levels (sign drawn at random). */
  readonly brightness: readonly [number, number];
  /** Number of squares, inclusive. */
  readonly squareCount: readonly [number, number];
  /** Square side as a fraction of the shorter image side. */
  readonly squareSize: readonly [number, number];
}

export const DEFAULT_VARIANT_OPTIONS: VariantOptions = {
  cropFraction: [0.75, 0.9],
  partMargin: 0.02,
  contrast: [0.7, 1.3],
  brightness: [10, 40],
  squareCount: [5, 15],
  squareSize: [0.03, 0.1],
};

export interface VariantSpec {
  /** Canonical name: 'original' or the transforms in TRANSFORMS order joined by '+'. */
  readonly name: string;
  /** Empty for 'original'. */
  readonly transforms: readonly Transform[];
  readonly options?: Partial<VariantOptions>;
}

export interface CropParams {
  /** Crop box in source pixels. */
  readonly crop: { x: number; y: number; w: number; h: number };
  /** Output pixels per source pixel (horizontal, vertical): source (u, v) lands at ((u - x) * sx, (v - y) * sy). */
  readonly scale: { sx: number; sy: number };
  /** Bounding box of the part and of any defect pixel, plus the margin, in source pixels; it lies inside `crop`. */
  readonly keepBox: { x: number; y: number; w: number; h: number };
}

export interface BrightnessParams {
  readonly contrast: number;
  readonly brightness: number;
  /** The image mean the contrast pivots around. */
  readonly pivot: number;
  /** out = clamp(round(gain * in + offset)) for every channel. */
  readonly gain: number;
  readonly offset: number;
}

export interface Square {
  readonly x: number;
  readonly y: number;
  readonly size: number;
  readonly rgb: readonly [number, number, number];
}

export interface BackgroundParams {
  readonly squares: Square[];
  /** How many squares were drawn for but found no free spot. */
  readonly unplaced: number;
}

export interface VariantParams {
  misalignment?: CropParams;
  brightness?: BrightnessParams;
  background?: BackgroundParams;
}

export interface VariantResult {
  readonly image: RawImage;
  readonly mask: RawImage | null;
  readonly params: VariantParams;
}

/**
 * Parses 'original', 'brightness', 'misalignment+brightness', ... into a spec with a canonical name.
 * @throws StationFault('invalid-input') on an unknown or repeated transform.
 */
export function parseVariant(name: string): VariantSpec {
  const trimmed = name.trim();
  if (trimmed === 'original') return { name: 'original', transforms: [] };
  const parts = trimmed.split('+').map((p) => p.trim());
  const seen = new Set<Transform>();
  for (const p of parts) {
    if (!(TRANSFORMS as readonly string[]).includes(p)) {
      throw new StationFault(
        'invalid-input',
        `unknown dataset variant '${p}' in '${name}': use original or a '+' combination of ${TRANSFORMS.join(', ')}`,
      );
    }
    if (seen.has(p as Transform)) throw new StationFault('invalid-input', `variant '${name}' repeats '${p}'`);
    seen.add(p as Transform);
  }
  const transforms = TRANSFORMS.filter((t) => seen.has(t));
  return { name: transforms.join('+'), transforms };
}

/**
 * Applies a variant's transforms to one image and its (optional) defect mask, drawing from `rng`.
 * `foreground` may be passed in when already computed for this image (it only depends on the source image).
 * @throws StationFault('invalid-input') on a mask of another size, or when the part cannot be segmented
 *         for a transform that needs it.
 */
export async function applyVariant(
  image: RawImage,
  mask: RawImage | null,
  variant: VariantSpec,
  rng: Rng,
  foreground?: ForegroundMask,
): Promise<VariantResult> {
  if (mask && (mask.width !== image.width || mask.height !== image.height || mask.channels !== 1)) {
    throw new StationFault(
      'invalid-input',
      `mask is ${mask.width}x${mask.height}x${mask.channels} but its image is ${image.width}x${image.height} (masks must be single-channel, same size)`,
    );
  }
  const opts: VariantOptions = { ...DEFAULT_VARIANT_OPTIONS, ...variant.options };
  const needsPart = variant.transforms.includes('misalignment') || variant.transforms.includes('background');
  const fg = needsPart ? (foreground ?? foregroundMask(image)) : undefined;
  let img = image;
  let msk = mask;
  const params: VariantParams = {};
  for (const t of APPLY_ORDER) {
    if (!variant.transforms.includes(t)) continue;
    if (t === 'background') {
      const r = drawBackgroundSquares(img, msk, fg as ForegroundMask, rng, opts);
      img = r.image;
      params.background = r.params;
    } else if (t === 'misalignment') {
      const r = await misalign(img, msk, fg as ForegroundMask, rng, opts);
      img = r.image;
      msk = r.mask;
      params.misalignment = r.params;
    } else {
      const r = changeBrightness(img, rng, opts);
      img = r.image;
      params.brightness = r.params;
    }
  }
  return { image: img, mask: msk, params };
}

function toBuffer(img: RawImage): Buffer {
  return Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength);
}

async function cropResize(img: RawImage, crop: CropParams['crop'], kernel: 'lanczos3' | 'nearest'): Promise<RawImage> {
  let pipe = sharp(toBuffer(img), { raw: { width: img.width, height: img.height, channels: img.channels } })
    .extract({ left: crop.x, top: crop.y, width: crop.w, height: crop.h })
    .resize(img.width, img.height, { kernel, fit: 'fill' });
  // sharp outputs sRGB by default; keep single-channel images (and masks) single-channel.
  if (img.channels === 1) pipe = pipe.toColourspace('b-w');
  const { data, info } = await pipe
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== img.channels || info.width !== img.width || info.height !== img.height) {
    throw new StationFault('internal', `resize returned ${info.width}x${info.height}x${info.channels}`);
  }
  return { width: img.width, height: img.height, channels: img.channels, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

/** Random crop of fraction f of each side, placed so the part and its defect (plus margin) stay inside, resized back. */
async function misalign(
  img: RawImage,
  mask: RawImage | null,
  fg: ForegroundMask,
  rng: Rng,
  opts: VariantOptions,
): Promise<{ image: RawImage; mask: RawImage | null; params: CropParams }> {
  const W = img.width;
  const H = img.height;
  const m = Math.round(opts.partMargin * Math.max(W, H));
  // Keep the part and every defect pixel in view: a defect can reach past the part (a missing tip).
  let [kx0, ky0, kx1, ky1] = [fg.bbox.x, fg.bbox.y, fg.bbox.x + fg.bbox.w, fg.bbox.y + fg.bbox.h];
  if (mask) {
    for (let y = 0; y < H; y++) {
      const row = y * W;
      for (let x = 0; x < W; x++) {
        if (mask.data[row + x] === 0) continue;
        if (x < kx0) kx0 = x;
        if (x + 1 > kx1) kx1 = x + 1;
        if (y < ky0) ky0 = y;
        if (y + 1 > ky1) ky1 = y + 1;
      }
    }
  }
  const bx0 = Math.max(0, kx0 - m);
  const by0 = Math.max(0, ky0 - m);
  const bx1 = Math.min(W, kx1 + m);
  const by1 = Math.min(H, ky1 + m);
  const keepBox = { x: bx0, y: by0, w: bx1 - bx0, h: by1 - by0 };
  // One fraction for both sides keeps the aspect ratio; raise it when the part would not fit.
  const f = Math.max(rng.uniform(opts.cropFraction[0], opts.cropFraction[1]), keepBox.w / W, keepBox.h / H);
  const cw = Math.min(W, Math.max(keepBox.w, Math.round(f * W)));
  const ch = Math.min(H, Math.max(keepBox.h, Math.round(f * H)));
  // Any offset with keepBox inside the crop and the crop inside the image.
  const x = rng.int(Math.max(0, bx1 - cw), Math.min(bx0, W - cw));
  const y = rng.int(Math.max(0, by1 - ch), Math.min(by0, H - ch));
  const crop = { x, y, w: cw, h: ch };
  const image = await cropResize(img, crop, 'lanczos3');
  const outMask = mask ? await cropResize(mask, crop, 'nearest') : null;
  return { image, mask: outMask, params: { crop, scale: { sx: W / cw, sy: H / ch }, keepBox } };
}

/** Contrast around the image mean, then a brightness shift: out = c * (in - mean) + mean + b. */
function changeBrightness(img: RawImage, rng: Rng, opts: VariantOptions): { image: RawImage; params: BrightnessParams } {
  const contrast = rng.uniform(opts.contrast[0], opts.contrast[1]);
  const magnitude = rng.uniform(opts.brightness[0], opts.brightness[1]);
  const brightness = rng.next() < 0.5 ? -magnitude : magnitude;
  let sum = 0;
  for (let i = 0; i < img.data.length; i++) sum += img.data[i];
  const pivot = sum / img.data.length;
  const gain = contrast;
  const offset = pivot * (1 - contrast) + brightness;
  const lut = new Uint8Array(256);
  for (let v = 0; v < 256; v++) lut[v] = Math.max(0, Math.min(255, Math.round(gain * v + offset)));
  const out = new Uint8Array(img.data.length);
  for (let i = 0; i < out.length; i++) out[i] = lut[img.data[i]];
  return { image: { ...img, data: out }, params: { contrast, brightness, pivot, gain, offset } };
}

/** HSV (h in [0,1), s, v in [0,1]) to 8-bit RGB. */
function hsvToRgb(h: number, s: number, v: number): [number, number, number] {
  const i = Math.floor(h * 6);
  const f = h * 6 - i;
  const p = v * (1 - s);
  const q = v * (1 - f * s);
  const t = v * (1 - (1 - f) * s);
  const [r, g, b] = [
    [v, t, p],
    [q, v, p],
    [p, v, t],
    [p, q, v],
    [t, p, v],
    [v, p, q],
  ][i % 6];
  return [Math.round(r * 255), Math.round(g * 255), Math.round(b * 255)];
}

/**
 * Full-resolution map of where squares may not go: the part (dilated by the margin) and any defect pixel.
 * Returned as a summed-area table ((W+1) x (H+1)) so a square is tested in O(1).
 */
function forbiddenIntegral(W: number, H: number, fg: ForegroundMask, mask: RawImage | null, marginPx: number): Int32Array {
  const radius = Math.ceil(marginPx / fg.scale);
  const part = dilate(fg.mask, fg.width, fg.height, radius);
  const sat = new Int32Array((W + 1) * (H + 1));
  for (let y = 0; y < H; y++) {
    const my = Math.min(fg.height - 1, Math.floor(y / fg.scale));
    let row = 0;
    for (let x = 0; x < W; x++) {
      const mx = Math.min(fg.width - 1, Math.floor(x / fg.scale));
      const bad = part[my * fg.width + mx] !== 0 || (mask !== null && mask.data[y * W + x] !== 0);
      row += bad ? 1 : 0;
      sat[(y + 1) * (W + 1) + x + 1] = sat[y * (W + 1) + x + 1] + row;
    }
  }
  return sat;
}

function drawBackgroundSquares(
  img: RawImage,
  mask: RawImage | null,
  fg: ForegroundMask,
  rng: Rng,
  opts: VariantOptions,
): { image: RawImage; params: BackgroundParams } {
  const W = img.width;
  const H = img.height;
  const sat = forbiddenIntegral(W, H, fg, mask, opts.partMargin * Math.max(W, H));
  const blocked = (x: number, y: number, s: number) =>
    sat[(y + s) * (W + 1) + x + s] - sat[y * (W + 1) + x + s] - sat[(y + s) * (W + 1) + x] + sat[y * (W + 1) + x] > 0;

  // Output is RGB whatever the input: the squares are coloured.
  const n = W * H;
  const rgb = new Uint8Array(n * 3);
  const c = img.channels;
  for (let i = 0, j = 0; i < n; i++, j += c) {
    if (c === 1) rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = img.data[i];
    else {
      rgb[3 * i] = img.data[j];
      rgb[3 * i + 1] = img.data[j + 1];
      rgb[3 * i + 2] = img.data[j + 2];
    }
  }

  const count = rng.int(opts.squareCount[0], opts.squareCount[1]);
  const short = Math.min(W, H);
  const squares: Square[] = [];
  let unplaced = 0;
  for (let k = 0; k < count; k++) {
    const size = Math.max(2, Math.round(rng.uniform(opts.squareSize[0], opts.squareSize[1]) * short));
    const colour = hsvToRgb(rng.next(), rng.uniform(0.6, 1), rng.uniform(0.6, 1));
    // Rejection sampling: the background of a screw image is most of the frame, so a few tries suffice.
    let placed = false;
    for (let attempt = 0; attempt < 200 && !placed && size <= short; attempt++) {
      const x = rng.int(0, W - size);
      const y = rng.int(0, H - size);
      if (blocked(x, y, size)) continue;
      for (let yy = y; yy < y + size; yy++) {
        for (let xx = x; xx < x + size; xx++) {
          const p = 3 * (yy * W + xx);
          rgb[p] = colour[0];
          rgb[p + 1] = colour[1];
          rgb[p + 2] = colour[2];
        }
      }
      squares.push({ x, y, size, rgb: colour });
      placed = true;
    }
    if (!placed) unplaced++;
  }
  return { image: { width: W, height: H, channels: 3, data: rgb }, params: { squares, unplaced } };
}
