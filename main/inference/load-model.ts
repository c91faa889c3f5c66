/** Opens any trained model folder by the kind recorded in its model.json. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StationFault } from '../common/result.js';
import type { InspectionModel } from './model.js';
import { loadPatchCore } from './patchcore/artifact.js';
import type { ProviderName } from './execution-provider.js';

type Loader = (dir: string, provider?: ProviderName) => Promise<InspectionModel>;

const loaders: Record<string, Loader> = { patchcore: loadPatchCore };

/** Lets other model kinds (supervised, detector) register their loader without this module importing them. */
export function registerModelLoader(kind: string, loader: Loader): void {
  loaders[kind] = loader;
}

export async function loadModel(dir: string, provider?: ProviderName): Promise<InspectionModel> {
  let kind: unknown;
  try {
    kind = (JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as { kind?: unknown }).kind;
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') throw new StationFault('not-found', `no model at ${dir} (missing model.json)`);
    throw new StationFault('bad-model', `${join(dir, 'model.json')} is not valid JSON`);
  }
  const loader = typeof kind === 'string' ? loaders[kind] : undefined;
  if (!loader) throw new StationFault('bad-model', `${dir}: unknown model kind ${JSON.stringify(kind)} (known: ${Object.keys(loaders).join(', ')})`);
  return loader(dir, provider);
}
