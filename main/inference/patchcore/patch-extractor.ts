/**
 * Image -> locally aware patch features on the part: registration (or plain resize), the feature graph,
 * and the foreground selection of patches.
 */
import * as ort from 'onnxruntime-node';
import { registerPrepared, type PreparedImage, type RegisteredImage } from '../registration.js';
import { readBackboneManifest, loadBackboneGraph, toInputTensor, type BackboneFiles } from '../backbone/loader.js';
import { createSession, type ProviderName } from '../execution-provider.js';
import { buildFeatureGraph, PATCHES_OUTPUT } from './feature-graph.js';
import { gaussianMatrix } from '../../common/random.js';
import type { PatchCoreConfig } from './config.js';
import { StationFault } from '../../common/result.js';

export interface PatchSet {
  /** Patch grid: h rows by w columns; grid cell = `stride` canvas pixels. */
  readonly h: number;
  readonly w: number;
  readonly stride: number;
  /** Feature dimension D (after projection). */
  readonly dim: number;
  /** [h*w, D] row-major. */
  readonly features: Float32Array;
  /** [h*w], 1 = patch lies on the part (all 1 when foregroundOnly is off). */
  readonly fg: Uint8Array;
  readonly registered: RegisteredImage;
  readonly timings: Record<string, number>;
}

export class PatchExtractor {
  private constructor(
    readonly config: PatchCoreConfig,
    readonly backbone: BackboneFiles,
    private readonly session: ort.InferenceSession,
    readonly executionProvider: ProviderName,
    readonly dim: number,
  ) {}

  static async create(config: PatchCoreConfig, provider?: ProviderName): Promise<PatchExtractor> {
    const files = await readBackboneManifest(config.backbone);
    const { multipleOf } = files.manifest.input;
    const { width, height } = config.registration;
    if (width % multipleOf || height % multipleOf) {
      throw new StationFault('invalid-input', `canvas ${width}x${height} must be a multiple of ${multipleOf} for backbone '${files.manifest.id}'`);
    }
    const graph = await loadBackboneGraph(files, config.layers);
    const fullDim = config.layers.reduce((s, l) => s + files.manifest.features.find((f) => f.name === l)!.channels, 0);
    let projection: { matrix: Float32Array; inDim: number; outDim: number } | undefined;
    if (config.projectionDim > 0 && config.projectionDim < fullDim) {
      projection = { matrix: gaussianMatrix(fullDim, config.projectionDim, config.coreset.seed + 7), inDim: fullDim, outDim: config.projectionDim };
    }
    const firstStride = files.manifest.features.find((f) => f.name === config.layers[0])!.stride;
    const gridFactor = config.gridStride > firstStride ? config.gridStride / firstStride : 1;
    if (!Number.isInteger(gridFactor) || width % (firstStride * gridFactor) || height % (firstStride * gridFactor)) {
      throw new StationFault('invalid-input', `grid stride ${config.gridStride} must be a multiple of layer '${config.layers[0]}' stride ${firstStride} and divide the canvas ${width}x${height}`);
    }
    const { session, provider: used } = await createSession(buildFeatureGraph(graph, config.layers, projection, gridFactor), provider, { foldQuantizedWeights: true });
    const dim = (projection ? projection.outDim : fullDim) + (columnWeight(config) > 0 ? 1 : 0);
    return new PatchExtractor(config, files, session, used, dim);
  }

