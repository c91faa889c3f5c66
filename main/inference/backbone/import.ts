/**
 * `station backbone import`: turns a user's ONNX network (e.g. a torchvision WideResNet50 classifier) into a
 * feature backbone by editing its graph: named internal tensors become the graph outputs, everything not
 * needed for them (classifier head, other outputs, unused inputs and weights) is dropped. Channels and
 * stride of each feature map are measured by running the cut model once on a dummy image.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { createHash } from 'node:crypto';
import * as ort from 'onnxruntime-node';
import { StationFault } from '../../common/result.js';
import { encodeModel, type GraphProto, type TensorProto, type ValueInfoProto } from '../onnx/proto.js';
import { pruneModel, readOnnxModel } from '../onnx/prune.js';
import { BackboneManifestSchema, type BackboneManifest } from './manifest.js';
import { writeFileAtomicSync } from '../../node/atomic-write.js';
import { createSession } from '../execution-provider.js';

export interface ImportBackboneOptions {
  /** The ONNX file to import. */
  readonly file: string;
  /** Internal tensors (or existing outputs) to expose as NCHW feature maps. */
  readonly outputs: readonly string[];
  /** Backbone id (manifest `id`, also the ONNX file name `<id>.onnx`). */
  readonly id: string;
  /** Folder that receives `<id>.onnx` and `manifest.json` (created if missing). */
  readonly outDir: string;
  /**
   * Input description. Defaults: the model's single image input, RGB, torchvision's ImageNet normalisation
   * (scale 1/255, mean 0.485/0.456/0.406, std 0.229/0.224/0.225), multipleOf = the deepest measured stride.
   */
  readonly input?: Partial<{
    name: string;
    colour: 'rgb' | 'bgr';
    scale: number;
    mean: [number, number, number];
    std: [number, number, number];
    multipleOf: number;
  }>;
  readonly description?: string;
  readonly license?: string;
  /** Side of the square dummy image used to measure strides when the input size is dynamic (default 224). */
  readonly probeSize?: number;
}

const IMAGENET_MEAN: [number, number, number] = [0.485, 0.456, 0.406];
const IMAGENET_STD: [number, number, number] = [0.229, 0.224, 0.225];

/**
 * Imports `file` as a backbone: cuts it to `outputs`, measures each output's channels and stride on a dummy
 * image, writes `<outDir>/<id>.onnx` and `<outDir>/manifest.json` (each via a temporary file and a rename).
 */
export async function importBackbone(options: ImportBackboneOptions): Promise<BackboneManifest> {
  const model = readOnnxModel(options.file);
  if (options.outputs.length === 0) throw new StationFault('invalid-input', 'give at least one tensor to expose (--outputs name1,name2)');
  pruneModel(model, options.outputs);
  const g = model.graph as GraphProto;
  const initNames = new Set((g.initializer as TensorProto[]).map((t) => t.name));
  const imageInputs = (g.input as ValueInfoProto[]).filter((v) => !initNames.has(v.name));
  const wantedInput = options.input?.name;
  const image = wantedInput ? imageInputs.find((v) => v.name === wantedInput) : imageInputs.length === 1 ? imageInputs[0] : undefined;
  if (!image) {
    throw new StationFault(
      'invalid-input',
      wantedInput
        ? `the model has no input "${wantedInput}" needed by the outputs (inputs: ${imageInputs.map((v) => v.name).join(', ')})`
        : `the outputs need ${imageInputs.length} inputs (${imageInputs.map((v) => v.name).join(', ')}); a backbone takes one image`,
    );
  }
  if (imageInputs.length > 1) throw new StationFault('invalid-input', `the outputs also need inputs other than "${image.name}": ${imageInputs.filter((v) => v !== image).map((v) => v.name).join(', ')}`);
  const dims = image.type?.tensorType?.shape?.dim ?? [];
  if (dims.length !== 4) throw new StationFault('invalid-input', `input "${image.name}" has rank ${dims.length}; an image backbone takes [N, 3, H, W]`);
  const fixed = dims.map((d) => (d.dimValue != null && Number(d.dimValue) > 0 ? Number(d.dimValue) : undefined));
  if (fixed[1] !== undefined && fixed[1] !== 3) throw new StationFault('invalid-input', `input "${image.name}" has ${fixed[1]} channels; expected 3 (NCHW colour image)`);
  const probe = options.probeSize ?? 224;
  const [n, c, h, w] = [fixed[0] ?? 1, 3, fixed[2] ?? probe, fixed[3] ?? probe];

  const bytes = encodeModel(model);
  const features: { name: string; channels: number; stride: number }[] = [];
  let session: ort.InferenceSession | undefined;
  try {
    session = (await createSession(bytes, 'cpu')).session;
    const x = new ort.Tensor('float32', new Float32Array(n * c * h * w).fill(0.5), [n, c, h, w]);
    const out = await session.run({ [image.name]: x });
    for (const name of options.outputs) {
      const t = out[name]!;
      if (t.dims.length !== 4) throw new StationFault('invalid-input', `tensor "${name}" has shape [${t.dims.join(', ')}]; a feature output must be an NCHW map`);
      if (t.type !== 'float32') throw new StationFault('invalid-input', `tensor "${name}" is ${t.type}; feature outputs must be float32`);
      const fh = Number(t.dims[2]);
      // VALID convolutions shave a few pixels: round the ratio to the nearest power of two.
      const stride = 2 ** Math.max(0, Math.round(Math.log2(h / Math.max(1, fh))));
      features.push({ name, channels: Number(t.dims[1]), stride });
    }
  } catch (e) {
    if (e instanceof StationFault) throw e;
    throw new StationFault('bad-model', `running the cut model on a ${h}x${w} dummy image failed: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    await session?.release();
  }

  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const manifest = BackboneManifestSchema.parse({
    schemaVersion: 1,
    id: options.id,
    description: options.description ?? `Imported from ${basename(options.file)}; outputs ${options.outputs.join(', ')}.`,
    model: `${options.id}.onnx`,
    sha256,
    input: {
      name: image.name,
      colour: options.input?.colour ?? 'rgb',
      layout: 'NCHW',
      scale: options.input?.scale ?? 1 / 255,
      mean: options.input?.mean ?? IMAGENET_MEAN,
      std: options.input?.std ?? IMAGENET_STD,
      multipleOf: options.input?.multipleOf ?? Math.max(...features.map((f) => f.stride)),
    },
    features,
    license: options.license ?? 'unknown',
    provenance: `station backbone import of ${basename(options.file)} (sha256 ${createHash('sha256').update(readFileSync(options.file)).digest('hex')})`,
  });
  mkdirSync(options.outDir, { recursive: true });
  writeAtomic(join(options.outDir, manifest.model), bytes);
  writeAtomic(join(options.outDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

function writeAtomic(file: string, data: Uint8Array | string): void {
  try {
    writeFileAtomicSync(file, data);
  } catch (e) {
    throw new StationFault('io', `cannot write ${file}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}
