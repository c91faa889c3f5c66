/** One inspection record: its frame with the heatmap overlay (the live frame view), and its details. */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { FrameEvent, InspectionRecord } from '../../../../main/common/api.js';
import { FrameView } from '../../components/FrameView.js';
import { useStation } from '../../connection.js';
import { fmtScore, fmtTime } from '../../lib/hooks.js';
import { verdictClass } from './LogTable.js';

export function RecordDetail({ record, modelName }: { record: InspectionRecord | null; modelName?: string }) {
  const { mediaUrl } = useStation();
  const [opacity, setOpacity] = useState(0.6);
  const { t } = useTranslation();
  if (!record) {
    return (
      <div className="panel">
        <h2>{t('log.record')}</h2>
        <div className="muted small">{t('log.selectRow')}</div>
      </div>
    );
  }
  // Reuse the live frame view: a record carries the same frame / heatmap / boxes.
  const asFrame: FrameEvent | null = record.frame
    ? {
        seq: record.id,
        inspectionId: record.id,
        source: record.source,
        name: record.name,
        capturedAt: record.at,
        width: 0,
        height: 0,
        frame: record.frame,
        heatmap: record.heatmap,
        score: record.score,
        threshold: record.threshold,
        verdict: record.verdict,
        boxes: record.boxes,
        modelId: record.modelId,
        timings: {},
        stats: { fps: 0, latencyMs: record.latencyMs, inspected: 0, dropped: 0, ok: 0, ng: 0 },
      }
    : null;
  return (
    <div className="panel stack record" data-testid="record-detail">
      <header>
        <h2>
          {t('log.record')} #{record.id}
        </h2>
        <span className="spacer" />
        <span className={`tag ${verdictClass(record.verdict)}`}>{record.verdict}</span>
      </header>
      {asFrame ? (
        <div className="record-frame">
          <FrameView frame={asFrame} mediaUrl={mediaUrl} opacity={opacity} showHeat showBoxes />
        </div>
      ) : (
        <div className="empty small">{t('log.noFrame')}</div>
      )}
      <label className="row small">
        {t('log.opacity')}
        <input type="range" min={0} max={1} step={0.05} value={opacity} onChange={(e) => setOpacity(Number(e.target.value))} />
      </label>
      <dl className="kv">
        <dt>{t('log.col.time')}</dt>
        <dd className="mono">{fmtTime(record.at)}</dd>
        <dt>{t('log.scoreThreshold')}</dt>
        <dd className="mono">
          {fmtScore(record.score)} / {fmtScore(record.threshold)}
        </dd>
        <dt>{t('log.model')}</dt>
        <dd className="small" title={record.modelId}>
          {modelName ?? <span className="mono">{record.modelId}</span>}
        </dd>
        <dt>{t('log.source')}</dt>
        <dd>
          {record.source}
          {record.name ? ` · ${record.name}` : ''}
        </dd>
        <dt>{t('log.col.latency')}</dt>
        <dd className="mono">{Math.round(record.latencyMs)} ms</dd>
        {record.error ? (
          <>
            <dt>{t('log.error')}</dt>
            <dd className="small">{record.error}</dd>
          </>
        ) : null}
      </dl>
    </div>
  );
}
