/**
 * Patch features for the supervised model: the frozen backbone's stride-8 map (optionally the stride-16 map
 * upsampled and concatenated), 3x3 local average, as a row-major [cells, dims] matrix.
 *
 * The backbone comes from the shared loader (manifest-checked, graph cut to the requested outputs).
 */
import sharp from 'sharp';
import { StationFault } from '../../common/result.js';
import type { RawImage } from '../../common/types.js';
import type { BackboneManifest } from '../backbone/manifest.js';
import { Backbone } from '../backbone/loader.js';
import type { ProviderName } from '../execution-provider.js';

/** A dense feature grid: data[(y * width + x) * dims + d]. */
export interface FeatureGrid {
  readonly width: number;
  readonly height: number;
  readonly dims: number;
  readonly data: Float32Array;
  /** Input pixels per cell, in the resized network input. */
  readonly stride: number;
}

export interface FeatureOptions {
  /** Backbone id under native-models/ or a folder holding manifest.json. */
  readonly backbone: string;
  /** Names of backbone outputs; the first sets the grid, later ones are bilinearly upsampled to it. */
  readonly layers: readonly string[];
  /** The longer image side is resized to this (rounded to the manifest's multipleOf). */
  readonly inputSize: number;
  /** Execution provider to prefer (default: the best available). */
  readonly provider?: ProviderName;
}

export interface FeatureExtractor {
  readonly manifest: BackboneManifest;
  readonly executionProvider: string;
  readonly dims: number;
  /** Network input size [h, w] used for an image of the given size. */
  inputShape(width: number, height: number): [number, number];
  extract(image: RawImage): Promise<FeatureGrid>;
  dispose(): Promise<void>;
}

/** Bilinear resize of a CHW float map (align_corners = false). */
function resizeChw(src: Float32Array, c: number, h: number, w: number, oh: number, ow: number): Float32Array {
  const out = new Float32Array(c * oh * ow);
  const sy = h / oh;
  const sx = w / ow;
  for (let y = 0; y < oh; y++) {
    const fy = Math.max(0, (y + 0.5) * sy - 0.5);
    const y0 = Math.min(h - 1, Math.floor(fy));
    const y1 = Math.min(h - 1, y0 + 1);
    const wy = fy - y0;
    for (let x = 0; x < ow; x++) {
      const fx = Math.max(0, (x + 0.5) * sx - 0.5);
      const x0 = Math.min(w - 1, Math.floor(fx));
      const x1 = Math.min(w - 1, x0 + 1);
      const wx = fx - x0;
      for (let k = 0; k < c; k++) {
        const b = k * h * w;
        const v =
          (1 - wy) * ((1 - wx) * src[b + y0 * w + x0] + wx * src[b + y0 * w + x1]) +
          wy * ((1 - wx) * src[b + y1 * w + x0] + wx * src[b + y1 * w + x1]);
        out[k * oh * ow + y * ow + x] = v;
      }
    }
  }
  return out;
}

/**
 * 3x3 average over CHW maps written as HWC (cells x dims), borders averaged over the valid neighbours:
 * PatchCore's local neighbourhood aggregation, which gives each cell context and tolerance to small shifts.
 */
function localAverageToHwc(maps: { data: Float32Array; c: number }[], h: number, w: number): Float32Array {
  const dims = maps.reduce((a, m) => a + m.c, 0);
  const out = new Float32Array(h * w * dims);
  const tmp = new Float32Array(h * w);
  let off = 0;
  for (const m of maps) {
    for (let k = 0; k < m.c; k++) {
      const plane = m.data.subarray(k * h * w, (k + 1) * h * w);
      // separable box filter: rows, then columns with counts
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          let s = plane[y * w + x];
          let n = 1;
          if (x > 0) (s += plane[y * w + x - 1]), n++;
          if (x < w - 1) (s += plane[y * w + x + 1]), n++;
          tmp[y * w + x] = s / n;
        }
      }
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          let s = tmp[y * w + x];
          let n = 1;
          if (y > 0) (s += tmp[(y - 1) * w + x]), n++;
          if (y < h - 1) (s += tmp[(y + 1) * w + x]), n++;
          out[(y * w + x) * dims + off + k] = s / n;
        }
      }
    }
    off += m.c;
  }
  return out;
}

/** Resizes an 8-bit image to the network input size [h, w] (bilinear, by sharp); channels kept. */
export async function resizeImage(image: RawImage, w: number, h: number): Promise<RawImage> {
  if (image.width === w && image.height === h) return image;
  const buf = await sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength), {
    raw: { width: image.width, height: image.height, channels: image.channels },
  })
    .resize(w, h, { fit: 'fill', kernel: 'linear' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { width: w, height: h, channels: image.channels, data: new Uint8Array(buf.data.buffer, buf.data.byteOffset, buf.data.byteLength) };
}

export async function createFeatureExtractor(opts: FeatureOptions): Promise<FeatureExtractor> {
  if (opts.layers.length === 0) throw new StationFault('invalid-input', 'no feature layers given');
  const backbone = await Backbone.load(opts.backbone, opts.layers, opts.provider);
  const manifest = backbone.manifest;
  const outs = backbone.outputs;
  const multiple = Math.max(manifest.input.multipleOf, ...outs.map((o) => o.stride));
  const dims = outs.reduce((a, o) => a + o.channels, 0);
  const stride = outs[0]!.stride;

  const inputShape = (width: number, height: number): [number, number] => {
    const s = opts.inputSize / Math.max(width, height);
    const r = (v: number) => Math.max(multiple, Math.round((v * s) / multiple) * multiple);
    return [r(height), r(width)];
  };

  return {
    manifest,
    executionProvider: backbone.executionProvider,
    dims,
    inputShape,
    async extract(image: RawImage): Promise<FeatureGrid> {
      const [h, w] = inputShape(image.width, image.height);
      const maps = await backbone.extract(await resizeImage(image, w, h));
      const gh = h / stride;
      const gw = w / stride;
      const resized = maps.map((m) => ({
        c: m.channels,
        data: m.height === gh && m.width === gw ? m.data : resizeChw(m.data, m.channels, m.height, m.width, gh, gw),
      }));
      return { width: gw, height: gh, dims, stride, data: localAverageToHwc(resized, gh, gw) };
    },
    async dispose() {
      await backbone.dispose();
    },
  };
}
