/**
 * Patch features for the supervised model: the whole image resized (longer side = inputSize), then PatchCore's
 * locally aware patch-feature graph (patchcore/feature-graph.ts: 3x3 average pooling, deeper levels bilinearly
 * upsampled to the first level's grid, concatenated) as one ONNX session on the backbone's execution provider.
 * The graph's `patches` output [1, h, w, D] is the row-major [cells, dims] matrix used here, as is.
 *
 * The backbone comes from the shared loader (manifest-checked, graph cut to the requested outputs).
 */
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { StationFault } from '../../common/result.js';
import type { RawImage } from '../../common/types.js';
import type { BackboneManifest } from '../backbone/manifest.js';
import { loadBackboneGraph, readBackboneManifest, toInputTensor } from '../backbone/loader.js';
import { createSession, type ProviderName } from '../execution-provider.js';
import { buildFeatureGraph, PATCHES_OUTPUT } from '../patchcore/feature-graph.js';

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
  const files = await readBackboneManifest(opts.backbone);
  const manifest = files.manifest;
  const outs = opts.layers.map((l) => manifest.features.find((f) => f.name === l));
  const graph = await loadBackboneGraph(files, opts.layers); // throws for a layer the manifest lacks
  const multiple = Math.max(manifest.input.multipleOf, ...outs.map((o) => o!.stride));
  const dims = outs.reduce((a, o) => a + o!.channels, 0);
  const stride = outs[0]!.stride;
  const { session, provider } = await createSession(buildFeatureGraph(graph, opts.layers), opts.provider, { foldQuantizedWeights: true });

  const inputShape = (width: number, height: number): [number, number] => {
    const s = opts.inputSize / Math.max(width, height);
    const r = (v: number) => Math.max(multiple, Math.round((v * s) / multiple) * multiple);
    return [r(height), r(width)];
  };

  /** Network input [h, w] (multiples of the strides) -> patches [1, h/stride, w/stride, D]. */
  const run = async (canvas: RawImage): Promise<FeatureGrid> => {
    const m = manifest.input;
    const input = new ort.Tensor('float32', toInputTensor(canvas, m), [1, 3, canvas.height, canvas.width]);
    const out = (await session.run({ [m.name]: input }))[PATCHES_OUTPUT]!;
    const [, gh, gw, d] = out.dims as number[];
    if (d !== dims || gh! * stride !== canvas.height || gw! * stride !== canvas.width) {
      throw new StationFault(
        'bad-model',
        `backbone '${manifest.id}': layers ${opts.layers.join(', ')} gave a ${gh}x${gw}x${d} grid for a ${canvas.height}x${canvas.width} input; the manifest says stride ${stride}, ${dims} channels`,
      );
    }
    return { width: gw!, height: gh!, dims, stride, data: out.data as Float32Array };
  };

  try {
    // One small run checks the graph against the manifest (channels, stride) before any real image.
    const s = multiple * 2;
    await run({ width: s, height: s, channels: 1, data: new Uint8Array(s * s).fill(128) });
  } catch (e) {
    await session.release().catch(() => {});
    throw e;
  }

  return {
    manifest,
    executionProvider: provider,
    dims,
    inputShape,
    async extract(image: RawImage): Promise<FeatureGrid> {
      const [h, w] = inputShape(image.width, image.height);
      return run(await resizeImage(image, w, h));
    },
    async dispose() {
      await session.release();
    },
  };
}
