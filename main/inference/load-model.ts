/**
 * Opens any trained model folder: PatchCore and supervised models by the kind recorded in their model.json,
 * detectors (imported RTMDet / YOLOv8 exports) by their manifest.json.
 */
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { StationFault } from '../common/result.js';
import type { InspectionModel } from './model.js';
import { loadPatchCore } from './patchcore/artifact.js';
import { loadSupervisedModel } from './supervised/artifact.js';
import { loadDetector } from './detector/detector.js';
import type { ProviderName } from './execution-provider.js';

type Loader = (dir: string, provider?: ProviderName) => Promise<InspectionModel>;

const loaders: Readonly<Record<string, Loader>> = { patchcore: loadPatchCore, supervised: loadSupervisedModel };

export async function loadModel(dir: string, provider?: ProviderName): Promise<InspectionModel> {
  const modelJson = join(dir, 'model.json');
  if (!existsSync(modelJson) && existsSync(join(dir, 'manifest.json'))) return loadDetector(dir, provider);
  let kind: unknown;
  try {
    // PatchCore writes `kind` at the top level, the supervised model inside `info`.
    const json = JSON.parse(await readFile(modelJson, 'utf8')) as { kind?: unknown; info?: { kind?: unknown } };
    kind = json.kind ?? json.info?.kind;
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') throw new StationFault('not-found', `no model at ${dir} (missing model.json)`);
    throw new StationFault('bad-model', `${modelJson} is not valid JSON`);
  }
  const loader = typeof kind === 'string' ? loaders[kind] : undefined;
  if (!loader) throw new StationFault('bad-model', `${dir}: unknown model kind ${JSON.stringify(kind)} (known: ${Object.keys(loaders).join(', ')}, detector)`);
  return loader(dir, provider);
}
