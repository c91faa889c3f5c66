export { loadDetector, readDetectorManifest, DetectorModel, DETECTOR_FORMAT_VERSION } from './detector.js';
export { DetectorManifestSchema, FORMAT_DEFAULTS, type DetectorManifest, type DetectorFormat } from './manifest.js';
export { decodeRtmdet, decodeYolov8, detectorScore, anyBoxAbove } from './decode.js';
export { letterboxGeometry, letterboxImage, toNchw, unletterboxBox, type Letterbox } from './letterbox.js';
export { nms, iou, type Candidate } from './nms.js';
