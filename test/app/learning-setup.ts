/** The learning tests' common start: a small screw category and an engine with a model trained on it. */
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createEngine, type Engine } from '../../main/services/engine.js';
import type { ModelSummary } from '../../main/common/api.js';
import { SCREW } from '../helpers.js';

export const copyFile = (from: string, to: string): void => {
  mkdirSync(join(to, '..'), { recursive: true });
  copyFileSync(from, to);
};

export const failOnJobError = (j: { error: { kind: string; message: string } | null }): void => {
  if (j.error) throw Object.assign(new Error(j.error.message), j.error);
};

/**
 * `root/screw` (train/good 000-005; test/good and test/scratch_neck 000-001 as validation), an engine on
 * `root/data`, and the model trained on it (384 x 160 canvas: fast), active.
 */
export async function engineWithSixScrews(root: string): Promise<{ engine: Engine; dataDir: string; v1: ModelSummary }> {
  const cat = join(root, 'screw');
  for (const n of ['000', '001', '002', '003', '004', '005']) copyFile(join(SCREW, 'train', 'good', `${n}.png`), join(cat, 'train', 'good', `${n}.png`));
  for (const n of ['000', '001']) {
    copyFile(join(SCREW, 'test', 'good', `${n}.png`), join(cat, 'test', 'good', `${n}.png`));
    copyFile(join(SCREW, 'test', 'scratch_neck', `${n}.png`), join(cat, 'test', 'scratch_neck', `${n}.png`));
  }
  const dataDir = join(root, 'data');
  const engine = await createEngine({ dataDir, shell: 'browser', bootstrap: false });
  const config = { registration: { width: 384, height: 160 } };
  failOnJobError(await engine.jobs.wait((await engine.api.models.train({ goodFolder: cat, name: 'six screws', config, activate: true } as never)).jobId));
  return { engine, dataDir, v1: (await engine.api.models.active())! };
}
