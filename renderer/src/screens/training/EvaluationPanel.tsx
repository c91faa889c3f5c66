import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { EvaluateResult, EvaluationPreview, ValidationScoreDto } from '../../../../main/common/api.js';
import { useStation } from '../../connection.js';
import { fmtPct, fmtScore } from '../../lib/hooks.js';
import { usePersistent } from '../../lib/persist.js';

/**
 * Results of an evaluation (or of training's validation): metrics, then the good row and the defect row. With
 * previews (sent by an evaluation) each cell is the frame with its heatmap on the station's fixed scale and the
 * boxes; without (training's validation scores), thumbnails and scores, and "Show heatmaps" evaluates the folder.
 */
export function EvaluationPanel({
  evaluation,
  rendering,
  onRender,
}: {
  evaluation: (EvaluateResult & { folder?: string }) | null;
  rendering: boolean;
  onRender: (e: EvaluateResult & { folder?: string }) => void;
}) {
  const { mediaUrl } = useStation();
  const [opacity, setOpacity] = usePersistent('grid.opacity', 0.55);
  const { t } = useTranslation();
  const previews = evaluation?.previews?.length ? evaluation.previews : undefined;
  const byClass = useMemo(() => {
    const good: (EvaluationPreview | ValidationScoreDto)[] = [];
    const bad: (EvaluationPreview | ValidationScoreDto)[] = [];
    for (const s of previews ?? evaluation?.scores ?? []) (s.label === 1 ? bad : good).push(s);
    return { good: good.slice(0, 12), bad: bad.slice(0, 12) };
  }, [evaluation, previews]);
  if (!evaluation) {
    return (
      <div className="panel">
        <h2>{t('training.results')}</h2>
        <div className="muted small">{t('training.resultsEmpty')}</div>
      </div>
    );
  }
  const m = evaluation.metrics;
  const keys = Object.keys(m).filter((k) => typeof m[k] === 'number');
  const cell = (s: EvaluationPreview | ValidationScoreDto, i: number) => (
    <div key={i} className={`img-cell ${s.label ? 'ng' : 'ok'}`} data-testid="grid-cell" title={s.path ?? s.name}>
      {'frame' in s ? (
        <div className="stacked">
          <img src={mediaUrl(s.frame)} alt={s.name} />
          {s.heatmap ? <img src={mediaUrl(s.heatmap)} alt="" className="heat" data-testid="grid-heat" style={{ opacity }} /> : null}
          {s.boxes.length ? (
            <svg viewBox={`0 0 ${s.width} ${s.height}`} style={{ position: 'absolute', inset: 0, width: '100%', height: '100%' }}>
              {s.boxes.map((b, k) => (
                <rect key={k} x={b.x} y={b.y} width={b.w} height={b.h} fill="none" stroke="#ff3b30" strokeWidth={Math.max(2, s.width / 200)} />
              ))}
            </svg>
          ) : null}
        </div>
      ) : (
        <PreviewImage name={s.name} path={s.path} base={evaluation.folder} />
      )}
      <div className="cap mono">
        <span>{s.defectType ?? (s.label ? t('training.defect') : t('training.good'))}</span>
        <span>{fmtScore(s.score)}</span>
      </div>
    </div>
  );
  const state = rendering ? 'running' : previews ? 'done' : 'idle';
  return (
    <div className="panel stack" data-testid="evaluation">
      <header>
        <h2>{t('training.resultsOf', { count: evaluation.images })}</h2>
        <span className="spacer" />
        {evaluation.folder ? (
          <button
            className="btn small"
            data-testid="render-heatmaps"
            data-state={state}
            disabled={rendering}
            title={previews ? t('training.rerenderTitle') : t('training.renderTitle')}
            onClick={() => onRender(evaluation)}
          >
            {rendering ? t('training.rendering') : previews ? t('training.rerender') : t('training.showHeatmaps')}
          </button>
        ) : null}
        {previews ? (
          <label className="row small">
            {t('training.heatmap')}
            <input type="range" min={0} max={1} step={0.05} value={opacity} onChange={(e) => setOpacity(Number(e.target.value))} />
          </label>
        ) : null}
      </header>
      <div className="metrics">
        {keys.slice(0, 8).map((k) => (
          <div className="stat" key={k}>
            <div className="v num" style={{ fontSize: 22 }}>
              {/rate|recall|precision|accuracy/i.test(k) ? fmtPct(m[k]) : fmtScore(m[k])}
            </div>
            <div className="l" data-testid="metric-label" data-key={k}>
              {t(`training.metric.${k.replace(/\./g, '_')}`, { defaultValue: humanKey(k) })}
            </div>
          </div>
        ))}
      </div>
      <div className="grid-row-title">
        {t('training.goodRow')}
        {previews ? ` — ${t('training.nOfM', { n: byClass.good.length, m: evaluation.scores.filter((s) => s.label === 0).length })}` : ''}
      </div>
      <div className="img-grid">{byClass.good.map(cell)}</div>
      <div className="grid-row-title">
        {t('training.defectRow')}
        {previews ? ` — ${t('training.nOfM', { n: byClass.bad.length, m: evaluation.scores.filter((s) => s.label === 1).length })}` : ''}
      </div>
      <div className="img-grid">{byClass.bad.map(cell)}</div>
    </div>
  );
}

/** A metric key the catalogue does not name yet, readable: "bestF1.threshold" -> "best F1 threshold". */
export function humanKey(k: string): string {
  return k
    .replace(/\./g, ' ')
    .replace(/([a-z])([A-Z0-9])/g, '$1 $2')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * A scored image as a thumbnail (datasets.preview): its server path when the engine sent one; otherwise names are
 * relative to the evaluated folder, or to its test/ sub-folder for an MVTec category folder. Shows the name when no image loads.
 */
function PreviewImage({ name, path, base }: { name: string; path?: string; base?: string }) {
  const { api } = useStation();
  const [src, setSrc] = useState<string | null>(null);
  useEffect(() => {
    const absolute = /^([a-zA-Z]:)?[\\/]/.test(name);
    const sep = base && base.includes('\\') && !base.includes('/') ? '\\' : '/';
    const join = (...p: string[]) => p.map((x, i) => (i === 0 ? x.replace(/[\\/]+$/, '') : x)).join(sep);
    const candidates = path ? [path] : absolute ? [name] : base ? [join(base, name), join(base, 'test', name)] : [];
    let live = true;
    void (async () => {
      for (const path of candidates) {
        const r = await api.datasets.preview({ path, size: 192 });
        if (!live) return;
        if (r.ok) return setSrc(`data:${r.value.mime};base64,${r.value.data}`);
      }
    })();
    return () => {
      live = false;
    };
  }, [api, name, path, base]);
  if (src) return <img src={src} alt={name} />;
  return <div className="no-image mono small">{name.split(/[\\/]/).slice(-2).join('/')}</div>;
}
