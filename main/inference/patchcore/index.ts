/** PatchCore (Roth et al., "Towards Total Recall in Industrial Anomaly Detection", CVPR 2022). */
export { DEFAULT_BACKBONE, DEFAULT_PATCHCORE_CONFIG, PatchCoreConfigSchema, resolveBackboneId, resolveConfig, type PatchCoreConfig } from './config.js';
export { PatchCoreModel, type MemoryBank } from './model.js';
export { PatchExtractor, type PatchSet } from './patch-extractor.js';
export { trainPatchCore, type TrainPatchCoreOptions, type TrainReport } from './train.js';
export { savePatchCore, loadPatchCore, PATCHCORE_FORMAT_VERSION } from './artifact.js';
