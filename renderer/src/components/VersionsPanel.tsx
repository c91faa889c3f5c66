/**
 * The product's model versions (parent, what changed, who, why), the shadow candidate beside the active version
 * (agreement on live parts, the parts where they differ with both heatmaps, false rejects and escapes on the
 * validation set) and the explicit, audited promotion; any version re-activated in one click. A running "learn as
 * good" job shows here until its version appears.
 */
import { useCallback, useEffect, useState } from 'react';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import type { JobInfo } from '../../../main/common/api.js';
import type { ModelVersionDto, ShadowStatus, ValidationFigures } from '../../../main/common/learning.js';
import { useStation } from '../connection.js';
import { useCall, useEvent, useLoad } from '../lib/hooks.js';
import { isFinished, useJobs } from '../lib/jobs.js';
import { useErrors } from './Feedback.js';

/** How often the shadow figures are fetched while a candidate runs (it scores parts after their verdict). */
const SHADOW_POLL_MS = 1500;

const val = (t: TFunction, v: ValidationFigures | null) => (v ? t('learning.validation', { fr: v.falseRejects, good: v.good, esc: v.escapes, defects: v.defects }) : '—');

/** A version as the operator reads it: its name, and the id's distinctive tail (the full id on hover). */
function VersionName({ v }: { v: Pick<ModelVersionDto, 'modelId' | 'name'> | undefined }) {
  if (!v) return null;
  return (
    <span title={v.modelId}>
      {v.name} <span className="mono muted small">{v.modelId.slice(-6)}</span>
    </span>
  );
}

/** One version's view of a part: its heatmap over the frame, its verdict and score. */
function HeatFigure(p: { frame: string | null; heat: string | null; who: string; alt: string; verdict: string; score: number }) {
  const { mediaUrl } = useStation();
  return (
    <figure>
      <div className="heat-thumb">
        {p.frame ? <img alt="" src={mediaUrl(p.frame)} /> : null}
        {p.heat ? <img className="heat" alt={p.alt} data-testid="shadow-heatmap" src={mediaUrl(p.heat)} /> : null}
      </div>
      <figcaption>
        {p.who} <span className={`tag ${p.verdict === 'OK' ? 'ok' : 'ng'}`}>{p.verdict}</span> {p.score.toFixed(2)}
      </figcaption>
    </figure>
  );
}

