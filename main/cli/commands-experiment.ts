/** `station experiment`: the reference experiment, every variant, our figures beside the reference's. */
import { Command, Option } from 'commander';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepareVariants } from '../experiment/prepare.js';
import { PROTOCOLS, runPatchCoreVariant, type Protocol, type VariantResult } from '../experiment/patchcore-experiment.js';
import { runSupervisedVariant } from '../experiment/supervised-experiment.js';
import { DEFAULT_VARIANTS, REFERENCE } from '../experiment/reference.js';
import { configFromFlags, intOption, listOption, patchCoreFlags, type ModelFlags } from './options.js';
import { progressPrinter, table, writeJson } from './output.js';
import { sharedDir } from '../node/paths.js';
import { benchmarkBackbone } from './options.js';
import { runFeedbackCommand } from './commands-feedback.js';

interface ExperimentFlags extends ModelFlags {
  data: string;
  defect: string;
  train: number;
  protocol: Protocol;
  variants: string[];
  seed: number;
  work?: string;
  json?: string;
  quiet?: boolean;
  model: 'patchcore' | 'supervised' | 'both';
  trainDefects: number;
  feedback?: number;
  cover?: number;
  subsets?: number;
  rechoose?: boolean;
  protect: boolean;
  reach?: boolean;
}

export function experimentCommand(): Command {
  const cmd = new Command('experiment')
    .description('run the reference experiment: generate each dataset variant, train on normal images, test, and compare with the reference figures')
    .option('--data <dir>', 'MVTec-layout folder', sharedDir('datasets', 'mvtec-screw'))
    .option('--defect <type>', "defect type to test, or 'all'", 'scratch_neck')
    .option('--train <n>', 'number of normal training images (first by name)', intOption('train', 1), 20)
    .addOption(new Option('--protocol <p>', "'seed': first 5 good + first 5 defect images; 'full': every test image; 'even' / 'odd': every other one by name within each folder (choose settings on one half, report on the other)").choices([...PROTOCOLS]).default('full'))
    .option('--variants <list>', 'dataset variants, e.g. original,misalignment+brightness', listOption, [...DEFAULT_VARIANTS])
    .option('--seed <n>', 'seed of the dataset generator', intOption('seed'), 0)
    .option('--work <dir>', 'where generated variants are written (reused when unchanged)')
    .addOption(new Option('--model <kind>', 'patchcore (normal images only), supervised (annotated defects + normal images), or both').choices(['patchcore', 'supervised', 'both']).default('patchcore'))
    .option('--train-defects <n>', 'supervised: annotated defect images to train on (spread over the defect type; never tested)', intOption('train-defects', 1), 10)
    .option('--feedback <n>', 'learning on the line: learn up to n falsely rejected good images from train/good beyond --train, print false rejects and recall before/after', intOption('feedback', 1))
    .option('--subsets <k>', '--feedback: repeat on k disjoint training sets of --train images (train/good by name) and sum the figures', intOption('subsets', 1))
    .option('--rechoose', '--feedback: each learned version gets its threshold at recall = 1 on validation, promoted when it rejects no more validation good parts')
    .option('--no-protect', "--feedback: learn without protecting the validation defects' scoring patches (the station protects them)")
    .option('--reach', '--feedback: then learn each good candidate alone and name those that would take a still-rejected test good part below the threshold (rejected or not)')
    .option('--cover <f>', '--feedback: learn until the part is within f x threshold of the bank (default 0.75, as the station; 0 = down to the coreset radius)', (v) => Number(v))
    .option('--json <file>', 'write machine-readable results')
    .option('--quiet', 'no progress output');
  patchCoreFlags(cmd);
  return cmd.action(async (f: ExperimentFlags) => {
    const progress = progressPrinter(f.quiet);
    if (f.feedback !== undefined) return runFeedbackCommand({ ...f, feedback: f.feedback }, { backbone: await benchmarkBackbone(), ...configFromFlags(f) }, progress);
    const work = f.work ?? join(tmpdir(), `station-experiment-seed${f.seed}`);
    const dirs = await prepareVariants({ source: f.data, work, variants: f.variants, seed: f.seed, trainLimit: f.train, onProgress: progress });
    const config = { backbone: await benchmarkBackbone(), ...configFromFlags(f) };
    const results: VariantResult[] = [];
    for (const [variant, dir] of Object.entries(dirs)) {
      if (f.model !== 'supervised') {
        results.push(await runPatchCoreVariant({ dir, variant, defect: f.defect, train: f.train, protocol: f.protocol, config, onProgress: progress }));
      }
      if (f.model !== 'patchcore') {
        results.push(await runSupervisedVariant({ dir, variant, defect: f.defect, train: f.train, trainDefects: f.trainDefects, protocol: f.protocol, onProgress: progress }));
      }
    }
    console.log(experimentTable(results));
    console.log(`\n${f.protocol} protocol, defect ${f.defect}, ${f.train} normal training images${f.model !== 'patchcore' ? ` (+ ${f.trainDefects} annotated defect images for the supervised model)` : ''}, data ${f.data}`);
    if (f.json) {
      await writeJson(f.json, {
        command: process.argv.slice(2).join(' '),
        protocol: f.protocol, defect: f.defect, train: f.train, seed: f.seed, model: f.model, trainDefects: f.trainDefects, config,
        variants: results.map((r) => ({ ...r, reference: REFERENCE[r.variant]?.[r.model === 'patchcore' ? 'patchcore' : 'detector'] ?? null })),
      });
    }
  });
}

export function experimentTable(results: readonly VariantResult[]): string {
  return table(
    ['variant', 'model', 'AUROC', 'ref', 'P@R=1', 'ref', 'thr@R=1', 'best F1', 'pixel AUROC', 'good', 'defect', 'train s', 'ms/img'],
    results.map((r) => {
      const ref = REFERENCE[r.variant]?.[r.model === 'patchcore' ? 'patchcore' : 'detector'];
      return [r.variant, r.model, r.auroc, ref?.auroc ?? null, r.precisionAtFullRecall, ref?.precisionAtFullRecall ?? null, r.thresholdAtFullRecall, r.f1, r.pixelAuroc, r.nGood, r.nDefect, r.trainSeconds, r.medianInferMs];
    }),
  );
}
