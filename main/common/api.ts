/**
 * Station API — contract v1. KEEP STABLE: extend additively (new methods, new optional fields), never rename
 * or remove. This single definition is the source of both sides:
 *   - renderer: `createProxy(stationApi, transport)` -> `StationApi` (every method returns Promise<Result<T>>,
 *     every `onX` is an `Event<T>`);
 *   - engine worker: `serveApi(stationApi, impl, transport)` with `impl: StationApiImpl`; requests are validated
 *     here with the zod schemas below before reaching the implementation.
 *
 * Images never travel inside events: frames, heatmaps, thumbnails and exports are files under the station's
 * data dir, referred to by a `MediaRef` (a relative path like `frames/2025-01-31/000123.jpg`). Turn one into a
 * URL with `mediaUrl(ref, base)` from media.ts (browser: `/media/<ref>` on the loopback host, cookie/token auth;
 * Electron: `station-media://media/<ref>`).
 *
 * Pure: no node/electron/DOM imports.
 */
import { z } from 'zod';
import { event, method, type ApiClient, type ApiImpl } from './contract.js';
import type { Box, LogVerdict, ModelKind, Progress } from './types.js';
import { IntegrationConfigPatchSchema, type IntegrationState } from './integration.js';
import type { LineSignals, TriggerReply } from './line-io.js';
import {
  AuditQuerySchema,
  AuthConfigureSchema,
  CloneProductSchema,
  CreateProductSchema,
  CreateUserSchema,
  LoginSchema,
  SetLotSchema,
  UpdateProductSchema,
  UpdateUserSchema,
  UseProductSchema,
  type AuditPageDto,
  type AuthState,
  type ProductDto,
  type UserDto,
} from './accounts.js';
import { FloorConfigureSchema, ShiftReportRequestSchema, type FloorPart, type FloorSettings, type FloorState, type ShiftReport } from './floor.js';
import {
  ActivateVersionSchema,
  FeedbackRequestSchema,
  LearnGoodRequestSchema,
  PromoteSchema,
  type FeedbackDto,
  type ModelVersionDto,
  type ShadowStatus,
} from './learning.js';

// ---------------------------------------------------------------------------------------------------------
// Shared shapes
// ---------------------------------------------------------------------------------------------------------

/** A file under the station's media root (data dir), relative, '/'-separated. Resolve with `mediaUrl()`. */
export type MediaRef = string;

/** A path on the machine running the engine (typed by the user or returned by `system.pickFolder`). */
const serverPath = z.string().trim().min(1, 'path is required').max(4096);
const modelId = z.string().min(1).max(200);
const isoTime = z.string().min(1).max(64);

/**
 * How a source's parts reach inspection. 'every-part' (line sources): each part is recorded as pending in the
 * store before it is inspected, in a bounded durable queue; nothing is dropped, pending parts survive a restart,
 * and a full queue is an alarm (the source waits). 'newest-wins' (preview sources): when inference is busy the
 * newest frame replaces an older one, which is counted as dropped. Default per kind: see `deliveryOf`.
 */
export const DeliverySchema = z.enum(['every-part', 'newest-wins']);
export type Delivery = z.infer<typeof DeliverySchema>;

/** Pixel formats the GenICam source converts: Mono10/12/14/16 to 8-bit gray, Bayer 8-bit to RGB, BGR8 to RGB. */
export const GENICAM_PIXEL_FORMATS = ['Mono8', 'Mono10', 'Mono12', 'Mono12Packed', 'Mono14', 'Mono16', 'BayerRG8', 'BayerGR8', 'BayerGB8', 'BayerBG8', 'RGB8', 'BGR8'] as const;

export const SourceSpecSchema = z.discriminatedUnion('kind', [
  /** Built-in synthetic screw-like parts; needs no files. */
  z.object({
    kind: z.literal('demo'),
    fps: z.number().positive().max(60).default(4),
    /** Fraction of synthesised parts that carry a defect. */
    defectRate: z.number().min(0).max(1).default(0.25),
    seed: z.number().int().optional(),
  }),
  /** Replay the images of a folder in name order. */
  z.object({
    kind: z.literal('folder'),
    path: serverPath,
    fps: z.number().positive().max(120).default(4),
    loop: z.boolean().default(false),
    /** Descend into sub-folders (e.g. an MVTec `test/` folder). */
    recursive: z.boolean().default(false),
    delivery: DeliverySchema.optional(),
  }),
  /** Watch a folder that a line camera writes into; each new file is inspected once, after it is fully written. */
  z.object({
    kind: z.literal('hotfolder'),
    path: serverPath,
    /** How long a file's size must stay unchanged before it counts as complete. */
    settleMs: z.number().int().min(0).max(60_000).default(300),
    /** Also inspect files already present when the source starts (a restarted line source always takes the files that arrived meanwhile). */
    includeExisting: z.boolean().default(false),
    delivery: DeliverySchema.optional(),
  }),
  /** A video file (needs `ffmpeg` on PATH) or an image sequence (a folder or a glob like `/x/frame_*.png`). */
  z.object({
    kind: z.literal('video'),
    path: serverPath,
    fps: z.number().positive().max(120).default(4),
    loop: z.boolean().default(false),
    delivery: DeliverySchema.optional(),
  }),
  /** Frames captured in the renderer (getUserMedia) and sent with `live.pushFrame`. */
  z.object({
    kind: z.literal('webcam'),
    label: z.string().max(200).default('webcam'),
  }),
  /**
   * Software / PLC trigger (OPC UA, Modbus, MQTT, the UI): each trigger is one part, taken from `from` — the next
   * image of a folder (name order, looping) or a newly rendered demo part. Always 'every-part'.
   */
  z.object({
    kind: z.literal('trigger'),
    from: z.enum(['demo', 'folder']).default('demo'),
    /** from 'folder': the folder whose images are taken one per trigger. */
    path: serverPath.optional(),
    recursive: z.boolean().default(false),
    defectRate: z.number().min(0).max(1).default(0.25),
    seed: z.number().int().optional(),
  }),
  /**
   * A GigE Vision / USB3 Vision camera through Aravis (`genicam.list` gives the ids). 'continuous': free-running,
   * newest frame wins (setup); 'triggered': one frame per trigger (the station's software trigger, or the camera's
   * hardware line given as `triggerSource`), every frame a part. Settings are applied in order: pixel format, region,
   * exposure, gain, frame rate, then `features` by name (what the feature browser saved).
   */
  z.object({
    kind: z.literal('genicam'),
    camera: z.string().trim().min(1, 'a camera id is required').max(200),
    mode: z.enum(['continuous', 'triggered']).default('continuous'),
    /** triggered: 'Software' or a hardware line such as 'Line0'. */
    triggerSource: z.string().trim().min(1).max(64).default('Software'),
    pixelFormat: z.enum(GENICAM_PIXEL_FORMATS).optional(),
    width: z.number().int().positive().max(65_535).optional(),
    height: z.number().int().positive().max(65_535).optional(),
    offsetX: z.number().int().min(0).max(65_535).optional(),
    offsetY: z.number().int().min(0).max(65_535).optional(),
    exposureUs: z.number().positive().max(1e8).optional(),
    gain: z.number().finite().optional(),
    frameRate: z.number().positive().max(10_000).optional(),
    features: z.record(z.string().trim().min(1).max(100), z.union([z.string().max(500), z.number().finite(), z.boolean()])).optional(),
    /** Buffers in the stream's pool (default 8 continuous, 16 triggered). */
    buffers: z.number().int().min(2).max(64).optional(),
    delivery: DeliverySchema.optional(),
  }),
]);
export type SourceSpec = z.input<typeof SourceSpecSchema>;
export type SourceKind = SourceSpec['kind'];

