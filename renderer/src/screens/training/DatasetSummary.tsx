/** What a typed folder holds (layout, counts, a few thumbnails), asked of the engine after a typing pause. */
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { DatasetInfo } from '../../../../main/common/api.js';
import { useStation } from '../../connection.js';

export function DatasetSummary({ path, onSuggestValidation }: { path: string; onSuggestValidation: (p: string) => void }) {
  const { api } = useStation();
  const [ds, setDs] = useState<DatasetInfo | null>(null);
  const [err, setErr] = useState<string | null>(null);
  const [thumbs, setThumbs] = useState<string[]>([]);
  const { t } = useTranslation();
  // The parent passes a new arrow each render; the effect must re-run on path changes only.
  const suggest = useRef(onSuggestValidation);
  suggest.current = onSuggestValidation;
  useEffect(() => {
    const p = path.trim();
    setDs(null);
    setErr(null);
    setThumbs([]);
    if (!p) return;
    let live = true;
    // Typed paths change per keystroke: wait for a pause before asking the engine.
    const t = setTimeout(() => {
      void api.datasets.inspect({ path: p }).then(async (r) => {
        if (!live) return;
        if (!r.ok) return setErr(r.error.message);
        setDs(r.value);
        if (r.value.layout === 'mvtec' && r.value.defectImages > 0) suggest.current(p);
        const out: string[] = [];
        for (const s of r.value.samples.slice(0, 6)) {
          const pr = await api.datasets.preview({ path: s, size: 160 });
          if (!live) return;
          if (pr.ok) out.push(`data:${pr.value.mime};base64,${pr.value.data}`);
          setThumbs([...out]);
        }
      });
    }, 400);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [path, api]);
  if (err) return <div className="small banner error" data-testid="dataset-error">{err}</div>;
  if (!ds) return null;
  return (
    <div className="stack" data-testid="dataset-summary">
      <div className="small">
        <span className="tag">{ds.layout}</span> <b>{ds.goodImages}</b> {t('training.summaryGood', { count: ds.goodImages })}
        {ds.defectImages ? (
          <>
            , <b>{ds.defectImages}</b> {t('training.summaryDefect', { count: ds.defectImages, types: ds.defectTypes.join(', ') })}
          </>
        ) : null}
      </div>
      {thumbs.length ? (
        <div className="thumb-strip">
          {thumbs.map((t, i) => (
            <img key={i} src={t} alt="" className="thumb" />
          ))}
        </div>
      ) : null}
    </div>
  );
}
