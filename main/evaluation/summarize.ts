/**
 * One evaluation report from per-image records: overall metrics and the same metrics per defect
 * type, where each type is judged as "that type's defects vs all good images". Pure.
 */
import { StationFault } from '../common/result.js';
import { auroc, bestF1, confusionAt, thresholdAtFullRecall } from './metrics.js';
import type { BestF1, Confusion, FullRecall, Label } from './metrics.js';

export interface EvalRecord {
  readonly score: number;
  readonly label: Label;
  /** MVTec folder name, e.g. 'scratch_head'; ignored for good records (label 0). */
  readonly defectType?: string;
}

export interface GroupMetrics {
  readonly count: number;
  readonly defects: number;
  readonly goods: number;
  /** null when a class is empty. */
  readonly auroc: number | null;
  /** null when there is no defect. */
  readonly bestF1: BestF1 | null;
  /** null when there is no defect. */
  readonly fullRecall: FullRecall | null;
  /** Confusion at the report's threshold (shared by overall and every type: the station runs one threshold). */
  readonly atThreshold: Confusion | null;
}

export interface EvalSummary {
  /** The threshold used for `atThreshold`: the given one, else the overall full-recall threshold. */
  readonly threshold: number | null;
  readonly thresholdSource: 'given' | 'full-recall' | 'none';
  readonly overall: GroupMetrics;
  /** Keyed by defect type, sorted by name. */
  readonly perType: Readonly<Record<string, GroupMetrics>>;
}

/** Name used for defective records that carry no defectType. */
export const UNTYPED_DEFECT = 'defect';

function group(scores: number[], labels: Label[], threshold: number | null): GroupMetrics {
  let defects = 0;
  for (const l of labels) defects += l;
  const goods = labels.length - defects;
  return {
    count: labels.length,
    defects,
    goods,
    auroc: defects > 0 && goods > 0 ? auroc(scores, labels) : null,
    bestF1: defects > 0 ? bestF1(scores, labels) : null,
    fullRecall: defects > 0 ? thresholdAtFullRecall(scores, labels) : null,
    atThreshold: threshold === null ? null : confusionAt(scores, labels, threshold),
  };
}

export function summarize(records: readonly EvalRecord[], threshold?: number): EvalSummary {
  if (records.length === 0) throw new StationFault('invalid-input', 'summarize: no records');
  if (threshold !== undefined && Number.isNaN(threshold)) {
    throw new StationFault('invalid-input', 'summarize: threshold is NaN');
  }
  const scores = records.map((r) => r.score);
  const labels = records.map((r) => r.label);
  let used: number | null = threshold ?? null;
  let source: EvalSummary['thresholdSource'] = threshold === undefined ? 'none' : 'given';
  if (threshold === undefined && labels.includes(1)) {
    used = thresholdAtFullRecall(scores, labels).threshold;
    source = 'full-recall';
  }
  const overall = group(scores, labels, used);

  const goodScores: number[] = [];
  const byType = new Map<string, number[]>();
  for (const r of records) {
    if (r.label === 0) goodScores.push(r.score);
    else {
      const t = r.defectType ?? UNTYPED_DEFECT;
      let list = byType.get(t);
      if (!list) byType.set(t, (list = []));
      list.push(r.score);
    }
  }
  const perType: Record<string, GroupMetrics> = {};
  for (const t of [...byType.keys()].sort()) {
    const defectScores = byType.get(t) as number[];
    const s = [...defectScores, ...goodScores];
    const l: Label[] = [...defectScores.map((): Label => 1), ...goodScores.map((): Label => 0)];
    perType[t] = group(s, l, used);
  }
  return { threshold: used, thresholdSource: source, overall, perType };
}
