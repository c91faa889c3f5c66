/**
 * ONNX object detectors exported outside the station (RTMDet via mmdeploy, YOLOv8 via ultralytics), run as
 * InspectionModels: letterbox -> network -> decode (+ NMS for YOLOv8) -> boxes in original pixels.
 * Image score = best box confidence, so "NG when score >= threshold" means "any box above threshold".
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { StationFault } from '../../common/result.js';
import type { ModelOutput, RawImage } from '../../common/types.js';
import { createSession, type ProviderName } from '../execution-provider.js';
import type { InspectionModel, ModelInfo } from '../model.js';
import { decodeRtmdet, decodeYolov8, detectorScore } from './decode.js';
import { letterboxGeometry, letterboxImage, toNchw } from './letterbox.js';
import { jsonSyntaxWhere } from '../../common/json.js';
import { verifyChecksum } from '../artifact-json.js';
import { DetectorManifestSchema, preprocessOf, type DetectorManifest, type Preprocess } from './manifest.js';

export const DETECTOR_FORMAT_VERSION = 1;

export function readDetectorManifest(dirOrFile: string): { manifest: DetectorManifest; dir: string; modelPath: string } {
  const p = existsSync(dirOrFile) && statSync(dirOrFile).isDirectory() ? join(dirOrFile, 'manifest.json') : dirOrFile;
  if (!existsSync(p)) throw new StationFault('not-found', `detector manifest not found: ${p}`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(p, 'utf8'));
  } catch (e) {
    throw new StationFault('bad-model', `detector manifest ${p} is not valid JSON${jsonSyntaxWhere(e)}`);
  }
  // The station's own copy (models/<id>/manifest.json) carries a checksum; an export from mmdetection does not.
  if (raw && typeof raw === 'object') verifyChecksum(raw as Record<string, unknown>, p, false);
  const parsed = DetectorManifestSchema.safeParse(raw);
  if (!parsed.success) {
    const why = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new StationFault('bad-model', `detector manifest ${p} is invalid: ${why}`);
  }
  const dir = dirname(resolve(p));
  const modelPath = resolve(dir, parsed.data.model);
  if (!existsSync(modelPath)) throw new StationFault('not-found', `detector ONNX file not found: ${modelPath}`);
  return { manifest: parsed.data, dir, modelPath };
}

export class DetectorModel implements InspectionModel {
  private constructor(
    readonly info: ModelInfo,
    readonly manifest: DetectorManifest,
    private readonly pre: Preprocess,
    private readonly session: ort.InferenceSession,
    readonly executionProvider: string,
  ) {}

  static async load(dirOrFile: string, provider?: ProviderName): Promise<DetectorModel> {
    const { manifest, dir, modelPath } = readDetectorManifest(dirOrFile);
    const pre = preprocessOf(manifest);
    let created: Awaited<ReturnType<typeof createSession>>;
    try {
      created = await createSession(readFileSync(modelPath), provider);
    } catch (e) {
      throw new StationFault('bad-model', `cannot load detector ${modelPath}: ${(e as Error).message}`);
    }
    const { session } = created;
    const fail = async (msg: string) => {
      await session.release();
      throw new StationFault('bad-model', `detector ${modelPath}: ${msg}`);
    };
    if (!session.inputNames.includes(pre.inputName)) {
      await fail(`input '${pre.inputName}' expected for format ${manifest.format}, the model has ${session.inputNames.join(', ')}`);
    }
    if (manifest.format === 'rtmdet' && !(session.outputNames.includes('dets') && session.outputNames.includes('labels'))) {
      await fail(`an RTMDet export needs outputs 'dets' and 'labels', the model has ${session.outputNames.join(', ')}`);
    }
    if (manifest.format === 'yolov8' && session.outputNames.length < 1) await fail('no outputs');
    const info: ModelInfo = {
      id: manifest.id ?? basename(dir),
      kind: 'detector',
      formatVersion: DETECTOR_FORMAT_VERSION,
      backbone: manifest.format,
      createdAt: manifest.createdAt ?? statSync(modelPath).mtime.toISOString(),
      trainImages: manifest.trainImages,
      defaultThreshold: manifest.defaultThreshold,
      params: {
        format: manifest.format,
        inputSize: manifest.inputSize,
        classes: manifest.classes,
        scoreThreshold: manifest.scoreThreshold,
        iouThreshold: manifest.iouThreshold,
        maxDetections: manifest.maxDetections,
        model: manifest.model,
      },
    };
    return new DetectorModel(info, manifest, pre, session, created.provider);
  }

  async infer(image: RawImage): Promise<ModelOutput> {
    const t0 = performance.now();
    const [ih, iw] = this.manifest.inputSize;
    const g = letterboxGeometry(image.width, image.height, iw, ih, this.pre.placement);
    const tensor = toNchw(await letterboxImage(image, g, this.pre.padValue), iw, ih, this.pre);
    const t1 = performance.now();
    const result = await this.session.run({ [this.pre.inputName]: new ort.Tensor('float32', tensor, [1, 3, ih, iw]) });
    const t2 = performance.now();
    const opts = {
      classes: this.manifest.classes,
      scoreThreshold: this.manifest.scoreThreshold,
      iouThreshold: this.manifest.iouThreshold,
      maxDetections: this.manifest.maxDetections,
      letterbox: g,
      width: image.width,
      height: image.height,
    };
    let boxes;
    if (this.manifest.format === 'rtmdet') {
      const dets = result['dets']!;
      const labels = result['labels']!;
      boxes = decodeRtmdet(
        { data: dets.data as Float32Array, dims: dets.dims },
        { data: labels.data as ArrayLike<number | bigint>, dims: labels.dims },
        opts,
      );
    } else {
      const out = result[this.session.outputNames[0]!]!;
      boxes = decodeYolov8({ data: out.data as Float32Array, dims: out.dims }, opts);
    }
    for (const t of Object.values(result)) t.dispose?.();
    const t3 = performance.now();
    return { score: detectorScore(boxes), boxes, timings: { preprocess: t1 - t0, detector: t2 - t1, postprocess: t3 - t2 } };
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}

/** Loads a detector from a folder holding manifest.json (or the manifest path). */
export function loadDetector(dirOrFile: string, provider?: ProviderName): Promise<DetectorModel> {
  return DetectorModel.load(dirOrFile, provider);
}
