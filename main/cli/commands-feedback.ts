/** `station experiment --feedback N`: false rejects before/after learning up to N falsely rejected good images. */
import { runFeedbackExperiment, type FeedbackFigures, type FeedbackResult } from '../experiment/feedback-experiment.js';
import type { PatchCoreConfig } from '../inference/patchcore/index.js';
import type { DeepPartial } from '../inference/patchcore/config.js';
import type { Progress } from '../common/types.js';
import { table, writeJson } from './output.js';

const pct = (x: number): string => `${(100 * x).toFixed(1)} %`;

export function feedbackTable(r: FeedbackResult): string {
  const row = (name: string, t: number, f: FeedbackFigures): (string | number)[] => [
    name, t, f.bankSize, `${f.testFalseRejects}/${f.testGood} = ${pct(f.testFalseRejectRate)}`, pct(f.testRecall), pct(f.validationRecall), pct(f.validationFalseRejectRate),
  ];
  return table(
    ['model', 'threshold', 'bank', 'test false rejects', 'test recall', 'val recall', 'val FRR'],
    [row('before', r.threshold, r.before), row(`after ${r.learned.length} learned`, r.threshold, r.after), row('after, threshold re-chosen', r.recalibrated.threshold, r.recalibrated)],
  );
}

export async function runFeedbackCommand(f: { data: string; train: number; feedback: number; cover?: number; json?: string }, config: DeepPartial<PatchCoreConfig>, progress: (p: Progress) => void): Promise<void> {
  const r = await runFeedbackExperiment({ dir: f.data, train: f.train, feedback: f.feedback, cover: f.cover, config, onProgress: progress });
  console.log(feedbackTable(r));
  console.log(
    `\nlearned ${r.learned.length} of ${r.candidatesRejected} falsely rejected good images (train/good beyond the first ${f.train}: ${r.candidates}); ` +
      `learning took ${r.learned.map((l) => (l.ms / 1000).toFixed(2)).join(', ')} s each`,
  );
  for (const x of r.refused) console.log(`  ${x.name}: not promoted, ${x.validationEscapes} validation defect(s) would escape`);
  for (const l of r.learned) console.log(`  ${l.name}: score ${l.scoreBefore.toFixed(3)} -> ${l.scoreAfter.toFixed(3)}, +${l.added} patches, -${l.dropped}`);
  console.log(
    `threshold at recall = 1 on the validation half of test/ (${r.split.validationGood} good, ${r.split.validationDefects} defects); ` +
      `figures on the other half (${r.split.testGood} good, ${r.split.testDefects} defects); data ${f.data}`,
  );
  if (f.json) await writeJson(f.json, { command: process.argv.slice(2).join(' '), config, ...r });
}
