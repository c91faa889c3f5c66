/** The Log screen's table of inspections (thumbnail, time, verdict, score, model version, source, boxes, latency). */
import { useTranslation } from 'react-i18next';
import type { InspectionRecord } from '../../../../main/common/api.js';
import type { MediaRef } from '../../../../main/common/api.js';
import { fmtScore, fmtTime } from '../../lib/hooks.js';

/** Tag class of a verdict: OK green, NG and anything else (ERROR) red. */
export const verdictClass = (v: string) => (v === 'OK' ? 'ok' : 'ng');

export function LogTable({
  items,
  total,
  selectedId,
  onSelect,
  mediaUrl,
  modelName,
}: {
  items: readonly InspectionRecord[];
  total: number;
  selectedId: number | null;
  onSelect: (r: InspectionRecord) => void;
  mediaUrl: (ref: MediaRef) => string;
  /** The name of the model version that decided a part (undefined: not known here, the id is shown). */
  modelName?: (modelId: string) => string | undefined;
}) {
  const { t } = useTranslation();
  return (
    <table className="list" data-testid="log-table" data-total={total}>
      <thead>
        <tr>
          <th />
          <th>{t('log.col.time')}</th>
          <th>{t('log.verdict')}</th>
          <th>{t('log.col.score')}</th>
          <th>{t('log.col.threshold')}</th>
          <th>{t('log.col.version')}</th>
          <th>{t('log.source')}</th>
          <th>
            {t('access.product')} / {t('access.lot')}
          </th>
          <th>{t('log.col.boxes')}</th>
          <th>{t('log.col.latency')}</th>
        </tr>
      </thead>
      <tbody>
        {items.map((r) => (
          <tr
            key={r.id}
            data-testid="log-row"
            data-verdict={r.verdict}
            data-score={r.score}
            data-name={r.name ?? r.partId ?? ''}
            className={selectedId === r.id ? 'current clickable' : 'clickable'}
            onClick={() => onSelect(r)}
          >
            <td>
              {r.thumbnail || r.frame ? <img className="thumb" loading="lazy" alt="" src={mediaUrl((r.thumbnail ?? r.frame)!)} /> : <div className="thumb" />}
            </td>
            <td className="mono small">{fmtTime(r.at)}</td>
            <td>
              <span className={`tag ${verdictClass(r.verdict)}`} title={r.error ?? undefined}>
                {r.verdict}
              </span>
            </td>
            <td className="mono">{fmtScore(r.score)}</td>
            <td className="mono muted">{fmtScore(r.threshold)}</td>
            <td className="small" data-testid="row-model" data-model={r.modelId} title={r.modelId}>
              {modelName?.(r.modelId) ?? r.modelId}
              <div className="mono muted small">{r.modelId.slice(-6)}</div>
            </td>
            <td className="small">
              {r.source}
              {r.name || r.partId ? <div className="mono muted small">{r.name ?? r.partId}</div> : null}
              {/* A part that could not be inspected (unreadable image, ...): the reason in the row, not only on hover. */}
              {r.error ? (
                <div className="small warn-text" data-testid="row-error">
                  {r.error}
                </div>
              ) : null}
            </td>
            <td className="small" data-testid="row-product" data-product={r.productId ?? ''} data-lot={r.lotName ?? ''}>
              {r.productId}
              {r.lotName ? <div className="mono muted small">{r.lotName}</div> : null}
            </td>
            <td className="num">{r.boxes.length}</td>
            <td className="num small">{Math.round(r.latencyMs)} ms</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
