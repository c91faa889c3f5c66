/**
 * The product's model versions (parent, what changed, who, why), the shadow candidate beside the active version
 * (agreement on live parts, the parts where they differ with both heatmaps, false rejects and escapes on the
 * validation set) and the explicit, audited promotion; any version re-activated in one click.
 */
import { useState } from 'react';
import type { ModelVersionDto, ShadowStatus, ValidationFigures } from '../../../main/common/learning.js';
import { useStation } from '../connection.js';
import { useCall, useEvent, useLoad } from '../lib/hooks.js';

const val = (v: ValidationFigures | null) => (v ? `${v.falseRejects}/${v.good} false rejects · ${v.escapes}/${v.defects} escapes` : '—');

export function VersionsPanel() {
  const { api, mediaUrl } = useStation();
  const { run, busy } = useCall();
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
        <h2>Model versions</h2>
        <span className="spacer" />
        <button className="btn small" onClick={() => setOpen(!open)}>
          {open ? 'Hide' : 'Show'}
        </button>
      </header>
      {s?.candidateId ? (
        <div data-testid="shadow-status" className="small" style={{ marginBottom: 8 }}>
          <div>
            Shadow <span className="mono">{s.candidateId}</span>: agrees on <b data-testid="shadow-agreed">{s.agreed}</b> of <b data-testid="shadow-compared">{s.compared}</b> live parts
            {s.skipped ? ` (${s.skipped} skipped while busy)` : ''}
          </div>
          <div>
            validation — active: {val(s.validation.active)}; candidate: <span data-testid="shadow-validation">{val(s.validation.candidate)}</span>
          </div>
          {s.differing.map((d) => (
            <div key={d.inspectionId} className="row" data-testid="shadow-diff" style={{ gap: 4 }}>
              <span className="mono">#{d.inspectionId}</span>
              <span>
                active {d.activeVerdict} {d.activeScore.toFixed(2)} / candidate {d.candidateVerdict} {d.candidateScore.toFixed(2)}
              </span>
              {d.activeHeatmapPath ? <img alt="active heatmap" src={mediaUrl(d.activeHeatmapPath)} style={{ height: 40 }} /> : null}
              {d.candidateHeatmapPath ? <img alt="candidate heatmap" src={mediaUrl(d.candidateHeatmapPath)} style={{ height: 40 }} /> : null}
            </div>
          ))}
          <div className="row" style={{ gap: 6, marginTop: 4 }}>
            <button
              className="btn small primary"
              data-testid="shadow-promote"
              disabled={busy}
              onClick={() => void act('Promote', () => api.learning.promote({ modelId: s.candidateId!, reason: 'promoted after shadow mode', acceptEscapes: false }))}
            >
              Promote
            </button>
            <button className="btn small" disabled={busy} onClick={() => void run('Stop shadow', () => api.learning.shadowStop()).then(reload)}>
              Stop shadow
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
                <td className="muted">{v.parentId ? `from ${v.parentId}` : ''}</td>
                <td>
                  {v.who}
                  {v.why ? `: ${v.why}` : ''}
                </td>
                <td className="muted">{v.createdAt.slice(0, 19).replace('T', ' ')}</td>
                <td>
                  {v.active ? (
                    <span className="tag ok">active</span>
                  ) : v.shadow ? (
                    <span className="tag">shadow</span>
                  ) : (
                    <>
                      <button className="btn small" data-testid="version-activate" disabled={busy} onClick={() => void act('Activate version', () => api.learning.activate({ modelId: v.modelId, reason: 're-activated' }))}>
                        Activate
                      </button>{' '}
                      <button className="btn small" data-testid="version-shadow" disabled={busy} onClick={() => void run('Shadow', () => api.learning.shadowStart({ modelId: v.modelId })).then(reload)}>
                        Shadow
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
