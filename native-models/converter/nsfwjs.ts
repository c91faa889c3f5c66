/**
 * The default backbones built from the npm package `nsfwjs` (MIT): which bundled model each one comes from,
 * which Keras layers become feature outputs, and what the manifest says about them. Output names follow the
 * reference conversions in ../shared/models/reference (`feat_<layer>`, `feat_<layer>_finetuned` past the frozen
 * ImageNet part, `probs` for the classifier).
 */
import type { OutputRequest } from './convert.js';

export interface NsfwjsBackboneSpec {
  /** Backbone id, also the folder name under native-models/. */
  readonly id: string;
  /** Folder under node_modules/nsfwjs/dist/models/. */
  readonly bundle: string;
  /** Feature outputs of the shipped (feature-only) file. */
  readonly features: readonly OutputRequest[];
  /** Every output of the reference conversion, for verification. */
  readonly referenceOutputs: readonly OutputRequest[];
  /** Height and width multiple that keeps the deepest feature map aligned. */
  readonly multipleOf: number;
  /** Layers PatchCore uses by default (see the backbone comparison in the README). */
  readonly recommendedLayers: readonly string[];
  readonly description: string;
}

const feat = (layer: string): OutputRequest => ({ layer, as: `feat_${layer}` });
const tuned = (layer: string): OutputRequest => ({ layer, as: `feat_${layer}_finetuned` });
const probs: OutputRequest = { layer: 'dense_3', as: 'probs' };

export const NSFWJS_BACKBONES: readonly NsfwjsBackboneSpec[] = [
  {
    id: 'nsfwjs_mobilenet_v2',
    bundle: 'mobilenet_v2',
    features: [
      ...['block_2_add', 'block_4_add', 'block_5_add', 'block_6_expand_relu', 'block_7_add', 'block_8_add', 'block_9_add', 'block_10_expand_relu'].map(feat),
    ],
    referenceOutputs: [
      ...['block_2_add', 'block_4_add', 'block_5_add', 'block_7_add', 'block_8_add', 'block_9_add'].map(feat),
      ...['block_11_add', 'block_12_add', 'block_14_add', 'block_15_add'].map(tuned),
      probs,
    ],
    multipleOf: 32,
    recommendedLayers: ['feat_block_6_expand_relu', 'feat_block_10_expand_relu'],
    description:
      'MobileNetV2 1.0 from nsfwjs 4.3.0 (TensorFlow.js layers model), converted to ONNX at install time. ' +
      'Blocks 0-10 are frozen ImageNet weights; only those feature outputs are kept (the classifier head and the ' +
      'fine-tuned blocks 11-16 are cut off). block_N_add = residual block outputs; block_6_expand_relu and ' +
      'block_10_expand_relu = expanded post-ReLU6 maps (192 ch at stride 8, 384 ch at stride 16). Input: RGB pixels/255, ' +
      'no mean/std. With H and W multiples of 32 a stride-s map is H/s x W/s (the first convolution pads one ' +
      'pixel at the bottom/right, as Keras did for 224 px, so odd sizes lose a row).',
  },
  {
    id: 'nsfwjs_inception_v3',
    bundle: 'inception_v3',
    features: ['mixed0', 'mixed1', 'mixed2', 'mixed3', 'mixed4', 'mixed5'].map(feat),
    referenceOutputs: [
      ...['mixed0', 'mixed1', 'mixed2', 'mixed3', 'mixed4', 'mixed5'].map(feat),
      ...['mixed6', 'mixed7', 'mixed8', 'mixed9_0', 'concatenate_1', 'mixed9', 'mixed9_1', 'concatenate_2', 'mixed10'].map(tuned),
      probs,
    ],
    multipleOf: 16,
    recommendedLayers: ['feat_mixed0', 'feat_mixed2'],
    description:
      'InceptionV3 from nsfwjs 4.3.0 (TensorFlow.js layers model), converted to ONNX at install time. mixed0-mixed5 ' +
      'are frozen ImageNet weights; only those are kept. Input: RGB pixels/255, no mean/std. The stem uses VALID ' +
      'convolutions, so strides are nominal: for an input of H pixels, mixed0-2 are floor((H-19)/8) high (H=299 -> 35) and ' +
      'mixed3-5 are floor((H-27)/16) high (H=299 -> 17); the same for the width. Row i of mixed0-2 is centred on input ' +
      'row 8i+13, of mixed3-5 on row 16i+21. Inputs below 75 px are too small.',
  },
];
