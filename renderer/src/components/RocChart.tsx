/** ROC curve (false-reject rate vs recall) with the current operating point. Hand-written SVG. */
import type { RocCurve } from '../../../main/evaluation/metrics.js';

interface Props {
  readonly roc: RocCurve;
  /** Current operating point: false-positive rate and true-positive rate at the threshold. */
  readonly point: { readonly fpr: number; readonly tpr: number };
  readonly auroc: number;
}

const S = 420;
const M = { l: 56, r: 14, t: 14, b: 46 };

export function RocChart({ roc, point, auroc }: Props) {
  const pw = S - M.l - M.r;
  const ph = S - M.t - M.b;
  const x = (v: number) => M.l + v * pw;
  const y = (v: number) => M.t + ph - v * ph;
  const d = roc.fpr.map((f, i) => `${i === 0 ? 'M' : 'L'}${x(f).toFixed(1)},${y(roc.tpr[i]).toFixed(1)}`).join(' ');
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  return (
    <svg className="chart roc-chart" viewBox={`0 0 ${S} ${S}`} role="img" aria-label={`ROC curve, AUROC ${auroc.toFixed(3)}`}>
      <g className="grid">
        {ticks.map((t) => (
          <line key={`h${t}`} x1={M.l} x2={M.l + pw} y1={y(t)} y2={y(t)} />
        ))}
        {ticks.map((t) => (
          <line key={`v${t}`} x1={x(t)} x2={x(t)} y1={M.t} y2={M.t + ph} />
        ))}
      </g>
      <line className="diag" x1={x(0)} y1={y(0)} x2={x(1)} y2={y(1)} />
      <path className="roc" d={d} />
      <circle className="op" cx={x(point.fpr)} cy={y(point.tpr)} r={6} />
      <g className="axis">
        <line x1={M.l} x2={M.l + pw} y1={M.t + ph} y2={M.t + ph} />
        <line x1={M.l} x2={M.l} y1={M.t} y2={M.t + ph} />
        {ticks.map((t) => (
          <text key={`x${t}`} x={x(t)} y={M.t + ph + 18} textAnchor="middle">
            {t}
          </text>
        ))}
        {ticks.map((t) => (
          <text key={`y${t}`} x={M.l - 6} y={y(t) + 4} textAnchor="end">
            {t}
          </text>
        ))}
        <text x={M.l + pw / 2} y={S - 4} textAnchor="middle">
          false-reject rate (good parts NG)
        </text>
      </g>
      <text className="lbl" x={M.l + pw - 4} y={M.t + ph - 8} textAnchor="end">
        AUROC {auroc.toFixed(3)}
      </text>
      <text className="lbl" transform={`translate(14 ${M.t + ph / 2}) rotate(-90)`} textAnchor="middle">
        recall (defects caught)
      </text>
    </svg>
  );
}