/** The delivery mode a source runs with: its `delivery` when given, else line sources every part, previews newest wins. */
export function deliveryOf(spec: SourceSpec): Delivery {
  if ('delivery' in spec && spec.delivery) return spec.delivery;
  if (spec.kind === 'hotfolder' || spec.kind === 'folder' || spec.kind === 'trigger') return 'every-part';
  if (spec.kind === 'genicam') return spec.mode === 'triggered' ? 'every-part' : 'newest-wins';
  // An image sequence (a folder or a glob of images) is a line source; a video file is a preview.
  if (spec.kind === 'video') return /[*?[]|\.(png|jpe?g|bmp|tiff?|webp)$/i.test(spec.path) ? 'every-part' : 'newest-wins';
  return 'newest-wins';
}

export type SourceState =
  | 'idle' // nothing started
  | 'starting'
  | 'running'
  | 'paused'
  | 'lost' // disappeared (folder deleted, camera gone); will be retried
  | 'ended' // a non-looping folder/video reached its end
  | 'error'; // gave up (bad spec, ffmpeg missing, ...)

export interface SourceStatus {
  readonly state: SourceState;
  readonly spec: SourceSpec | null;
  /** Human-readable name ("demo", folder basename, ...). */
  readonly name: string;
  readonly message?: string;
  /** When state is 'lost': the retry attempt number and the delay before it. */
  readonly retry?: { readonly attempt: number; readonly inMs: number };
  readonly at: string;
}

export interface LiveStats {
  /** Frames inspected per second (moving average). */
  readonly fps: number;
  /** Source-to-verdict latency of the last frame, ms. */
  readonly latencyMs: number;
  /** Frames inspected since start. */
  readonly inspected: number;
  /** Frames the source produced that were skipped because inference was still busy (newest frame wins). */
  readonly dropped: number;
  readonly ok: number;
  readonly ng: number;
  /** Parts that got an ERROR verdict (could not be inspected). */
  readonly errors?: number;
  /** Camera sources: stream statistics. */
  readonly camera?: CameraStreamStats;
}

/** A camera source's stream counters (GenICam), shown in the status bar. */
export interface CameraStreamStats {
  /** Frames the stream completed. */
  readonly completed: number;
  /** Frames that arrived broken (missing packets, timeouts). */
  readonly failed: number;
  /** Frames lost because no buffer was free. */
  readonly underruns: number;
  readonly missingPackets: number;
  readonly resentPackets: number;
  readonly buffers: number;
  /** Buffers the source could not use (incomplete, unsupported format). */
  readonly badFrames: number;
  readonly triggers: number;
  readonly framesDelivered: number;
}

/** An alarm the operator must see (queue full, frames not saved, ...): shown until it clears. */
export interface LineAlarm {
  readonly code: 'queue-full' | 'media-not-saved' | 'store-failed' | 'no-model';
  readonly message: string;
  readonly at: string;
}

/** Line-mode state shown on the Live screen. */
export interface LineLiveState {
  readonly delivery: Delivery;
  /** Parts recorded as pending and not yet decided. */
  readonly queueDepth: number;
  readonly queueCapacity: number;
  readonly queueFull: boolean;
  readonly alarms: readonly LineAlarm[];
  /** The last part that got an ERROR verdict. */
  readonly lastError: { readonly partId: string; readonly message: string; readonly at: string; readonly inspectionId: number | null } | null;
}

export interface LiveState {
  readonly running: boolean;
  readonly paused: boolean;
  readonly source: SourceStatus;
  readonly modelId: string | null;
  readonly threshold: number | null;
  readonly stats: LiveStats;
  readonly line?: LineLiveState;
}

/**
 * Anomaly values on a coarse grid, quantised relative to the threshold: q = clamp(round(128 * v / threshold), 0, 255),
 * so 128 means "exactly at the threshold" and 255 means >= ~2x threshold. `data` is base64 of width*height bytes
 * (row-major). Lets the UI show a value on hover without decoding the PNG.
 */
export interface QuantisedMap {
  readonly width: number;
  readonly height: number;
  readonly data: string;
}

/**
 * The heatmap PNG uses a FIXED colour scale across frames: the same quantisation as QuantisedMap
 * (value/threshold, 0..2), coloured transparent->blue->yellow->red, alpha rising with the value, so a heatmap can be
 * overlaid on the frame directly and colours mean the same thing on every frame.
 */
export const HEATMAP_SCALE = { min: 0, max: 2, unit: 'score/threshold' } as const;

export interface FrameEvent {
  /** Monotonic per live session. */
  readonly seq: number;
  /** Log record id when the inspection was stored; null when storing was off or failed. */
  readonly inspectionId: number | null;
  readonly source: string;
  /** Original file name when the frame came from a file. */
  readonly name?: string;
  readonly capturedAt: string;
  readonly width: number;
  readonly height: number;
  readonly frame: MediaRef;
  readonly heatmap: MediaRef | null;
  readonly anomaly?: QuantisedMap;
  readonly score: number;
  readonly threshold: number;
  /** Live frames are OK or NG; ERROR only when a logged ERROR row is shown like a frame (the Log screen). */
  readonly verdict: LogVerdict;
  /** Boxes in original image pixels, with label + confidence (`score`). */
  readonly boxes: readonly Box[];
  readonly modelId: string;
  readonly timings: Readonly<Record<string, number>>;
  readonly stats: LiveStats;
}

export interface BackboneInfo {
  readonly id: string;
  readonly description: string;
  /** The ONNX file is present and readable. */
  readonly available: boolean;
  readonly license?: string;
}

export interface SystemInfo {
  readonly appVersion: string;
  readonly contractVersion: 1;
  readonly versions: Readonly<Record<string, string>>; // node, electron?, onnxruntime, sharp, ...
  readonly platform: string;
  readonly shell: 'electron' | 'browser';
  /** Execution providers onnxruntime offers on this machine, in preference order. */
  readonly executionProviders: readonly string[];
  /** The provider the active model actually runs on; null when no model is loaded. */
  readonly activeExecutionProvider: string | null;
  readonly backbones: readonly BackboneInfo[];
  readonly defaultBackbone: string | null;
  readonly dataDir: string;
  /** `system.pickFolder` opens a native dialog (Electron only). */
  readonly canPickFolder: boolean;
  /** Whether `ffmpeg` was found (video files as a source). */
  readonly ffmpeg: boolean;
}

export interface Notice {
  readonly level: 'info' | 'warning' | 'error';
  readonly message: string;
  readonly at: string;
  /**
   * The cause, when it can repeat or end (e.g. 'source', 'alarm:queue-full'): a notice with the same key replaces
   * the earlier one (one banner per cause), and an 'info' notice with that key says the cause is over (the banner goes).
   */
  readonly key?: string;
}

export interface FolderEntry {
  readonly name: string;
  readonly path: string;
  readonly kind: 'dir' | 'image' | 'other';
}

export interface FolderListing {
  readonly path: string;
  readonly parent: string | null;
  readonly entries: readonly FolderEntry[];
  readonly imageCount: number;
  readonly truncated: boolean;
}

export interface ModelSummary {
  readonly id: string;
  readonly name: string;
  readonly kind: ModelKind;
  readonly backbone: string;
  readonly createdAt: string;
  readonly trainImages: number;
  readonly defaultThreshold: number;
  /** The threshold in force (last `thresholds.set`, else the default). */
  readonly threshold: number;
  readonly active: boolean;
  readonly hasValidation: boolean;
  readonly params: Readonly<Record<string, unknown>>;
  /** Fraction of the validated defect images that are NG at `threshold`; null: recall unknown (no defect image validated). */
  readonly recallAtThreshold?: number | null;
  /** False-reject rate expected at `threshold` from held-out good training scores (PatchCore); null when unknown. */
  readonly expectedFalseRejectRate?: number | null;
}

export interface ValidationScoreDto {
  readonly name: string;
  readonly score: number;
  /** 0 = good, 1 = defect. */
  readonly label: 0 | 1;
  readonly defectType?: string;
  /** Server path of the scored image, when known (evaluation results); `name` stays the display name. */
  readonly path?: string;
}

/**
 * One evaluated image rendered like a live frame, for the Training screen's good / defect grid: the frame and
 * its heatmap overlay on the station's fixed scale (HEATMAP_SCALE, relative to the model's threshold in force).
 */
export interface EvaluationPreview {
  /** Name relative to the evaluated folder (e.g. `scratch_neck/003.png`), as in `scores`. */
  readonly name: string;
  readonly path?: string;
  /** 0 = good, 1 = defect. */
  readonly label: 0 | 1;
  readonly defectType?: string;
  readonly score: number;
  /** The threshold the heatmap and boxes were made with. */
  readonly threshold: number;
  /** Size of the original image (boxes are in these pixels). */
  readonly width: number;
  readonly height: number;
  readonly frame: MediaRef;
  readonly heatmap: MediaRef | null;
  readonly boxes: readonly Box[];
}

export interface ValidationScores {
  readonly modelId: string;
  readonly scores: readonly ValidationScoreDto[];
  readonly threshold: number;
  readonly defaultThreshold: number;
  /** Area under the ROC curve of these scores, when both classes are present. */
  readonly auroc: number | null;
}

export interface ThresholdRecord {
  readonly modelId: string;
  readonly value: number;
  readonly previous: number | null;
  readonly reason: string;
  readonly who: string;
  readonly at: string;
}

export interface ThresholdState {
  readonly modelId: string;
  readonly value: number;
  readonly defaultValue: number;
  /** The latest change; null while the model's default is in force. */
  readonly last: ThresholdRecord | null;
}

export type JobKind = 'train' | 'generate' | 'evaluate' | 'export' | 'bootstrap' | 'learn';
export type JobState = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

export interface JobInfo {
  readonly id: string;
  readonly kind: JobKind;
  readonly title: string;
  readonly state: JobState;
  readonly progress: Progress | null;
  readonly startedAt: string;
  readonly finishedAt: string | null;
  readonly error: { readonly kind: string; readonly message: string } | null;
  /** Kind-specific result once done: TrainResult | GenerateResult | EvaluateResult | ExportResult. */
  readonly result: unknown;
}

export interface TrainResult {
  readonly modelId: string;
}
export interface GenerateResult {
  readonly outputDir: string;
  readonly images: number;
}
export interface EvaluateResult {
  readonly modelId: string;
  readonly images: number;
  /** Image-level AUROC and friends; keys from main/evaluation/metrics.ts. */
  readonly metrics: Readonly<Record<string, number | null>>;
  readonly scores: readonly ValidationScoreDto[];
  /** A few good and defect images (spread over defect types) with frame + heatmap media, for the image grid. */
  readonly previews?: readonly EvaluationPreview[];
}
export interface ExportResult {
  readonly path: string;
  readonly rows: number;
  /** Set when the file was written under the data dir: download it with `mediaUrl(media)`. */
  readonly media?: MediaRef;
}

export interface InspectionRecord {
  readonly id: number;
  readonly at: string;
  readonly source: string;
  readonly name?: string;
  readonly modelId: string;
  readonly score: number;
  readonly threshold: number;
  /** ERROR: the part could not be inspected; `error` says why. */
  readonly verdict: LogVerdict;
  readonly boxes: readonly Box[];
  readonly latencyMs: number;
  readonly frame: MediaRef | null;
  readonly heatmap: MediaRef | null;
  readonly thumbnail: MediaRef | null;
  /** The source's id (what the log's `source` filter matches); `source` is its display name. */
  readonly sourceId?: string;
  /** The product (recipe) the part was inspected as (its id). */
  readonly productId?: string;
  /** Line mode: the part's id, lot and product index, and why a part got ERROR or lost its frame. */
  readonly partId?: string;
  readonly lotName?: string;
  readonly productIndex?: number;
  readonly errorCode?: number;
  readonly error?: string | null;
  /** Retention deleted this part's images at this time (the row and verdict stay). */
  readonly mediaPrunedAt?: string;
}

/** The line handshake's signals and a trigger's reply: the line I/O contract's own types (main/common/line-io.ts). */
export type LineSignalsDto = LineSignals;
export type TriggerReplyDto = TriggerReply;

/** A product index (as a PLC selects it) and the model it inspects with. */
export interface LineProductDto {
  readonly productIndex: number;
  readonly modelId: string;
  readonly name: string;
}

/** A position in the log's (time, id) order: the last row of a page. Pass it back as `after`. */
export interface LogCursor {
  readonly time: string;
  readonly id: number;
}

export interface LogPage {
  /** Rows matching the filter (from the per-hour/day summary: cheap at any log size). */
  readonly total: number;
  readonly offset: number;
  /** In the requested order: newest first for 'newest', oldest first for 'oldest'. */
  readonly items: readonly InspectionRecord[];
  /** The next page in the same order (pass as `after`); null when this page is the last one. */
  readonly next: LogCursor | null;
}

export interface LogSummary {
  readonly total: number;
  readonly ok: number;
  readonly ng: number;
  /** Every verdict the matching rows have, with its count (OK, NG and any other, e.g. ERROR). */
  readonly byVerdict: Readonly<Record<string, number>>;
  readonly from: string | null;
  readonly to: string | null;
}

export interface DatasetInfo {
  readonly path: string;
  /** 'mvtec': has train/good and test/<type>; 'flat': images directly inside. */
  readonly layout: 'mvtec' | 'flat' | 'empty';
  readonly goodImages: number;
  readonly defectImages: number;
  readonly defectTypes: readonly string[];
  /** A few sample images from the folder (server paths; preview via `datasets.preview`). */
  readonly samples: readonly string[];
}

/** Annotation state of an image: never annotated, has defect boxes, or annotated as good (no boxes). */
export type AnnotationState = 'none' | 'defect' | 'good';

/** A defect box drawn on an image, in original image pixels (x, y = top-left). */
export interface AnnotationBoxDto {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
  /** Defect class name. */
  readonly label: string;
}

export interface AnnotatedImageInfo {
  /** Server path of the image (the annotation's key). */
  readonly path: string;
  /** Path relative to the listed folder, '/'-separated. */
  readonly name: string;
  readonly state: AnnotationState;
  readonly boxes: number;
}

export interface AnnotationFolder {
  readonly folder: string;
  readonly images: readonly AnnotatedImageInfo[];
  /** More than the listing limit: only the first images are listed. */
  readonly truncated: boolean;
  /** Class names used in this folder's annotations, sorted. */
  readonly labels: readonly string[];
  readonly counts: { readonly none: number; readonly defect: number; readonly good: number };
  /** The folder has MVTec `ground_truth/` masks that `annotations.importMasks` can turn into boxes. */
  readonly hasMasks: boolean;
}

export interface ImageAnnotationDto {
  readonly path: string;
  /** Original image size: boxes are in these pixels. */
  readonly width: number;
  readonly height: number;
  readonly state: AnnotationState;
  readonly boxes: readonly AnnotationBoxDto[];
  readonly updatedAt: string | null;
}

/** Outcome of an annotation import or export. */
export interface AnnotationTransferResult {
  /** Images written (export) or annotated (import). */
  readonly images: number;
  readonly boxes: number;
  /** Images left as they were (import without `replace`: already annotated). */
  readonly skipped: number;
  readonly labels: readonly string[];
  /** The file (COCO) or folder (YOLO) written or read. */
  readonly path: string;
  /** Set when an export was written under the data dir: download it with `mediaUrl(media)`. */
  readonly media?: MediaRef;
  /** Images named by an imported file that do not exist in the folder (first 20). */
  readonly missing?: readonly string[];
}

// ---------------------------------------------------------------------------------------------------------
// Request schemas (validated on the serving side)
// ---------------------------------------------------------------------------------------------------------

export const LogFilterSchema = z.object({
  /** ISO time, inclusive. */
  from: isoTime.optional(),
  /** ISO time, exclusive. */
  to: isoTime.optional(),
  verdict: z.enum(['OK', 'NG', 'ERROR']).optional(),
  modelId: modelId.optional(),
  source: z.string().max(500).optional(),
});
export type LogFilter = z.input<typeof LogFilterSchema>;

export const TrainRequestSchema = z.object({
  /** Folder of good images (flat, or an MVTec category folder: its train/good is used). */
  goodFolder: serverPath,
  name: z.string().trim().min(1).max(100).optional(),
  /** 'supervised': a patch classifier from the annotated defect images of `annotatedFolder` + the good images of `goodFolder`. */
  kind: z.enum(['patchcore', 'supervised']).default('patchcore'),
  /** kind 'supervised': folder whose images carry box annotations (`annotations.*`); its images annotated as good count as good. */
  annotatedFolder: serverPath.optional(),
  backbone: z.string().min(1).max(100).optional(),
  /** Use at most this many images (taken in name order). */
  maxImages: z.number().int().positive().max(10_000).optional(),
  /** Optional folder with good + defect images (MVTec layout) scored after training for threshold tuning. */
  validationFolder: serverPath.optional(),
  /** Model-specific knobs (PatchCoreConfig fields), passed through. */
  config: z.record(z.string(), z.unknown()).optional(),
  /** Make the new model active when training succeeds. Default true. */
  activate: z.boolean().default(true),
});
export type TrainRequest = z.input<typeof TrainRequestSchema>;

export const GenerateRequestSchema = z.object({
  /** Folder of good images to derive variants from. */
  sourceFolder: serverPath,
  /** Where to write; default: a new folder under the data dir. */
  outputFolder: serverPath.optional(),
  /** Variants per source image. */
  perImage: z.number().int().min(1).max(100).default(4),
  /** Which augmentations / synthetic defects to apply; passed to main/dataset. */
  options: z.record(z.string(), z.unknown()).optional(),
});
export type GenerateRequest = z.input<typeof GenerateRequestSchema>;

export const EvaluateRequestSchema = z.object({
  modelId: modelId.optional(),
  /** Folder with labelled images: MVTec `test/` layout (good/ + defect sub-folders) or an MVTec category folder. */
  folder: serverPath,
  maxImages: z.number().int().positive().max(10_000).optional(),
  /** Images per class (good, defect) rendered as previews with heatmaps; 0 for none. */
  previewsPerClass: z.number().int().min(0).max(32).default(8),
});
export type EvaluateRequest = z.input<typeof EvaluateRequestSchema>;

export const AnnotationBoxSchema = z.object({
  x: z.number().finite().min(0),
  y: z.number().finite().min(0),
  w: z.number().finite().positive(),
  h: z.number().finite().positive(),
  label: z.string().trim().min(1, 'a box needs a class label').max(100),
});

export const AnnotationFormatSchema = z.enum(['coco', 'yolo']);
export type AnnotationFormat = z.infer<typeof AnnotationFormatSchema>;

export const ImportDetectorRequestSchema = z.object({
  /** Folder with the detector's manifest.json and ONNX file (an RTMDet or YOLOv8 export). */
  folder: serverPath,
  name: z.string().trim().min(1).max(100).optional(),
  /** Labelled folder (good/ + defect sub-folders, or MVTec) scored once for threshold tuning. */
  validationFolder: serverPath.optional(),
  activate: z.boolean().default(false),
});
export type ImportDetectorRequest = z.input<typeof ImportDetectorRequestSchema>;

const genicamCamera = z.string().trim().min(1, 'a camera id is required').max(200);
const genicamFeatureName = z.string().trim().min(1, 'a feature name is required').max(100).regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a GenICam feature name');
const genicamFeatureValue = z.union([z.string().max(500), z.number().finite(), z.boolean()]);

export type GenicamStatus =
  | { readonly available: true; readonly aravis: string }
  | { readonly available: false; readonly reason: string; readonly install: string };

export interface GenicamCamera {
  readonly id: string;
  readonly vendor: string;
  readonly model: string;
  readonly serial: string;
  readonly address: string;
  readonly protocol: string;
}

export interface GenicamFeatureListing {
  readonly name: string;
  readonly type: string;
  readonly category: string;
}

export interface GenicamFeature {
  readonly name: string;
  /** Integer, Float, Enumeration, Boolean, String, Command, Register. */
  readonly type: string;
  /** RO, WO, RW, NA. */
  readonly access: string;
  readonly available: boolean;
  readonly displayName?: string;
  readonly description?: string;
  readonly unit?: string;
  readonly value?: string | number | boolean;
  readonly min?: number;
  readonly max?: number;
  readonly increment?: number;
  readonly entries?: readonly string[];
  readonly error?: string;
}

// ---------------------------------------------------------------------------------------------------------
// The contract
// ---------------------------------------------------------------------------------------------------------

const none = z.void();

export const stationApi = {
  system: {
    info: method(none).returns<SystemInfo>(),
    /** Native folder dialog (Electron). In the browser returns `{supported:false, path:null}`; type a path instead. */
    pickFolder: method(z.object({ title: z.string().max(200).optional(), defaultPath: z.string().max(4096).optional() }).optional()).returns<{
      supported: boolean;
      path: string | null;
    }>(),
    /** Lists a server-side folder (for a typed-path browser in the UI). Defaults to the user's home. */
    listFolder: method(z.object({ path: z.string().max(4096).optional() }).optional()).returns<FolderListing>(),
    onNotice: event<Notice>(),
  },

  live: {
    state: method(none).returns<LiveState>(),
    /** The last inspected frame of the running session (null when none yet): a tab opened later shows it at once. */
    lastFrame: method(none).returns<FrameEvent | null>(),
    /** Starts inspecting `source` with the active (or given) model; replaces a running source. */
    start: method(z.object({ source: SourceSpecSchema, modelId: modelId.optional(), store: z.boolean().default(true) })).returns<LiveState>(),
    stop: method(none).returns<LiveState>(),
    pause: method(none).returns<LiveState>(),
    resume: method(none).returns<LiveState>(),
    /** While paused: inspect exactly one more frame. */
    step: method(none).returns<LiveState>(),
    /** A webcam frame captured in the renderer: JPEG/PNG bytes as base64. Dropped (not queued) while busy. */
    pushFrame: method(
      z.object({
        data: z.string().min(16).max(30_000_000),
        mime: z.enum(['image/jpeg', 'image/png', 'image/webp']).default('image/jpeg'),
        capturedAt: isoTime.optional(),
      }),
    ).returns<{ accepted: boolean }>(),
    onFrame: event<FrameEvent>(),
    onState: event<LiveState>(),
  },

  sources: {
    status: method(none).returns<SourceStatus>(),
    /** Checks a spec without starting it (folder exists, image count, ffmpeg present...). */
    probe: method(SourceSpecSchema).returns<{ ok: boolean; message: string; images?: number }>(),
    onStatus: event<SourceStatus>(),
  },

  models: {
    list: method(none).returns<ModelSummary[]>(),
    active: method(none).returns<ModelSummary | null>(),
    activate: method(z.object({ id: modelId })).returns<ModelSummary>(),
    remove: method(z.object({ id: modelId })).returns<void>(),
    /** Starts a training job; follow it with `jobs.onProgress`. Its result is a TrainResult. */
    train: method(TrainRequestSchema).returns<{ jobId: string }>(),
    /** Starts an evaluation job on a labelled folder; result is an EvaluateResult (also stored as validation scores). */
    evaluate: method(EvaluateRequestSchema).returns<{ jobId: string }>(),
    /** Copies an exported detector (manifest.json + ONNX) into the station and registers it as a model of kind 'detector'. */
    importDetector: method(ImportDetectorRequestSchema).returns<ModelSummary>(),
    onChanged: event<ModelSummary[]>(),
  },

  datasets: {
    /** Describes a folder of images (layout, counts, samples). */
    inspect: method(z.object({ path: serverPath })).returns<DatasetInfo>(),
    /** Generates variants (augmentations, synthetic defects) of good images; result is a GenerateResult. */
    generate: method(GenerateRequestSchema).returns<{ jobId: string }>(),
    /** A server-side image as a small JPEG thumbnail (base64), for previews of typed paths. */
    preview: method(z.object({ path: serverPath, size: z.number().int().min(16).max(1024).default(256) })).returns<{
      mime: 'image/jpeg';
      data: string;
      width: number;
      height: number;
    }>(),
  },

  thresholds: {
    get: method(z.object({ modelId: modelId.optional() }).optional()).returns<ThresholdState>(),
    /** Validation scores (good vs defect) of a model, for histograms / ROC. */
    validationScores: method(z.object({ modelId: modelId.optional() }).optional()).returns<ValidationScores>(),
    /** Sets the threshold; recorded with reason and who, effective on the next live frame. */
    set: method(
      z.object({
        modelId: modelId.optional(),
        value: z.number().finite(),
        reason: z.string().trim().min(1, 'a reason is required').max(1000),
        /** Open mode only (no accounts): who changed it. Once accounts exist the logged-in user is recorded instead. */
        who: z.string().trim().min(1, 'who is required').max(200).optional(),
      }),
    ).returns<ThresholdRecord>(),
    history: method(z.object({ modelId: modelId.optional(), limit: z.number().int().min(1).max(1000).default(100) }).optional()).returns<
      ThresholdRecord[]
    >(),
    onChanged: event<ThresholdRecord>(),
  },

  log: {
    /**
     * One page of the log in (time, id) order. Keyset paging: pass the previous page's `next` as `after`
     * (constant cost at any depth). `offset` still works but walks the skipped rows: avoid it on big logs.
     */
    query: method(
      LogFilterSchema.extend({
        offset: z.number().int().min(0).max(1_000_000).default(0),
        limit: z.number().int().min(1).max(500).default(50),
        order: z.enum(['newest', 'oldest']).default('newest'),
        after: z.object({ time: isoTime, id: z.number().int().nonnegative() }).optional(),
      }),
    ).returns<LogPage>(),
    get: method(z.object({ id: z.number().int().positive() })).returns<InspectionRecord>(),
    summary: method(LogFilterSchema.optional()).returns<LogSummary>(),
    /** Exports matching records to a server-side file; result is an ExportResult. Without `path`, writes under the data dir (downloadable via `result.media`). */
    export: method(
      z.object({
        format: z.enum(['csv', 'json']),
        path: serverPath.optional(),
        filter: LogFilterSchema.default({}),
      }),
    ).returns<{ jobId: string }>(),
    /** Fires for every new stored inspection (lighter than onFrame; for a live-updating log table). */
    onAppended: event<InspectionRecord>(),
  },

  /** Line mode: the handshake a PLC sees (also through the OPC UA / Modbus / MQTT adapters), software trigger, products. */
  line: {
    signals: method(none).returns<LineSignalsDto>(),
    /** One part: the running trigger source takes it (the next folder image or a demo part). */
    trigger: method(z.object({ partId: z.string().trim().min(1).max(200).optional() }).optional()).returns<TriggerReplyDto>(),
    /** Acknowledges the result on ResultsReady. */
    acknowledge: method(none).returns<LineSignalsDto>(),
    selectProduct: method(z.object({ index: z.number().int().min(0).max(65535) })).returns<LineSignalsDto>(),
    setLotName: method(z.object({ name: z.string().trim().max(200) })).returns<LineSignalsDto>(),
    products: method(none).returns<LineProductDto[]>(),
    setProduct: method(z.object({ index: z.number().int().min(0).max(65535), modelId, name: z.string().trim().max(200).default('') })).returns<LineProductDto>(),
    onSignals: event<LineSignalsDto>(),
  },

  /** Defect boxes per image (kept in the store, keyed by image path), MVTec mask import, COCO / YOLO export and import. */
  annotations: {
    /** Images of a folder (sub-folders too, except ground_truth/) with their annotation state. */
    list: method(z.object({ folder: serverPath, recursive: z.boolean().default(true) })).returns<AnnotationFolder>(),
    /** The boxes of one image and its original size. */
    get: method(z.object({ path: serverPath })).returns<ImageAnnotationDto>(),
    /** Replaces the boxes of one image; an empty list marks it as good. */
    save: method(z.object({ path: serverPath, boxes: z.array(AnnotationBoxSchema).max(10_000) })).returns<ImageAnnotationDto>(),
    /** Forgets an image's annotation (back to 'none'). */
    clear: method(z.object({ path: serverPath })).returns<{ removed: boolean }>(),
    /**
     * MVTec ground-truth masks (`<folder>/ground_truth/<type>/<stem>_mask.png`) as boxes with the defect type as
     * class; test/good images are marked good. `folder` is an MVTec category or one of its `test/<type>` folders.
     */
    importMasks: method(
      z.object({ folder: serverPath, replace: z.boolean().default(false), minArea: z.number().int().min(1).max(1_000_000).default(1) }),
    ).returns<AnnotationTransferResult>(),
    /**
     * Writes the folder's annotated images (names relative to it) as COCO JSON (`path` = file) or YOLO txt
     * (`path` = folder: labels/<name>.txt + classes.txt). Without `path`, writes under the data dir.
     */
    export: method(z.object({ folder: serverPath, format: AnnotationFormatSchema, path: serverPath.optional() })).returns<AnnotationTransferResult>(),
    /** Reads COCO JSON (a file) or YOLO labels (a folder with classes.txt) back onto the folder's images. */
    import: method(z.object({ folder: serverPath, format: AnnotationFormatSchema, path: serverPath, replace: z.boolean().default(true) })).returns<
      AnnotationTransferResult
    >(),
  },

  /**
   * GenICam cameras (GigE Vision / USB3 Vision through Aravis) and the engineer's feature browser. Every method works
   * on a camera by its id; a running GenICam source shares the same open camera. Bad values are refused with the
   * camera's own limits or entries in the message (`invalid-input`).
   */
  genicam: {
    /** Whether the Aravis addon is there; when not, why and how to install it. */
    status: method(none).returns<GenicamStatus>(),
    /** Cameras answering discovery now (takes about a second). */
    list: method(none).returns<GenicamCamera[]>(),
    /** The camera's feature tree, flattened (name, type, category). */
    features: method(z.object({ camera: genicamCamera })).returns<GenicamFeatureListing[]>(),
    /** One feature with its current value, limits, unit and (enumerations) entries. */
    getFeature: method(z.object({ camera: genicamCamera, name: genicamFeatureName })).returns<GenicamFeature>(),
    /** Writes a feature by name; returns it as read back. */
    setFeature: method(z.object({ camera: genicamCamera, name: genicamFeatureName, value: genicamFeatureValue })).returns<GenicamFeature>(),
    /** Executes a command feature (e.g. `TriggerSoftware`, `UserSetLoad`). */
    execute: method(z.object({ camera: genicamCamera, name: genicamFeatureName })).returns<void>(),
  },

  /**
   * This connection's login (accounts, roles, kiosk, idle logout). Open mode (no administrator yet): everything is
   * allowed. Roles are enforced by the engine for every call of the connection, not by the screens.
   */
  auth: {
    state: method(none).returns<AuthState>(),
    login: method(LoginSchema).returns<AuthState>(),
    logout: method(none).returns<AuthState>(),
    /** This connection's login changed (login, logout, idle logout). */
    onState: event<AuthState>(),
  },

  /** Local accounts (administrator). Creating the first administrator ends open mode and logs this connection in as it. */
  users: {
    list: method(none).returns<UserDto[]>(),
    create: method(CreateUserSchema).returns<UserDto>(),
    update: method(UpdateUserSchema).returns<UserDto>(),
    /** Kiosk mode (operator screen without login) and the idle logout time. */
    configure: method(AuthConfigureSchema).returns<AuthState>(),
  },

  /** The append-only audit trail: who, when, what, old -> new, why. */
  audit: {
    list: method(AuditQuerySchema).returns<AuditPageDto>(),
    /** Writes the matching entries as CSV under the data folder; download it with `mediaUrl(media)`. */
    export: method(AuditQuerySchema.omit({ limit: true, beforeId: true }).optional()).returns<{ media: MediaRef; rows: number }>(),
  },

  /** Products (recipes): model + threshold + settings + line index + lot; every change and switch is audited. */
  products: {
    list: method(z.object({ includeArchived: z.boolean().default(false) }).optional()).returns<ProductDto[]>(),
    create: method(CreateProductSchema).returns<ProductDto>(),
    /** Copies settings and the active model (with its threshold) into a new product. */
    clone: method(CloneProductSchema).returns<ProductDto>(),
    /** Rename, description, settings, line index, archive / restore. */
    update: method(UpdateProductSchema).returns<ProductDto>(),
    /** Switches the station to this product (its model and threshold, line index and lot). */
    use: method(UseProductSchema).returns<ProductDto>(),
    /** The current product's lot (recorded with every following log row). */
    setLot: method(SetLotSchema).returns<ProductDto>(),
    onChanged: event<ProductDto[]>(),
  },

  jobs: {
    list: method(none).returns<JobInfo[]>(),
    get: method(z.object({ id: z.string().min(1).max(100) })).returns<JobInfo>(),
    cancel: method(z.object({ id: z.string().min(1).max(100) })).returns<JobInfo>(),
    onProgress: event<JobInfo>(),
  },

  /**
   * The floor: the latched NG and its acknowledgement (an operator action), the NG-rate alarm, shift and lot
   * counters (from the log, so they survive restarts), the shift report, retention and the free-disk watchdog.
   */
  floor: {
    state: method(none).returns<FloorState>(),
    /** The last `limit` verdicts, newest first, with thumbnails (the Live strip). */
    recent: method(z.object({ limit: z.number().int().min(1).max(100).default(20) }).optional()).returns<FloorPart[]>(),
    /** The operator has seen the latched NG (and every NG before it); recorded with who and when. */
    acknowledge: method(z.object({ note: z.string().max(1000).default('') }).optional()).returns<FloorState>(),
    settings: method(z.object({ productId: z.string().min(1).max(200).optional() }).optional()).returns<FloorSettings>(),
    /** Per-product NG latch, NG-rate limits and disk budget; station shift schedule and disk levels (audited). */
    configure: method(FloorConfigureSchema).returns<FloorSettings>(),
    /** Writes the shift report as CSV and as a printable HTML page under the data folder (open with mediaUrl). */
    report: method(ShiftReportRequestSchema.optional()).returns<ShiftReport>(),
    /** One retention pass now (normally on a timer): rows measured, rows whose images were pruned. */
    retentionPass: method(none).returns<{ measured: number; pruned: number; freedBytes: number }>(),
    onState: event<FloorState>(),
  },

  /**
   * Learning on the line (issue 12): feedback on inspected parts, "learn as good" (a job: a new model version),
   * immutable versions with parent / what / who / why, shadow mode and explicit promotion (all audited).
   */
  learning: {
    /** Judges an inspected part: good (false reject), defect (confirmed / missed, optional box) or unsure. */
    feedback: method(FeedbackRequestSchema).returns<FeedbackDto>(),
    /** Judgements of one part, newest first. */
    feedbackFor: method(z.object({ inspectionId: z.number().int().positive() })).returns<FeedbackDto[]>(),
    /** Adds the part to a new version's memory bank (job; its result is a LearnResult); the new version then runs in shadow. */
    learnGood: method(LearnGoodRequestSchema).returns<{ jobId: string }>(),
    /** The current product's model versions, newest first. */
    versions: method(none).returns<ModelVersionDto[]>(),
    /** Makes an earlier (or any) version active again. */
    activate: method(ActivateVersionSchema).returns<ModelVersionDto[]>(),
    shadowStart: method(z.object({ modelId: modelId })).returns<ShadowStatus>(),
    shadowStop: method(none).returns<ShadowStatus>(),
    shadowStatus: method(none).returns<ShadowStatus>(),
    /** Makes the shadow candidate the active version and ends shadow mode. */
    promote: method(PromoteSchema).returns<ModelVersionDto[]>(),
  },

  /** Process integration: the OPC UA server, Modbus TCP server and MQTT client on the line handshake (any at once). */
  integration: {
    /** Configuration (secrets redacted), each adapter's status and the live signal monitor. */
    state: method(none).returns<IntegrationState>(),
    /** Changes part of the configuration (kept in the store); adapters whose part changed restart. */
    configure: method(IntegrationConfigPatchSchema).returns<IntegrationState>(),
    /** Adapter status changes at once; signal changes at most 10 times a second. */
    onState: event<IntegrationState>(),
  },
} as const;

export type StationApiDef = typeof stationApi;
/** What the renderer holds. */
export type StationApi = ApiClient<StationApiDef>;
/** What the engine implements. */
export type StationApiImpl = ApiImpl<StationApiDef>;

export type SystemService = StationApi['system'];
export type LiveService = StationApi['live'];
export type SourcesService = StationApi['sources'];
export type ModelsService = StationApi['models'];
export type DatasetsService = StationApi['datasets'];
export type ThresholdsService = StationApi['thresholds'];
export type LogService = StationApi['log'];
export type JobsService = StationApi['jobs'];
export type GenicamService = StationApi['genicam'];
export type IntegrationApi = StationApi['integration'];
export type AnnotationsService = StationApi['annotations'];
export type LineApi = StationApi['line'];
export type FloorApi = StationApi['floor'];

export const CONTRACT_VERSION = 1 as const;
