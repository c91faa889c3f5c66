/** The last 20 verdicts with thumbnails, newest first; a click opens the part (frame, heatmap, score, time). */
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { InspectionRecord } from '../../../main/common/api.js';
import type { FloorPart } from '../../../main/common/floor.js';
import { useStation } from '../connection.js';
import { fmtScore, useCall, useEvent } from '../lib/hooks.js';

const SHOWN = 20;

const partOf = (r: InspectionRecord): FloorPart => ({
  inspectionId: r.id,
  at: r.at,
  verdict: r.verdict,
  score: r.score,
  threshold: r.threshold,
  partId: r.partId ?? r.source.split('/').pop() ?? '',
  thumbnail: r.thumbnail,
});

export function VerdictStrip() {
  const { api, mediaUrl, generation } = useStation();
  const { run } = useCall();
  const { t } = useTranslation();
  const [parts, setParts] = useState<FloorPart[]>([]);
  const [open, setOpen] = useState<InspectionRecord | null>(null);
  useEffect(() => {
    void api.floor.recent({ limit: SHOWN }).then((r) => r.ok && setParts(r.value));
  }, [api, generation]);
  useEvent(api.log.onAppended, (r) => setParts((p) => [partOf(r), ...p.filter((x) => x.inspectionId !== r.id)].slice(0, SHOWN)));
  return (
    <div className="panel verdict-strip" data-testid="verdict-strip">
      {parts.length === 0 ? <span className="small muted">{t('floor.noParts')}</span> : null}
      {parts.map((p) => (
        <button
          key={p.inspectionId}
          className={`strip-part ${p.verdict.toLowerCase()}`}
          data-testid="strip-part"
          data-verdict={p.verdict}
          title={t('floor.partTitle', { part: p.partId, verdict: p.verdict, score: fmtScore(p.score) })}
          onClick={() => void run(t('floor.openPart'), () => api.log.get({ id: p.inspectionId })).then((r) => r && setOpen(r))}
        >
          {p.thumbnail ? <img src={mediaUrl(p.thumbnail)} alt="" loading="lazy" /> : <span className="no-img">{p.verdict}</span>}
          <span className="strip-verdict">{p.verdict}</span>
        </button>
      ))}
      {open ? <PartDialog part={open} onClose={() => setOpen(null)} /> : null}
    </div>
  );
}

function PartDialog({ part, onClose }: { part: InspectionRecord; onClose: () => void }) {
  const { mediaUrl } = useStation();
  const { t } = useTranslation();
  return (
    <div className="part-dialog-backdrop" onClick={onClose}>
      <div className="panel part-dialog" role="dialog" aria-label={t('floor.partLabel', { id: part.id })} data-testid="part-dialog" onClick={(e) => e.stopPropagation()}>
        <header>
          <h2>
            {t('floor.partHeading', { id: part.id })} {part.partId ? `· ${part.partId}` : ''}
          </h2>
          <span className="spacer" />
          <button className="btn small" data-testid="part-close" onClick={onClose}>
            {t('floor.close')}
          </button>
        </header>
        <div className="part-image">
          {part.frame ? (
            <>
              <img src={mediaUrl(part.frame)} alt={t('floor.frameAlt', { id: part.id })} />
              {part.heatmap ? <img className="heat" src={mediaUrl(part.heatmap)} alt="" /> : null}
            </>
          ) : (
            <div className="muted" data-testid="part-pruned">
              {part.mediaPrunedAt ? t('floor.pruned', { at: new Date(part.mediaPrunedAt).toLocaleString() }) : t('floor.noImage')}
            </div>
          )}
        </div>
        <div className="mono small">
          <span className={`tag ${part.verdict.toLowerCase()}`}>{part.verdict}</span> {t('floor.partScore', { score: fmtScore(part.score), threshold: fmtScore(part.threshold) })} ·{' '}
          {new Date(part.at).toLocaleString()} · {part.source}
          {part.lotName ? ` · ${t('floor.lotOf', { name: part.lotName })}` : ''}
          {part.error ? ` · ${part.error}` : ''}
        </div>
      </div>
    </div>
  );
}
