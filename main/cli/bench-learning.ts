/** `npm run bench` line for learning on the line: one image learned as good into a trained PatchCore bank. */
import { decodeImage } from '../node/image-io.js';
import { concatRows, learnGood, scoringPatches } from '../inference/patchcore/incremental.js';
import type { PatchCoreModel } from '../inference/patchcore/model.js';
import { median } from '../experiment/patchcore-experiment.js';

/**
 * Learns `images` one after another (each on the bank the previous one made), as an operator marking false
 * rejects would, down to the coreset radius (no coverTo: the most patches added, the slowest case), with the scoring
 * patches of `defects` protected as the station protects its validation defects (their features are taken before
 * the clock starts, as the station's job takes them while scoring the validation set); prints the median time per
 * image (decoded image to a new model ready to inspect) and its stages.
 * Leaves `model` usable: the learned models' searches are released, the shared extractor is not.
 */
export async function printLearningBench(model: PatchCoreModel, images: readonly string[], defects: readonly string[]): Promise<void> {
  const blocks: Float32Array[] = [];
  for (const f of defects) blocks.push(await scoringPatches(model, await model.extractor.extract(await decodeImage(f, { channels: 1 }))));
  const protect = concatRows(blocks);
  let current = model;
  const ms: number[] = [];
  const stages: Record<string, number[]> = {};
  let bank = '';
  for (const [i, file] of images.entries()) {
    const img = await decodeImage(file, { channels: 1 });
    const { model: next, report } = await learnGood(current, [img], { id: `bench-learn-${i}`, protect });
    if (current !== model) await current.disposeSearch();
    current = next;
    ms.push(report.ms);
    for (const [k, v] of Object.entries(report.stages)) (stages[k] ??= []).push(v);
    bank = `bank ${model.bank.count} -> ${report.bankSize} (+${report.added} -${report.dropped}); ${defects.length} defects protected (${protect.length / model.bank.dim} patches)`;
  }
  if (current !== model) await current.disposeSearch();
  const stageText = Object.entries(stages).map(([k, v]) => `${k} ${median(v).toFixed(0)}`).join(', ');
  console.log(`learn as good: median ${(median(ms) / 1000).toFixed(2)} s per image over ${ms.length} images (max ${(Math.max(...ms) / 1000).toFixed(2)} s; ${stageText} ms; ${bank})`);
}
