/** PatchCore hyper-parameters, validated; stored in every trained artifact. */
import { z } from 'zod';

export const PatchCoreConfigSchema = z.object({
  /** Backbone id (native-models/<id>) or folder. */
  backbone: z.string().min(1),
  /** Feature outputs to concatenate, finest first; deeper levels are upsampled to the first one's grid. */
  layers: z.array(z.string().min(1)).min(1),
  registration: z.object({
    enabled: z.boolean(),
    width: z.number().int().min(32).max(2048),
    height: z.number().int().min(32).max(2048),
    boxLength: z.number().positive(),
    maskDilation: z.number().int().min(0),
    cleanBackground: z.boolean().default(true),
  }),
  /** Only patches on the part enter the memory bank and the score (needs a part on a plain background). */
  foregroundOnly: z.boolean(),
  /**
   * Random projection of patch features to this many dimensions before the bank (0 = none; no-op when the
   * features have fewer). 192 keeps the two-layer nsfwjs MobileNetV2 features (576-d) as accurate (AUROC 0.917 vs
   * 0.908 on all screw defects) and makes the nearest-neighbour search 3x cheaper.
   */
  projectionDim: z.number().int().min(0),
  coreset: z.object({
    /** Fraction of training patches kept by greedy k-center selection (1 = whole bank). */
    ratio: z.number().gt(0).max(1),
    /** Absolute cap on the memory bank size, whatever the number of training images. */
    max: z.number().int().positive(),
    /** Dimensions of the random projection used only to pick the coreset (Johnson-Lindenstrauss). */
    projectionDim: z.number().int().positive(),
    seed: z.number().int(),
  }),
  /** b in the paper's re-weighting of the image score (Roth et al. 2022, eq. 7); 0 = no re-weighting. */
  reweightNeighbours: z.number().int().min(0),
  /** Gaussian blur of the anomaly map, in canvas pixels (the paper uses sigma = 4). */
  mapSigma: z.number().min(0),
  /** The stored anomaly map is this many times coarser than the original image. */
  mapScale: z.number().int().min(1).max(16),
});

export type PatchCoreConfig = z.infer<typeof PatchCoreConfigSchema>;

/** The station's default backbone: built from npm packages at install, so it exists on every machine. */
export const DEFAULT_BACKBONE = 'nsfwjs_mobilenet_v2';

/** Everything but the backbone's layers, which default to the backbone manifest's `recommendedLayers`. */
export const DEFAULT_PATCHCORE_CONFIG: Omit<PatchCoreConfig, 'layers'> & { layers?: string[] } = {
  backbone: DEFAULT_BACKBONE,
  registration: { enabled: true, width: 512, height: 224, boxLength: 1.15, maskDilation: 8, cleanBackground: true },
  foregroundOnly: true,
  projectionDim: 192,
  coreset: { ratio: 0.5, max: 10000, projectionDim: 128, seed: 0 },
  reweightNeighbours: 9,
  mapSigma: 4,
  mapScale: 4,
};

/**
 * Merges a partial config (e.g. from the CLI) over the defaults and validates it.
 * @param recommendedLayers the backbone's default layers, used when the partial names none
 */
export function resolveConfig(partial: DeepPartial<PatchCoreConfig> = {}, recommendedLayers?: readonly string[]): PatchCoreConfig {
  const d = DEFAULT_PATCHCORE_CONFIG;
  return PatchCoreConfigSchema.parse({
    ...d,
    ...partial,
    layers: partial.layers ?? (recommendedLayers ? [...recommendedLayers] : d.layers),
    registration: { ...d.registration, ...(partial.registration ?? {}) },
    coreset: { ...d.coreset, ...(partial.coreset ?? {}) },
  });
}

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? (T[K] extends unknown[] ? T[K] : DeepPartial<T[K]>) : T[K] };
