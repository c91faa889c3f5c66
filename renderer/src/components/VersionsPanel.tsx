/**
 * The product's model versions (parent, what changed, who, why), the shadow candidate beside the active version
 * (agreement on live parts, the parts where they differ with both heatmaps, false rejects and escapes on the
 * validation set) and the explicit, audited promotion; any version re-activated in one click.
 */
import { useState } from 'react';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import type { ModelVersionDto, ShadowStatus, ValidationFigures } from '../../../main/common/learning.js';
import { useStation } from '../connection.js';
import { useCall, useEvent, useLoad } from '../lib/hooks.js';

const val = (t: TFunction, v: ValidationFigures | null) => (v ? t('learning.validation', { fr: v.falseRejects, good: v.good, esc: v.escapes, defects: v.defects }) : '—');

export function VersionsPanel() {
  const { api, mediaUrl } = useStation();
  const { run, busy } = useCall();
  const { t } = useTranslation();
  const versions = useLoad<ModelVersionDto[]>('Versions', (a) => a.learning.versions());
  const shadow = useLoad<ShadowStatus>('Shadow', (a) => a.learning.shadowStatus());
  const [open, setOpen] = useState(true);
  const reload = () => {
    versions.reload();
    shadow.reload();
  };
  useEvent(api.models.onChanged, reload);
  useEvent(api.live.onFrame, () => shadow.reload());
  const s = shadow.value;
  const act = async (label: string, call: () => ReturnType<typeof api.learning.activate>) => {
    if (await run(label, call)) reload();
  };
  return (
    <div className="panel" data-testid="versions-panel">
      <header>
        <h2>{t('learning.versions')}</h2>
        <span className="spacer" />
        <button className="btn small" onClick={() => setOpen(!open)}>
          {open ? t('learning.hide') : t('learning.show')}
        </button>
      </header>
      {s?.candidateId ? (
        <div data-testid="shadow-status" className="small" style={{ marginBottom: 8 }}>
          <div>
            {t('learning.shadowLead')} <span className="mono">{s.candidateId}</span>: {t('learning.agreesOn')} <b data-testid="shadow-agreed">{s.agreed}</b> {t('learning.of')}{' '}
            <b data-testid="shadow-compared">{s.compared}</b> {t('learning.liveParts')}
            {s.skipped ? t('learning.skippedBusy', { n: s.skipped }) : ''}
          </div>
          <div>
            {t('learning.validationActive', { active: val(t, s.validation.active) })} <span data-testid="shadow-validation">{val(t, s.validation.candidate)}</span>
          </div>
          {s.differing.map((d) => (
            <div key={d.inspectionId} className="row" data-testid="shadow-diff" style={{ gap: 4 }}>
              <span className="mono">#{d.inspectionId}</span>
              <span>
                {t('learning.diff', { activeVerdict: d.activeVerdict, activeScore: d.activeScore.toFixed(2), candidateVerdict: d.candidateVerdict, candidateScore: d.candidateScore.toFixed(2) })}
              </span>
              {d.activeHeatmapPath ? <img alt={t('learning.activeHeatmap')} src={mediaUrl(d.activeHeatmapPath)} style={{ height: 40 }} /> : null}
              {d.candidateHeatmapPath ? <img alt={t('learning.candidateHeatmap')} src={mediaUrl(d.candidateHeatmapPath)} style={{ height: 40 }} /> : null}
            </div>
          ))}
          <div className="row" style={{ gap: 6, marginTop: 4 }}>
            <button
              className="btn small primary"
              data-testid="shadow-promote"
              disabled={busy}
              onClick={() => void act(t('learning.promote'), () => api.learning.promote({ modelId: s.candidateId!, reason: 'promoted after shadow mode', acceptEscapes: false }))}
            >
              {t('learning.promote')}
            </button>
            <button className="btn small" disabled={busy} onClick={() => void run(t('learning.stopShadow'), () => api.learning.shadowStop()).then(reload)}>
              {t('learning.stopShadow')}
            </button>
          </div>
        </div>
      ) : null}
      {open ? (
        <table className="small" data-testid="versions-table">
          <tbody>
            {(versions.value ?? []).map((v) => (
              <tr key={v.modelId} data-testid="version-row" data-model={v.modelId} data-active={v.active ? '1' : '0'}>
                <td className="mono">{v.modelId}</td>
                <td>{v.change}</td>
                <td className="muted">{v.parentId ? t('learning.from', { id: v.parentId }) : ''}</td>
                <td>
                  {v.who}
                  {v.why ? `: ${v.why}` : ''}
                </td>
                <td className="muted">{v.createdAt.slice(0, 19).replace('T', ' ')}</td>
                <td>
                  {v.active ? (
                    <span className="tag ok">{t('learning.active')}</span>
                  ) : v.shadow ? (
                    <span className="tag">{t('learning.shadow')}</span>
                  ) : (
                    <>
                      <button className="btn small" data-testid="version-activate" disabled={busy} onClick={() => void act(t('learning.activateVersion'), () => api.learning.activate({ modelId: v.modelId, reason: 're-activated' }))}>
                        {t('learning.activate')}
                      </button>{' '}
                      <button className="btn small" data-testid="version-shadow" disabled={busy} onClick={() => void run(t('learning.shadowStart'), () => api.learning.shadowStart({ modelId: v.modelId })).then(reload)}>
                        {t('learning.shadowStart')}
                      </button>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}
