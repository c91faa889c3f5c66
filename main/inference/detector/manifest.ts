/**
 * Detector manifest (`manifest.json` beside an exported ONNX detector): which export format it is, its
 * input size and class names. Preprocessing defaults follow each format's exporter and can be overridden.
 */
import { z } from 'zod';

export const DetectorFormat = z.enum(['rtmdet', 'yolov8']);
export type DetectorFormat = z.infer<typeof DetectorFormat>;

export const DetectorManifestSchema = z.object({
  format: DetectorFormat,
  /** ONNX file, relative to the manifest's folder. */
  model: z.string().min(1),
  /** Network input [height, width]. */
  inputSize: z.tuple([z.number().int().positive().max(4096), z.number().int().positive().max(4096)]),
  /** Class names by class index. */
  classes: z.array(z.string().min(1)).min(1),
  id: z.string().min(1).optional(),
  description: z.string().optional(),
  /** Boxes below this confidence are dropped (a floor; the verdict threshold is separate). */
  scoreThreshold: z.number().min(0).max(1).default(0.05),
  /** IoU above which a lower-scoring box of the same class is suppressed (YOLOv8 only: RTMDet has NMS in its graph). */
  iouThreshold: z.number().min(0).max(1).default(0.6),
  maxDetections: z.number().int().positive().max(10_000).default(100),
  /** Suggested verdict threshold on the best box's confidence. */
  defaultThreshold: z.number().min(0).max(1).default(0.5),
  trainImages: z.number().int().nonnegative().default(0),
  createdAt: z.string().optional(),
  /** Overrides of the format's preprocessing. */
  preprocess: z
    .object({
      inputName: z.string().min(1).optional(),
      colour: z.enum(['rgb', 'bgr']).optional(),
      /** Network value = (pixel - mean[c]) / std[c], pixel in 0..255, channels in `colour` order. */
      mean: z.tuple([z.number(), z.number(), z.number()]).optional(),
      std: z.tuple([z.number().positive(), z.number().positive(), z.number().positive()]).optional(),
      padValue: z.number().min(0).max(255).optional(),
      /** Where the resized image sits in the padded input. */
      placement: z.enum(['top-left', 'center']).optional(),
    })
    .default({}),
});

export type DetectorManifest = z.infer<typeof DetectorManifestSchema>;

export interface Preprocess {
  readonly inputName: string;
  readonly colour: 'rgb' | 'bgr';
  readonly mean: readonly [number, number, number];
  readonly std: readonly [number, number, number];
  readonly padValue: number;
  readonly placement: 'top-left' | 'center';
}

/**
 * Format defaults: RTMDet as exported by mmdeploy (BGR, ImageNet mean/std in BGR order, keep-ratio resize,
 * pad 114 bottom/right); YOLOv8 as exported by ultralytics (RGB / 255, letterbox centred, pad 114).
 */
export const FORMAT_DEFAULTS: Record<DetectorFormat, Preprocess> = {
  rtmdet: {
    inputName: 'input',
    colour: 'bgr',
    mean: [103.53, 116.28, 123.675],
    std: [57.375, 57.12, 58.395],
    padValue: 114,
    placement: 'top-left',
  },
  yolov8: { inputName: 'images', colour: 'rgb', mean: [0, 0, 0], std: [255, 255, 255], padValue: 114, placement: 'center' },
};

export function preprocessOf(m: DetectorManifest): Preprocess {
  const d = FORMAT_DEFAULTS[m.format];
  const p = m.preprocess ?? {};
  return {
    inputName: p.inputName ?? d.inputName,
    colour: p.colour ?? d.colour,
    mean: p.mean ?? d.mean,
    std: p.std ?? d.std,
    padValue: p.padValue ?? d.padValue,
    placement: p.placement ?? d.placement,
  };
}
