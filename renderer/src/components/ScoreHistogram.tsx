/**
 * Good vs defect score distributions of the model's validation images, with the threshold line.
 * Hand-written SVG (no chart library): one shared bin grid, good count in the left half of a bin, defect in the right. Clicking or dragging
 * on the plot moves the threshold, which is friendlier on a touchscreen than a thin slider alone.
 */
import { useMemo, useRef } from 'react';

export interface ScoredSample {
  readonly score: number;
  readonly label: 0 | 1;
}

interface Props {
  readonly samples: readonly ScoredSample[];
  readonly threshold: number;
  readonly domain: readonly [number, number];
  readonly onThreshold?: (t: number) => void;
  readonly bins?: number;
}

const W = 760;
const H = 300;
const M = { l: 48, r: 16, t: 14, b: 40 };

export function ScoreHistogram({ samples, threshold, domain, onThreshold, bins: binsProp }: Props) {
  // About two bins per sqrt(sample): enough resolution without a comb of one-sample bars.
  const bins = binsProp ?? Math.max(10, Math.min(40, Math.round(2 * Math.sqrt(samples.length))));
  const svgRef = useRef<SVGSVGElement>(null);
  const [lo, hi] = domain;
  const { good, defect, maxCount } = useMemo(() => {
    const g = new Array<number>(bins).fill(0);
    const d = new Array<number>(bins).fill(0);
    const span = hi - lo || 1;
    for (const s of samples) {
      const k = Math.min(bins - 1, Math.max(0, Math.floor(((s.score - lo) / span) * bins)));
      (s.label === 1 ? d : g)[k]++;
    }
    return { good: g, defect: d, maxCount: Math.max(1, ...g, ...d) };
  }, [samples, lo, hi, bins]);

  const pw = W - M.l - M.r;
  const ph = H - M.t - M.b;
  const x = (v: number) => M.l + ((v - lo) / (hi - lo || 1)) * pw;
  const y = (c: number) => M.t + ph - (c / maxCount) * ph;
  const bw = pw / bins;
  const xTicks = niceTicks(lo, hi, 6);
  const yTicks = niceTicks(0, maxCount, 4).filter((t) => Number.isInteger(t));

  const fromPointer = (clientX: number) => {
    const svg = svgRef.current;
    if (!svg || !onThreshold) return;
    const r = svg.getBoundingClientRect();
    const px = ((clientX - r.left) / r.width) * W;
    const v = lo + ((px - M.l) / pw) * (hi - lo);
    onThreshold(Math.min(hi, Math.max(lo, v)));
  };

  return (
    <svg
      ref={svgRef}
      className="chart histogram"
      viewBox={`0 0 ${W} ${H}`}
      role="img"
      aria-label="Score distributions of good and defect validation images"
      onPointerDown={(e) => {
        (e.currentTarget as SVGSVGElement).setPointerCapture(e.pointerId);
        fromPointer(e.clientX);
      }}
      onPointerMove={(e) => {
        if (e.buttons & 1) fromPointer(e.clientX);
      }}
    >
      <g className="grid">
        {yTicks.map((t) => (
          <line key={t} x1={M.l} x2={W - M.r} y1={y(t)} y2={y(t)} />
        ))}
      </g>
      {good.map((c, i) =>
        c > 0 ? <rect key={`g${i}`} className="good" x={M.l + i * bw + 1} width={bw / 2 - 1} y={y(c)} height={M.t + ph - y(c)} /> : null,
      )}
      {defect.map((c, i) =>
        c > 0 ? <rect key={`d${i}`} className="defect" x={M.l + i * bw + bw / 2} width={bw / 2 - 1} y={y(c)} height={M.t + ph - y(c)} /> : null,
      )}
      <g className="axis">
        <line x1={M.l} x2={W - M.r} y1={M.t + ph} y2={M.t + ph} />
        <line x1={M.l} x2={M.l} y1={M.t} y2={M.t + ph} />
        {xTicks.map((t) => (
          <text key={t} x={x(t)} y={H - M.b + 18} textAnchor="middle">
            {fmtTick(t)}
          </text>
        ))}
        {yTicks.map((t) => (
          <text key={t} x={M.l - 8} y={y(t) + 4} textAnchor="end">
            {t}
          </text>
        ))}
        <text x={M.l + pw / 2} y={H - 4} textAnchor="middle">
          anomaly score
        </text>
      </g>
      {threshold >= lo && threshold <= hi ? (
        <g>
          <line className="thr" x1={x(threshold)} x2={x(threshold)} y1={M.t - 4} y2={M.t + ph} />
          <text
            className="lbl thr-lbl"
            x={x(threshold) > M.l + pw * 0.75 ? x(threshold) - 6 : x(threshold) + 6}
            y={M.t + 10}
            textAnchor={x(threshold) > M.l + pw * 0.75 ? 'end' : 'start'}
          >
            NG ≥ {fmtTick(threshold)}
          </text>
        </g>
      ) : null}
    </svg>
  );
}

/** Round tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count: number): number[] {
  const span = hi - lo;
  if (!(span > 0) || !Number.isFinite(span)) return [lo];
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => span / s <= count) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

export function fmtTick(v: number): string {
  const a = Math.abs(v);
  if (a === 0) return '0';
  if (a >= 1000 || a < 0.01) return v.toExponential(1);
  return Number(v.toPrecision(3)).toString();
}
