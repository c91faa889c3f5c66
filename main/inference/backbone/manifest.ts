/**
 * Backbone manifest: what a feature-extractor ONNX file expects and which of its outputs are feature maps.
 * Lives next to the model as `manifest.json`; checked against the model when loaded (see loader.ts).
 */
import { z } from 'zod';

export const FeatureOutputSchema = z.object({
  /** Graph output (or internal tensor exposed as an output) holding an NCHW feature map. */
  name: z.string().min(1),
  channels: z.number().int().positive(),
  /** Input pixels per feature-map cell. */
  stride: z.number().int().positive(),
});

export const BackboneManifestSchema = z.object({
  schemaVersion: z.literal(1),
  /** Stable identifier, stored in trained artifacts. */
  id: z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/, 'lower-case letters, digits, _ . -'),
  description: z.string().default(''),
  /** ONNX file, relative to the manifest's folder. */
  model: z.string().min(1),
  /** Hex sha256 of the ONNX file; checked at load when present. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/).optional(),
  input: z.object({
    name: z.string().min(1),
    /** Channel order the network expects. */
    colour: z.enum(['rgb', 'bgr']),
    layout: z.literal('NCHW').default('NCHW'),
    /** Network value = (pixel * scale - mean[c]) / std[c], pixel in 0..255. */
    scale: z.number().positive(),
    mean: z.tuple([z.number(), z.number(), z.number()]),
    std: z.tuple([z.number().positive(), z.number().positive(), z.number().positive()]),
    /** Height and width must be multiples of this (the deepest stride used). */
    multipleOf: z.number().int().positive().default(32),
  }),
  features: z.array(FeatureOutputSchema).min(1),
  /** Feature outputs PatchCore uses when a config names none (finest first); chosen by measurement. */
  recommendedLayers: z.array(z.string().min(1)).min(1).optional(),
  license: z.string().default('unknown'),
  provenance: z.string().default(''),
}).refine((m) => !m.recommendedLayers || m.recommendedLayers.every((l) => m.features.some((f) => f.name === l)), {
  message: 'recommendedLayers must name feature outputs',
  path: ['recommendedLayers'],
});

export type BackboneManifest = z.infer<typeof BackboneManifestSchema>;
export type FeatureOutput = z.infer<typeof FeatureOutputSchema>;