export function VersionsPanel() {
  const { api } = useStation();
  const { run, busy } = useCall();
  const { report } = useErrors();
  const { t } = useTranslation();
  const versions = useLoad<ModelVersionDto[]>('Versions', (a) => a.learning.versions());
  const shadow = useLoad<ShadowStatus>('Shadow', (a) => a.learning.shadowStatus());
  const { jobs } = useJobs();
  const [open, setOpen] = useState(true);
  /** Promote was refused once for more escapes: the next click accepts them. */
  const [acceptEscapes, setAcceptEscapes] = useState<string | null>(null);
  const { reload: reloadVersions } = versions;
  const { reload: reloadShadow } = shadow;
  const reload = useCallback(() => {
    reloadVersions();
    reloadShadow();
  }, [reloadVersions, reloadShadow]);
  useEvent(api.models.onChanged, reload);
  // A learn job that ends registers a version and starts its shadow run: show both (or why it failed).
  useEvent(api.jobs.onProgress, (j: JobInfo) => {
    if (j.kind !== 'learn' || !isFinished(j)) return;
    reload();
    if (j.state === 'failed' && j.error) report(t('learning.learnAsGood'), { kind: j.error.kind as never, message: j.error.message });
  });
  const s = shadow.value;
  const candidate = s?.candidateId ?? null;
  useEffect(() => {
    if (!candidate) return;
    const timer = setInterval(reloadShadow, SHADOW_POLL_MS);
    return () => clearInterval(timer);
  }, [candidate, reloadShadow]);
  const act = async (label: string, call: () => ReturnType<typeof api.learning.activate>) => {
    if (await run(label, call)) reload();
  };
  const byId = new Map((versions.value ?? []).map((v) => [v.modelId, v]));
  const learning = jobs.filter((j) => j.kind === 'learn' && !isFinished(j));
  const moreEscapes = s?.validation.active && s.validation.candidate ? s.validation.candidate.escapes - s.validation.active.escapes : 0;
  const confirming = candidate !== null && acceptEscapes === candidate;
  const promote = () => {
    if (!candidate) return;
    if (moreEscapes > 0 && !confirming) {
      setAcceptEscapes(candidate);
      return;
    }
    setAcceptEscapes(null);
    void act(t('learning.promote'), () => api.learning.promote({ modelId: candidate, reason: 'promoted after shadow mode', acceptEscapes: moreEscapes > 0 }));
  };
  return (
    <div className="panel versions" data-testid="versions-panel">
      <header>
        <h2>{t('learning.versions')}</h2>
        <span className="spacer" />
        <button className="btn small" data-testid="versions-toggle" onClick={() => setOpen(!open)}>
          {open ? t('learning.hide') : t('learning.show')}
        </button>
      </header>
      {learning.map((j) => (
        <div key={j.id} className="small" data-testid="learn-job" data-state={j.state}>
          {j.title}… {j.progress?.message ?? ''}
        </div>
      ))}
      {s && candidate ? (
        <div data-testid="shadow-status" data-candidate={candidate} data-compared={s.compared} data-agreed={s.agreed} className="shadow-status small">
          <div>
            <b>{t('learning.shadowLead')}</b> <VersionName v={byId.get(candidate)} />
          </div>
          <div>
            {t('learning.agreement', { agreed: s.agreed, compared: s.compared })}
            {s.skipped ? t('learning.skippedBusy', { n: s.skipped }) : ''}
          </div>
          <div className="muted">{t('learning.validationLead')}</div>
          <div>
            {t('learning.activeLabel')}: <span data-testid="shadow-validation-active">{val(t, s.validation.active)}</span>
          </div>
          <div>
            {t('learning.candidateLabel')}: <span data-testid="shadow-validation">{val(t, s.validation.candidate)}</span>
          </div>
          {s.differing.length ? <div className="muted">{t('learning.differing')}</div> : null}
          {s.differing.map((d) => (
            <div key={d.inspectionId} className="row shadow-diff" data-testid="shadow-diff" data-inspection={d.inspectionId}>
              <span className="small">{t('learning.part', { id: d.inspectionId })}</span>
              <HeatFigure frame={d.framePath} heat={d.activeHeatmapPath} who={t('learning.activeLabel')} alt={t('learning.activeHeatmap')} verdict={d.activeVerdict} score={d.activeScore} />
              <HeatFigure frame={d.framePath} heat={d.candidateHeatmapPath} who={t('learning.candidateLabel')} alt={t('learning.candidateHeatmap')} verdict={d.candidateVerdict} score={d.candidateScore} />
            </div>
          ))}
          <div className="row wrap" style={{ gap: 6, marginTop: 4 }}>
            <button className={`btn small ${confirming ? 'danger' : 'primary'}`} data-testid="shadow-promote" disabled={busy} onClick={promote}>
              {confirming ? t('learning.promoteAnyway', { n: moreEscapes }) : t('learning.promote')}
            </button>
            <button className="btn small" data-testid="shadow-stop" disabled={busy} onClick={() => void run(t('learning.stopShadow'), () => api.learning.shadowStop()).then(reload)}>
              {t('learning.stopShadow')}
            </button>
          </div>
        </div>
      ) : null}
      {open ? (
        <ul className="versions-list" data-testid="versions-table">
          {(versions.value ?? []).map((v) => (
            <li key={v.modelId} data-testid="version-row" data-model={v.modelId} data-parent={v.parentId ?? ''} data-active={v.active ? '1' : '0'} data-shadow={v.shadow ? '1' : '0'}>
              <div className="row" style={{ gap: 6 }}>
                <span className="grow">
                  <VersionName v={v} />
                </span>
                {v.active ? <span className="tag ok">{t('learning.active')}</span> : v.shadow ? <span className="tag">{t('learning.shadow')}</span> : null}
              </div>
              <div className="small muted">
                {t(`learning.change.${v.change}`, { defaultValue: v.change })}
                {v.change === 'learn-good' && typeof v.detail['added'] === 'number' ? <> · {learnedDetail(v.detail, t)}</> : null}
                {v.parentId ? <> · {t('learning.from', { name: byId.get(v.parentId)?.name ?? v.parentId })}</> : null} · {v.who}
                {v.why ? `: ${v.why}` : ''} · {v.createdAt.slice(0, 19).replace('T', ' ')}
              </div>
              {!v.active && !v.shadow ? (
                <div className="row" style={{ gap: 6 }}>
                  <button className="btn small" data-testid="version-activate" disabled={busy} onClick={() => void act(t('learning.activateVersion'), () => api.learning.activate({ modelId: v.modelId, reason: 're-activated' }))}>
                    {t('learning.activate')}
                  </button>
                  <button className="btn small" data-testid="version-shadow" disabled={busy} onClick={() => void run(t('learning.shadowStart'), () => api.learning.shadowStart({ modelId: v.modelId })).then(reload)}>
                    {t('learning.shadowStart')}
                  </button>
                </div>
              ) : null}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

/** "+N patches", and how many were withheld as too close to a known defect (older versions have no count). */
function learnedDetail(d: Record<string, unknown>, t: (k: string, o?: Record<string, unknown>) => string): string {
  const added = t('learning.patchesAdded', { n: d['added'] });
  return typeof d['withheld'] === 'number' && d['withheld'] > 0 ? `${added}, ${t('learning.patchesWithheld', { n: d['withheld'] })}` : added;
}
