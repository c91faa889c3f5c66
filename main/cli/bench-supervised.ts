/**
 * The supervised part of `npm run bench`: seconds to train the supervised defect model as `station experiment
 * --model supervised` does (10 annotated images of one defect type, masks from ground_truth, plus the first 20
 * good training images), with the default options. Decoding is not counted, training is.
 */
import { listMvtec } from '../dataset/mvtec.js';
import { decodeImage } from '../node/image-io.js';
import { maskFromImage } from '../inference/supervised/labels.js';
import { trainSupervised, type SupervisedSample } from '../inference/supervised/train.js';
import { selectTrainImages } from '../experiment/patchcore-experiment.js';
import { spread } from '../experiment/supervised-experiment.js';
import { StationFault } from '../common/result.js';

export async function benchSupervisedTraining(dir: string, opts: { defect: string; defects: number; good: number }): Promise<{ trainSeconds: number; defectImages: number; goodImages: number }> {
  const listing = await listMvtec(dir);
  const defects = listing.test.filter((i) => i.defectType === opts.defect).sort((a, b) => a.name.localeCompare(b.name));
  if (defects.length === 0) throw new StationFault('invalid-input', `no ${opts.defect} images in ${dir}/test`);
  const samples: SupervisedSample[] = [];
  for (const i of spread(defects.length, Math.min(opts.defects, defects.length))) {
    const d = defects[i]!;
    if (!d.maskPath) throw new StationFault('invalid-input', `${d.path} has no ground-truth mask`);
    samples.push({ name: d.name, image: await decodeImage(d.path), mask: maskFromImage(await decodeImage(d.maskPath, { channels: 1 })) });
  }
  for (const g of selectTrainImages(listing.train, opts.good)) samples.push({ name: g.name, image: await decodeImage(g.path) });
  const t0 = performance.now();
  const model = await trainSupervised(samples, { label: opts.defect });
  const trainSeconds = (performance.now() - t0) / 1000;
  await model.dispose();
  return { trainSeconds, defectImages: samples.length - opts.good, goodImages: opts.good };
}
