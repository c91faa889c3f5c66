/**
 * The engineer's threshold screen: good vs defect score distributions of the model's validation images with
 * the threshold line, the ROC curve, and the rates at the candidate threshold. Saving asks who and why, is
 * recorded in the history, and takes effect on the next live frame. Metric math comes from
 * main/evaluation/metrics.ts (pure), the same code the engine's evaluation uses.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ModelSummary, ThresholdRecord } from '../../../main/common/api.js';
import { auroc, bestF1, confusionAt, rocCurve, thresholdAtFullRecall, type Label } from '../../../main/evaluation/metrics.js';
import { RocChart } from '../components/RocChart.js';
import { ScoreHistogram } from '../components/ScoreHistogram.js';
import { useStation } from '../connection.js';
import { ThresholdEvidence } from '../components/ThresholdEvidence.js';
import { fmtPct, fmtScore, fmtTime, useCall, useEvent, useLoad } from '../lib/hooks.js';
import { usePersistent } from '../lib/persist.js';
import { useAuth } from '../lib/auth.js';

export function ThresholdTuning() {
  const { api } = useStation();
  const models = useLoad('Models', (a) => a.models.list());
  const [picked, setPicked] = useState<string>('');
  const { t } = useTranslation();
  useEvent(api.models.onChanged, () => models.reload());
  const model: ModelSummary | undefined =
    models.value?.find((m) => m.id === picked) ?? models.value?.find((m) => m.active) ?? models.value?.[0];

  if (!models.value) return <div className="empty">{t('threshold.loadingModels')}</div>;
  if (!model) return <div className="empty">{t('threshold.noModel')}</div>;
  return (
    <div className="stack">
      <div className="panel row">
        <label className="field" style={{ minWidth: 320 }}>
          <span>{t('log.model')}</span>
          <select className="input" value={model.id} data-testid="tuning-model" onChange={(e) => setPicked(e.target.value)}>
            {models.value.map((m) => (
              <option key={m.id} value={m.id}>
                {m.name} — {m.backbone}, {t('threshold.images', { count: m.trainImages })}
                {m.active ? ` (${t('training.active')})` : ''}
              </option>
            ))}
          </select>
        </label>
        <div className="muted small">
          {t('threshold.rule1')} <b className="ng-text">NG</b> {t('threshold.rule2')}
        </div>
      </div>
      <ModelTuning key={model.id} model={model} onSaved={(id) => (setPicked(id), models.reload())} />
    </div>
  );
}

/** `onSaved`: a saved threshold is a new version of the model (its id): the screen follows it. */
function ModelTuning({ model, onSaved }: { model: ModelSummary; onSaved: (modelId: string) => void }) {
  const { api } = useStation();
  const { run, busy } = useCall();
  const { t: tr } = useTranslation();
  const scoresQ = useLoad('Validation scores', (a) => a.thresholds.validationScores({ modelId: model.id }), [model.id]);
  const stateQ = useLoad('Threshold', (a) => a.thresholds.get({ modelId: model.id }), [model.id]);
  const historyQ = useLoad('Threshold history', (a) => a.thresholds.history({ modelId: model.id, limit: 50 }), [model.id]);
  useEvent(api.thresholds.onChanged, (r: ThresholdRecord) => {
    if (r.modelId !== model.id) return;
    stateQ.reload();
    historyQ.reload();
  });

  const current = stateQ.value?.value ?? model.threshold;
  const [t, setT] = useState<number>(current);
  const touched = useRef(false);
  useEffect(() => {
    if (!touched.current) setT(current);
  }, [current]);
  const choose = (v: number) => {
    touched.current = true;
    setT(v);
  };

  const samples = useMemo(() => scoresQ.value?.scores ?? [], [scoresQ.value]);
  const scores = useMemo(() => samples.map((s) => s.score), [samples]);
  const labels = useMemo(() => samples.map((s) => s.label as Label), [samples]);
  const nGood = labels.filter((l) => l === 0).length;
  const nDefect = labels.length - nGood;
  const both = nGood > 0 && nDefect > 0;

  const domain = useMemo<[number, number]>(() => {
    const all = [...scores, current, t].filter(Number.isFinite);
    const lo = Math.min(...all);
    const hi = Math.max(...all);
    const pad = (hi - lo || Math.abs(hi) || 1) * 0.06;
    return [Math.max(0, lo - pad), hi + pad];
    // eslint-disable-next-line react-hooks/exhaustive-deps -- t is left out: the axis must not move while dragging
  }, [scores, current]);

  const conf = useMemo(() => (samples.length ? confusionAt(scores, labels, t) : null), [scores, labels, t, samples.length]);
  const roc = useMemo(() => (both ? rocCurve(scores, labels) : null), [scores, labels, both]);
  const area = useMemo(() => (both ? auroc(scores, labels) : null), [scores, labels, both]);
  const fullRecall = useMemo(() => (nDefect > 0 ? thresholdAtFullRecall(scores, labels) : null), [scores, labels, nDefect]);
  const f1 = useMemo(() => (nDefect > 0 ? bestF1(scores, labels) : null), [scores, labels, nDefect]);

  const [saving, setSaving] = useState(false);
  const changed = Math.abs(t - current) > 1e-12;
  const step = (domain[1] - domain[0]) / 1000;

  return (
    <div className="tuning" data-testid="threshold-view">
      <div className="stack">
        <div className="panel">
          <header>
            <h2>{tr('threshold.distributions')}</h2>
            <span className="spacer" />
            <span className="small">
              <span className="tag ok">
                {tr('training.good')} {nGood}
              </span>{' '}
              <span className="tag ng">
                {tr('training.defect')} {nDefect}
              </span>
            </span>
          </header>
          {samples.length ? (
            <ScoreHistogram samples={samples} threshold={t} domain={domain} onThreshold={choose} />
          ) : (
            <div className="empty" data-testid="no-validation">
              {scoresQ.loading ? tr('threshold.loading') : tr('threshold.noScores')}
            </div>
          )}
        </div>
        <div className="panel stack">
          <div className="thr-control">
            <input
              type="range"
              min={domain[0]}
              max={domain[1]}
              step={step}
              value={Math.min(domain[1], Math.max(domain[0], t))}
              data-testid="threshold-slider"
              aria-label={tr('threshold.threshold')}
              onChange={(e) => choose(Number(e.target.value))}
            />
            <div className="row">
              <span className="muted small">{tr('threshold.thresholdLower')}</span>
              <span className="thr-value num" data-testid="threshold-value">{fmtScore(t)}</span>
            </div>
          </div>
          <div className="row">
            <input
              className="input num"
              style={{ width: 160 }}
              type="number"
              step="any"
              value={Number(t.toPrecision(6))}
              data-testid="threshold-input"
              aria-label={tr('threshold.value')}
              onChange={(e) => Number.isFinite(Number(e.target.value)) && e.target.value !== '' && choose(Number(e.target.value))}
            />
            <button className="btn" data-testid="full-recall" disabled={!fullRecall} onClick={() => fullRecall && choose(fullRecall.threshold)}>
              {tr('threshold.recall1')}
            </button>
            <button className="btn" disabled={!f1} onClick={() => f1 && choose(f1.threshold)}>
              {tr('threshold.bestF1')}
            </button>
            <button className="btn" onClick={() => choose(stateQ.value?.defaultValue ?? model.defaultThreshold)}>
              {tr('threshold.modelDefault')}
            </button>
            <button className="btn" disabled={!changed} onClick={() => choose(current)}>
              {tr('threshold.revert')}
            </button>
            <span style={{ flex: 1 }} />
            <button className="btn primary" data-testid="save-threshold" disabled={!changed || busy} onClick={() => setSaving(true)}>
              {tr('threshold.save')}
            </button>
          </div>
          <div className="small muted">
            {tr('threshold.inForce')} <b className="mono">{fmtScore(current)}</b>
            {stateQ.value?.last ? ` — ${tr('threshold.setBy', { who: stateQ.value.last.who, at: fmtTime(stateQ.value.last.at) })}` : ` ${tr('threshold.byDefault')}`}
            {fullRecall ? ` · ${tr('threshold.fullRecallAt', { value: fmtScore(fullRecall.threshold), frr: fmtPct(fullRecall.falseRejectRate) })}` : ''}
          </div>
          <div>
            {tr('threshold.atInForce')} <ThresholdEvidence model={model} threshold={current} scores={samples} />
          </div>
          <div>
            {tr('threshold.atThis')} <ThresholdEvidence model={model} threshold={t} scores={samples} />
          </div>
        </div>
      </div>

      <div className="stack">
        <div className="metrics" data-testid="metrics">
          <Metric label={tr('threshold.precision')} value={conf ? fmtPct(conf.precision) : '—'} />
          <Metric label={tr('threshold.recall')} value={conf ? fmtPct(conf.recall) : '—'} testId="metric-recall" />
          <Metric label="F1" value={conf ? conf.f1.toFixed(3) : '—'} />
          <Metric label={tr('threshold.falseRejects')} value={conf ? fmtPct(conf.falseRejectRate) : '—'} testId="metric-frr" />
        </div>
        {conf ? (
          <div className="panel small mono" data-testid="confusion">
            {tr('threshold.caught', { n: conf.tp, of: conf.tp + conf.fn })} · {tr('threshold.escaped')} <b className="ng-text">{conf.fn}</b> ·{' '}
            {tr('threshold.rejected', { n: conf.fp, of: conf.fp + conf.tn })}
          </div>
        ) : null}
        <div className="panel">
          <h2>ROC</h2>
          {roc && conf && area !== null ? (
            <RocChart roc={roc} auroc={area} point={{ fpr: conf.falseRejectRate, tpr: conf.recall }} />
          ) : (
            <div className="empty small">{tr('threshold.needsBoth')}</div>
          )}
        </div>
        <div className="panel" style={{ maxHeight: 340, overflow: 'auto' }}>
          <h2>{tr('threshold.history')}</h2>
          <History items={historyQ.value ?? []} />
        </div>
      </div>

      {saving ? (
        <SaveDialog
          value={t}
          previous={current}
          onClose={() => setSaving(false)}
          onSave={async (who, reason) => {
            const r = await run('Save threshold', () => api.thresholds.set({ modelId: model.id, value: t, who, reason }));
            if (r) {
              touched.current = false;
              setSaving(false);
              onSaved(r.modelId);
            }
          }}
        />
      ) : null}
    </div>
  );
}

