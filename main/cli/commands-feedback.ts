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
    [row('before', r.threshold, r.before), row(`after ${r.learned.length} learned`, r.thresholdAfter, r.after), row('after, threshold re-chosen', r.recalibrated.threshold, r.recalibrated)],
  );
}

/** One row per training subset and their sum: false rejects and recall on the test half before and after learning. */
export function subsetsTable(rs: readonly { from: number; r: FeedbackResult }[], train: number): string {
  const name = (n: number): string => String(n).padStart(3, '0');
  const sum = (f: (r: FeedbackResult) => number): number => rs.reduce((s, x) => s + f(x.r), 0);
  const frs = (a: number, b: number, n: number): string => `${a}/${n} -> ${b}/${n}`;
  const missed = (f: FeedbackFigures): number => f.testDefectsMissed.length;
  const vfr = (f: FeedbackFigures): number => Math.round(f.validationFalseRejectRate * rs[0]!.r.split.validationGood);
  const row = (label: string, thr: string, learned: string, get: (f: (r: FeedbackResult) => number) => number): (string | number)[] => [
    label, thr, learned,
    frs(get((r) => r.before.testFalseRejects), get((r) => r.after.testFalseRejects), get((r) => r.before.testGood)),
    frs(get((r) => missed(r.before)), get((r) => missed(r.after)), get((r) => r.before.testDefects)),
    frs(get((r) => vfr(r.before)), get((r) => vfr(r.after)), get((r) => r.split.validationGood)),
    `${get((r) => r.recalibrated.testFalseRejects)}/${get((r) => r.before.testGood)}, ${get((r) => missed(r.recalibrated))} missed`,
  ];
  return table(
    ['training images', 'threshold', 'learned', 'test false rejects', 'test defects missed', 'validation false rejects', 're-chosen: FR, missed'],
    [
      ...rs.map(({ from, r }) => row(`${name(from)}-${name(from + train - 1)}`, r.thresholdAfter === r.threshold ? r.threshold.toFixed(3) : `${r.threshold.toFixed(3)} -> ${r.thresholdAfter.toFixed(3)}`, `${r.learned.length} of ${r.candidatesRejected}`, (f) => f(r))),
      row('all', '', `${sum((r) => r.learned.length)} of ${sum((r) => r.candidatesRejected)}`, sum),
    ],
  );
}

/** `--reach`: which good images, learned alone into the final model, would take each still-rejected test good part below the threshold. */
function printReach(r: FeedbackResult, prefix = ''): void {
  for (const x of r.reach ?? []) {
    const helpers = x.helpers.map((h) => `${h.name} (${h.candidateScore.toFixed(3)}, ${h.rejected ? 'rejected' : 'accepted'}; -> ${h.scoreAfter.toFixed(3)}${h.testDefectsMissed.length ? `, ${h.testDefectsMissed.length} test defect(s) missed` : ''})`);
    console.log(`${prefix}reach: ${x.testGood} (${x.score.toFixed(3)}) falls below the threshold when one of these is learned: ${helpers.length ? helpers.join('; ') : 'none'}`);
  }
}

export async function runFeedbackCommand(f: { data: string; train: number; feedback: number; cover?: number; rechoose?: boolean; protect?: boolean; reach?: boolean; subsets?: number; json?: string }, config: DeepPartial<PatchCoreConfig>, progress: (p: Progress) => void): Promise<void> {
  if (f.subsets !== undefined && f.subsets > 1) return runSubsets({ ...f, subsets: f.subsets }, config, progress);
  const r = await runFeedbackExperiment({ dir: f.data, train: f.train, feedback: f.feedback, cover: f.cover, rechoose: f.rechoose, protect: f.protect, reach: f.reach, config, onProgress: progress });
  console.log(feedbackTable(r));
  console.log(
    `\nlearned ${r.learned.length} of ${r.candidatesRejected} falsely rejected good images (train/good beyond the first ${f.train}: ${r.candidates}); ` +
      `learning took ${r.learned.map((l) => (l.ms / 1000).toFixed(2)).join(', ')} s each`,
  );
  for (const x of r.refused) console.log(`  ${x.name}: not promoted, ${x.validationEscapes > 0 ? `${x.validationEscapes} validation defect(s) would escape` : 'more validation good parts rejected at its threshold'}`);
  for (const l of r.learned) console.log(`  ${l.name}: score ${l.scoreBefore.toFixed(3)} -> ${l.scoreAfter.toFixed(3)}, +${l.added} patches, -${l.dropped}${l.withheld ? `, ${l.withheld} withheld (near a validation defect's scoring patch)` : ''}`);
  const list = (names: readonly string[]): string => (names.length ? names.join(', ') : 'none');
  console.log(`test good parts rejected before: ${list(r.before.testGoodRejected)}; after: ${list(r.after.testGoodRejected)}`);
  console.log(`test defects missed before: ${list(r.before.testDefectsMissed)}; after: ${list(r.after.testDefectsMissed)}`);
  printReach(r);
  console.log(
    `threshold at recall = 1 on the validation half of test/ (${r.split.validationGood} good, ${r.split.validationDefects} defects); ` +
      `figures on the other half (${r.split.testGood} good, ${r.split.testDefects} defects); data ${f.data}`,
  );
  if (f.json) await writeJson(f.json, { command: process.argv.slice(2).join(' '), config, ...r });
}

/** `--subsets K`: the same experiment on K disjoint training sets (train/good by name: 0..n-1, n..2n-1, ...), each learning from all other train/good images. */
async function runSubsets(f: { data: string; train: number; feedback: number; cover?: number; rechoose?: boolean; protect?: boolean; reach?: boolean; subsets: number; json?: string }, config: DeepPartial<PatchCoreConfig>, progress: (p: Progress) => void): Promise<void> {
  const rs: { from: number; r: FeedbackResult }[] = [];
  for (let k = 0; k < f.subsets; k++) {
    const from = k * f.train;
    rs.push({ from, r: await runFeedbackExperiment({ dir: f.data, train: f.train, trainFrom: from, feedback: f.feedback, cover: f.cover, rechoose: f.rechoose, protect: f.protect, reach: f.reach, config, onProgress: progress }) });
  }
  console.log(subsetsTable(rs, f.train));
  for (const { from, r } of rs) printReach(r, `${String(from).padStart(3, '0')}-${String(from + f.train - 1).padStart(3, '0')} `);
  const r0 = rs[0]!.r;
  console.log(
    `\nup to ${f.feedback} falsely rejected good images of train/good (outside the training set) learned per training set; threshold at recall = 1 on the validation half of test/ ` +
      `(${r0.split.validationGood} good, ${r0.split.validationDefects} defects), ${f.rechoose ? 're-chosen for each learned version' : 'kept after learning'} (last column: re-chosen once with the final model); ` +
      `figures on the other half (${r0.split.testGood} good, ${r0.split.testDefects} defects); data ${f.data}`,
  );
  if (f.json) await writeJson(f.json, { command: process.argv.slice(2).join(' '), config, subsets: rs });
}
