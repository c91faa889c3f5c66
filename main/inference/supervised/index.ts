/** Supervised defect model: patch classifier on frozen backbone features, trained from annotated defects. */
export { trainSupervised, DEFAULT_SUPERVISED_OPTIONS, type SupervisedSample, type SupervisedTrainOptions } from './train.js';
export { SupervisedModel, SUPERVISED_FORMAT_VERSION, type SupervisedParams } from './model.js';
export { saveSupervisedModel, loadSupervisedModel, readSupervisedArtifact } from './artifact.js';
export { maskFromImage, boxesToMask } from './labels.js';
export { samplesFromAnnotations } from './samples.js';
