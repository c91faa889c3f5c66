/**
 * The backbones built from TensorFlow Lite files shipped in native-models/<id>/ (Apache-2.0 MobileNetV2 from
 * google-coral/test_data): which tensors become feature outputs and what the manifest says. Output names follow
 * the reference conversion in ../shared/models/mobilenet_v2_imagenet: `feat_sN` is the expanded post-ReLU6 map
 * at stride N just before the network downsamples (Conv_1 for stride 32), `blk_sN` the last block output at
 * stride N, `probs` the 1001-class softmax.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { BackboneManifestSchema, type BackboneManifest } from '../../main/inference/backbone/manifest.js';
import { convertTflite, type TfliteOutputRequest } from './tflite-convert.js';
import { readTflite } from './tflite-schema.js';

export interface TfliteBackboneSpec {
  readonly id: string;
  /** The .tflite file, relative to native-models/<id>/. */
  readonly file: string;
  /** sha256 of that file, checked before converting. */
  readonly fileSha256: string;
  readonly features: readonly TfliteOutputRequest[];
  /** Every output of the reference conversion, for verification. */
  readonly referenceOutputs: readonly TfliteOutputRequest[];
  readonly multipleOf: number;
  readonly recommendedLayers: readonly string[];
  readonly description: string;
  readonly license: string;
}

const M = 'MobilenetV2';
const feat: Record<string, string> = {
  feat_s2: `${M}/expanded_conv_1/expand/Relu6`,
  feat_s4: `${M}/expanded_conv_3/expand/Relu6`,
  feat_s8: `${M}/expanded_conv_6/expand/Relu6`,
  feat_s16: `${M}/expanded_conv_13/expand/Relu6`,
  feat_s32: `${M}/Conv_1/Relu6`,
  blk_s2: `${M}/expanded_conv/project/add_fold`,
  blk_s4: `${M}/expanded_conv_2/add`,
  blk_s8: `${M}/expanded_conv_5/add`,
  blk_s16: `${M}/expanded_conv_12/add`,
  blk_s32: `${M}/expanded_conv_16/project/add_fold`,
  probs: `${M}/Predictions/Softmax`,
};
const out = (as: string): TfliteOutputRequest => ({ tensor: feat[as]!, as });

export const TFLITE_BACKBONES: readonly TfliteBackboneSpec[] = [
  {
    id: 'mobilenet_v2_imagenet',
    file: 'mobilenet_v2_1.0_224_quant.tflite',
    fileSha256: '7aad0c74c5e3c06e5eb3c827e13304fdd68a83da6087d92ee169c24ff9fd4776',
    // Stride 4-16 only: the stride-32 tail and the classifier are cut off (not computed at inspection).
    features: ['feat_s4', 'feat_s8', 'feat_s16', 'blk_s8', 'blk_s16'].map(out),
    referenceOutputs: Object.keys(feat).map(out),
    multipleOf: 32,
    recommendedLayers: ['feat_s8'],
    description:
      'MobileNetV2 1.0/224, quantization-aware trained on ImageNet (TensorFlow hosted model, shipped as ' +
      'mobilenet_v2_1.0_224_quant.tflite), converted to ONNX at install time by native-models/converter. uint8 weights ' +
      'kept behind DequantizeLinear; float activations. feat_sN = expanded post-ReLU6 map at stride N, blk_sN = block ' +
      'output at stride N. Input: RGB pixels/255 (the graph maps to the model\'s (255x-128)/128).',
    license: 'Apache-2.0 (google-coral/test_data; see native-models/mobilenet_v2_imagenet/LICENSE)',
  },
];

export function tfliteSpec(id: string): TfliteBackboneSpec {
  const s = TFLITE_BACKBONES.find((b) => b.id === id);
  if (!s) throw new Error(`unknown TFLite backbone ${id} (known: ${TFLITE_BACKBONES.map((b) => b.id).join(', ')})`);
  return s;
}

/** Reads and checks a spec's .tflite file from `nativeModelsDir`/<id>/. */
export function readSpecFile(spec: TfliteBackboneSpec, nativeModelsDir: string): Uint8Array {
  const path = join(nativeModelsDir, spec.id, spec.file);
  const bytes = readFileSync(path);
  const sha = createHash('sha256').update(bytes).digest('hex');
  if (sha !== spec.fileSha256) throw new Error(`${path}: sha256 ${sha} is not the expected ${spec.fileSha256} (damaged or replaced file)`);
  return bytes;
}

/** Converts one shipped .tflite to its feature-only ONNX and manifest (in memory). */
export function buildTfliteBackbone(
  spec: TfliteBackboneSpec,
  tflite: Uint8Array,
  modelFile: string,
  converterVersion: number,
): { onnx: Uint8Array; manifest: BackboneManifest } {
  const converted = convertTflite(readTflite(tflite), { outputs: spec.features, graphName: spec.id });
  const sha256 = createHash('sha256').update(converted.onnx).digest('hex');
  const manifest = BackboneManifestSchema.parse({
    schemaVersion: 1,
    id: spec.id,
    description: spec.description,
    model: modelFile,
    sha256,
    input: {
      name: converted.inputName,
      colour: 'rgb',
      layout: 'NCHW',
      scale: 1 / 255,
      mean: [0, 0, 0],
      std: [1, 1, 1],
      multipleOf: spec.multipleOf,
    },
    features: converted.outputs.map((o) => ({ name: o.name, channels: o.channels, stride: o.stride })),
    recommendedLayers: spec.recommendedLayers,
    license: spec.license,
    provenance: `Built at npm install by native-models/converter (version ${converterVersion}) from native-models/${spec.id}/${spec.file} (sha256 ${spec.fileSha256}).`,
  });
  return { onnx: converted.onnx, manifest };
}
