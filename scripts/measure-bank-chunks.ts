/**
 * Bytes on disk of model versions in the shared chunk store (issue 12): the default model on train/good 000-019,
 * then train/good 020-022 learned one after another, each saved as a version of the one before.
 *   node --import tsx scripts/measure-bank-chunks.ts [--radius]   (--radius: learn down to the coreset radius)
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { savePatchCore, trainPatchCore } from '../main/inference/patchcore/index.js';
import { LEARN_COVER_FRACTION, learnGood } from '../main/inference/patchcore/incremental.js';
import { CHUNK_DIR_NAME } from '../main/inference/patchcore/bank-chunks.js';
import { decodeImage } from '../main/node/image-io.js';
import { screwImages } from '../test/helpers.js';

const radius = process.argv.includes('--radius');
const root = mkdtempSync(join(tmpdir(), 'measure-chunks-'));
const models = join(root, 'models');
const chunkDir = join(models, CHUNK_DIR_NAME);
const size = (d: string) => readdirSync(d).reduce((n, f) => n + statSync(join(d, f)).size, 0);
try {
  const { model } = await trainPatchCore({ images: screwImages('train').slice(0, 20) });
  await savePatchCore(model, join(root, 'whole'));
  await savePatchCore(model, join(models, 'v0'), { chunkDir });
  console.log(`trained (bank ${model.bank.count} x ${model.bank.dim}): whole-file folder ${size(join(root, 'whole'))} B; chunk store ${size(chunkDir)} B + model.json ${size(join(models, 'v0'))} B`);
  let prev = join(models, 'v0');
  let cur = model;
  for (const n of [20, 21, 22]) {
    const img = await decodeImage(screwImages('train')[n]!, { channels: 1 });
    const r = await learnGood(cur, [img], { id: `l${n}`, ...(radius ? {} : { coverTo: LEARN_COVER_FRACTION * model.info.defaultThreshold }) });
    const dir = join(models, `l${n}`);
    const before = size(chunkDir);
    await savePatchCore(r.model, dir, { chunkDir, base: prev });
    console.log(`learned train/good ${n}: +${r.report.added} rows -> bank ${r.model.bank.count}; the version writes ${size(chunkDir) - before} B of chunks + model.json ${size(dir)} B`);
    prev = dir;
    cur = r.model;
  }
  console.log(`4 versions: chunk store ${size(chunkDir)} B (4 whole-file folders would be about ${4 * size(join(root, 'whole'))} B)`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
process.exit(0);
