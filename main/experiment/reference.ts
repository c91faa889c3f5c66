/**
 * Figures of the reference experiment we reproduce: PatchCore and RTMDet on MVTec screw, trained on 20 images,
 * tested on 5 good + 5 scratch_neck images, per dataset variant.
 */
export const REFERENCE: Readonly<Record<string, { patchcore: { auroc: number; precisionAtFullRecall: number }; detector: { auroc: number; precisionAtFullRecall: number } }>> = {
  original: { patchcore: { auroc: 0.92, precisionAtFullRecall: 0.83 }, detector: { auroc: 1, precisionAtFullRecall: 1 } },
  misalignment: { patchcore: { auroc: 0.88, precisionAtFullRecall: 0.83 }, detector: { auroc: 1, precisionAtFullRecall: 1 } },
  brightness: { patchcore: { auroc: 1, precisionAtFullRecall: 1 }, detector: { auroc: 1, precisionAtFullRecall: 1 } },
  background: { patchcore: { auroc: 1, precisionAtFullRecall: 1 }, detector: { auroc: 1, precisionAtFullRecall: 1 } },
};

export const DEFAULT_VARIANTS = ['original', 'misalignment', 'brightness', 'background'] as const;