function Metric({ label, value, testId }: { label: string; value: string; testId?: string }) {
  return (
    <div className="stat">
      <div className="v num" data-testid={testId}>
        {value}
      </div>
      <div className="l">{label}</div>
    </div>
  );
}

function History({ items }: { items: readonly ThresholdRecord[] }) {
  const { t } = useTranslation();
  if (!items.length) return <div className="muted small">{t('threshold.noHistory')}</div>;
  return (
    <table className="list" data-testid="threshold-history">
      <thead>
        <tr>
          <th>{t('threshold.when')}</th>
          <th>{t('threshold.valueCol')}</th>
          <th>{t('threshold.who')}</th>
          <th>{t('threshold.reason')}</th>
        </tr>
      </thead>
      <tbody>
        {items.map((h, i) => (
          <tr key={`${h.at}-${i}`} className={i === 0 ? 'current' : ''}>
            <td className="mono small">{fmtTime(h.at)}</td>
            <td className="mono">
              {h.previous !== null ? <span className="muted">{fmtScore(h.previous)} → </span> : null}
              {fmtScore(h.value)}
            </td>
            <td>{h.who}</td>
            <td>{h.reason}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function SaveDialog({
  value,
  previous,
  onSave,
  onClose,
}: {
  value: number;
  previous: number;
  onSave: (who: string, reason: string) => Promise<void>;
  onClose: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const { t } = useTranslation();
  const [typedWho, setWho] = usePersistent('tuning.who', '');
  // Logged in: the station records the user (the engine ignores a typed name); open mode: who is typed.
  const user = useAuth().state?.user?.name ?? null;
  const who = user ?? typedWho;
  const [reason, setReason] = useState('');
  const [pending, setPending] = useState(false);
  useEffect(() => ref.current?.showModal(), []);
  const valid = who.trim().length > 0 && reason.trim().length > 0;
  return (
    <dialog ref={ref} className="modal" onClose={onClose} onCancel={onClose} data-testid="save-dialog">
      <form
        method="dialog"
        className="stack"
        onSubmit={(e) => {
          e.preventDefault();
          if (!valid) return;
          setPending(true);
          void onSave(who.trim(), reason.trim()).finally(() => setPending(false));
        }}
      >
        <h3>{t('threshold.dialogTitle')}</h3>
        <div className="mono">
          {fmtScore(previous)} → <b className="warn-text">{fmtScore(value)}</b>
        </div>
        <p className="small muted">{t('threshold.dialogHelp')}</p>
        <label className="field">
          <span>{t('threshold.who')}</span>
          <input className="input" value={who} required readOnly={user !== null} data-testid="save-who" onChange={(e) => setWho(e.target.value)} autoFocus />
        </label>
        <label className="field">
          <span>{t('threshold.reason')}</span>
          <input className="input" value={reason} required data-testid="save-reason" placeholder={t('threshold.reasonPlaceholder')} onChange={(e) => setReason(e.target.value)} />
        </label>
        <div className="row">
          <span style={{ flex: 1 }} />
          <button type="button" className="btn" onClick={() => ref.current?.close()}>
            {t('common.cancel')}
          </button>
          <button type="submit" className="btn primary" disabled={!valid || pending} data-testid="save-confirm">
            {t('threshold.confirm')}
          </button>
        </div>
      </form>
    </dialog>
  );
}
