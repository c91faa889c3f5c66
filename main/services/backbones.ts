/** Which backbones are installed, which is the default, and which feature layers PatchCore uses on each. */
import { readdir, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { BackboneInfo } from '../common/api.js';
import { nativeModelsDir } from '../node/paths.js';

/** Preference order for the default (the first one installed wins); the first is DEFAULT_BACKBONE. */
export const PREFERRED_BACKBONES = ['mobilenet_v2_imagenet', 'nsfwjs_mobilenet_v2'] as const;

/** PatchCore layers per known backbone: a mid-level (stride 8) and a deeper (stride 16) map, as in the paper. */
const LAYERS: Record<string, string[]> = {
  nsfwjs_mobilenet_v2: ['feat_block_6_expand_relu', 'feat_block_10_expand_relu'],
  // One layer: as accurate as feat_s8 + feat_s16 and 3-4x cheaper to search (README, Results).
  mobilenet_v2_imagenet: ['feat_s8'],
};

interface ManifestLite {
  id?: string;
  description?: string;
  model?: string;
  license?: string;
  features?: { name: string; stride: number; channels: number }[];
}

async function readManifest(id: string): Promise<ManifestLite | null> {
  try {
    return JSON.parse(await readFile(nativeModelsDir(id, 'manifest.json'), 'utf8')) as ManifestLite;
  } catch {
    return null;
  }
}

export async function listBackbones(): Promise<BackboneInfo[]> {
  const out: BackboneInfo[] = [];
  for (const name of (await readdir(nativeModelsDir()).catch(() => [] as string[])).sort()) {
    const m = await readManifest(name);
    if (!m) continue;
    out.push({
      id: m.id ?? name,
      description: m.description ?? '',
      available: !!m.model && existsSync(resolve(nativeModelsDir(name), m.model)),
      license: m.license,
    });
  }
  return out;
}

export async function defaultBackbone(): Promise<string | null> {
  const all = await listBackbones();
  for (const id of PREFERRED_BACKBONES) if (all.some((b) => b.id === id && b.available)) return id;
  return all.find((b) => b.available)?.id ?? null;
}

/** Layers for PatchCore on `backbone`: known table, else the widest stride-8 and stride-16 outputs. */
export async function patchCoreLayers(backbone: string): Promise<string[] | undefined> {
  if (LAYERS[backbone]) return LAYERS[backbone];
  const m = await readManifest(backbone);
  const feats = m?.features ?? [];
  const widest = (s: number) => feats.filter((f) => f.stride === s).sort((a, b) => b.channels - a.channels)[0]?.name;
  const layers = [widest(8), widest(16)].filter((x): x is string => !!x);
  return layers.length ? layers : undefined;
}