  /**
   * @param opts.mirror mirror the registered part across its axis first (training: the mirrored bank)
   * @param opts.shift move the registered part this many canvas pixels along its axis first (training: thread-phase
   *   copies, `phaseShifts`); the same as registering with the box moved by that much, for whole pixels
   */
  async extract(img: PreparedImage, opts: { mirror?: boolean; shift?: number } = {}): Promise<PatchSet> {
    const t0 = performance.now();
    let registered = registerPrepared(img, this.config.registration);
    if (opts.mirror) registered = mirrorRows(registered);
    if (opts.shift) registered = shiftAlongAxis(registered, opts.shift);
    const t1 = performance.now();
    const canvas = registered.image;
    const m = this.backbone.manifest.input;
    const input = new ort.Tensor('float32', toInputTensor(canvas, m), [1, 3, canvas.height, canvas.width]);
    const out = (await this.session.run({ [m.name]: input }))[PATCHES_OUTPUT]!;
    const t2 = performance.now();
    const [, h, w, featDim] = out.dims as number[];
    const cw = columnWeight(this.config);
    const features = cw > 0 ? withColumn(out.data as Float32Array, h! * w!, featDim!, w!, cw) : (out.data as Float32Array);
    const dim = this.dim;
    const stride = canvas.width / w!;
    const fg = new Uint8Array(h! * w!);
    if (!this.config.foregroundOnly) fg.fill(1);
    else {
      // A patch is on the part when any canvas pixel of its cell is (the mask is already dilated).
      const cellOf = new Int32Array(canvas.width);
      for (let x = 0; x < canvas.width; x++) cellOf[x] = Math.min(w! - 1, Math.floor(x / stride));
      const mask = registered.mask;
      for (let y = 0; y < canvas.height; y++) {
        const cells = Math.min(h! - 1, Math.floor(y / stride)) * w!;
        const row = y * canvas.width;
        for (let x = 0; x < canvas.width; x++) if (mask[row + x]) fg[cells + cellOf[x]!] = 1;
      }
    }
    return {
      h: h!, w: w!, stride, dim: dim!,
      features,
      fg,
      registered,
      timings: { register: t1 - t0, features: t2 - t1 },
    };
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}

/**
 * Scale of the grid-column coordinate appended to every patch feature: positionWeight when set; with only a
 * position window, a tag so small that it changes no distance measurably (at most (63 x 1e-3)^2 = 0.004 against
 * squared patch distances of 10-100) but lets the search read each bank patch's column back from its features.
 */
export const COLUMN_TAG = 1e-3;
export function columnWeight(config: Pick<PatchCoreConfig, 'positionWeight' | 'positionWindow'>): number {
  return config.positionWeight > 0 ? config.positionWeight : config.positionWindow > 0 ? COLUMN_TAG : 0;
}

/** The registered canvas and mask upside down: the part mirrored across its axis (the canvas's middle row). */
function mirrorRows(r: RegisteredImage): RegisteredImage {
  const { width: w, height: h, channels: c } = r.image;
  const data = new Uint8Array(r.image.data.length);
  const mask = new Uint8Array(r.mask.length);
  for (let y = 0; y < h; y++) {
    data.set(r.image.data.subarray((h - 1 - y) * w * c, (h - y) * w * c), y * w * c);
    mask.set(r.mask.subarray((h - 1 - y) * w, (h - y) * w), y * w);
  }
  return { ...r, image: { ...r.image, data }, mask };
}

/**
 * The registered canvas and mask moved `t` whole pixels along the part's axis (+ = towards the tip): canvas pixel x
 * shows what x - t showed, which is exactly what registering with the box moved by -t pixels samples (the warp is
 * the same affine map with a shifted translation). Pixels entering at the edge repeat the edge pixel (the cleaned
 * background); the mask there is 0.
 */
export function shiftAlongAxis(r: RegisteredImage, t: number): RegisteredImage {
  if (!Number.isInteger(t)) throw new StationFault('invalid-input', `phase shift ${t} must be a whole number of canvas pixels`);
  const { width: w, height: h, channels: c } = r.image;
  if (Math.abs(t) >= w) throw new StationFault('invalid-input', `phase shift ${t} is not smaller than the canvas width ${w}`);
  const data = new Uint8Array(r.image.data.length);
  const mask = new Uint8Array(r.mask.length);
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let x = 0; x < w; x++) {
      const sx = Math.min(w - 1, Math.max(0, x - t));
      for (let k = 0; k < c; k++) data[(row + x) * c + k] = r.image.data[(row + sx) * c + k]!;
      if (sx === x - t) mask[row + x] = r.mask[row + sx]!;
    }
  }
  const a = r.toOriginal;
  return { ...r, image: { ...r.image, data }, mask, toOriginal: { ...a, c: a.c - t * a.a, f: a.f - t * a.d } };
}

/** Appends weight x grid column to every patch feature: [n, d] -> [n, d + 1]. */
function withColumn(src: Float32Array, n: number, d: number, w: number, weight: number): Float32Array {
  const out = new Float32Array(n * (d + 1));
  for (let i = 0; i < n; i++) {
    out.set(src.subarray(i * d, (i + 1) * d), i * (d + 1));
    out[i * (d + 1) + d] = weight * (i % w);
  }
  return out;
}

/** Copies the rows of the foreground patches: [n_fg, D], and their grid indices. */
export function foregroundRows(ps: PatchSet): { rows: Float32Array; index: Int32Array } {
  let n = 0;
  for (let i = 0; i < ps.fg.length; i++) if (ps.fg[i]) n++;
  const rows = new Float32Array(n * ps.dim);
  const index = new Int32Array(n);
  for (let i = 0, k = 0; i < ps.fg.length; i++) {
    if (!ps.fg[i]) continue;
    rows.set(ps.features.subarray(i * ps.dim, (i + 1) * ps.dim), k * ps.dim);
    index[k++] = i;
  }
  return { rows, index };
}
