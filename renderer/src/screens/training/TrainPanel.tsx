/** Step 3 of the Training screen: the model kind, its settings and the Train button (starts a train job). */
import { usePersistent } from '../../lib/persist.js';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useErrors } from '../../components/Feedback.js';
import { FolderField } from '../../components/FolderField.js';
import { useStation } from '../../connection.js';
import { useCall } from '../../lib/hooks.js';

export function TrainPanel({
  goodFolder,
  valFolder,
  setValFolder,
  jobRunning,
  onStarted,
}: {
  goodFolder: string;
  valFolder: string;
  setValFolder: (v: string) => void;
  jobRunning: boolean;
  onStarted: (jobId: string) => void;
}) {
  const { api, info } = useStation();
  const { run, busy } = useCall();
  const { report } = useErrors();
  const [name, setName] = useState('');
  const [backbone, setBackbone] = usePersistent('train.backbone', '');
  const [maxImages, setMaxImages] = usePersistent<number | ''>('train.max', '');
  const [coreset, setCoreset] = usePersistent<number | ''>('train.coreset', '');
  const [kind, setKind] = usePersistent<'patchcore' | 'supervised'>('train.kind', 'patchcore');
  const [annotated, setAnnotated] = usePersistent('train.annotated', '');
  const [advanced, setAdvanced] = usePersistent('train.advanced', '');
  const { t } = useTranslation();

  /** The config object sent with the request; null when the advanced JSON does not parse (reported). */
  const config = (): Record<string, unknown> | undefined | null => {
    let extra: Record<string, unknown> = {};
    if (advanced.trim()) {
      try {
        extra = JSON.parse(advanced) as Record<string, unknown>;
      } catch (e) {
        report(t('training.advancedContext'), { kind: 'invalid-input', message: t('training.notJson', { message: (e as Error).message }) });
        return null;
      }
    }
    if (coreset !== '' && kind === 'patchcore') extra = { ...extra, coreset: { ...((extra.coreset as object) ?? {}), ratio: coreset } };
    return Object.keys(extra).length ? extra : undefined;
  };

  const train = async () => {
    const cfg = config();
    if (cfg === null) return;
    const r = await run('Train', () =>
      api.models.train({
        goodFolder: goodFolder.trim(),
        name: name.trim() || undefined,
        backbone: backbone || undefined,
        maxImages: maxImages === '' ? undefined : maxImages,
        validationFolder: valFolder.trim() || undefined,
        config: cfg,
        kind,
        annotatedFolder: kind === 'supervised' ? annotated.trim() || undefined : undefined,
      }),
    );
    if (r) onStarted(r.jobId);
  };

  const backbones = info?.backbones ?? [];
  return (
    <div className="panel stack">
      <h2>{t('training.step3')}</h2>
      <div className="row" role="radiogroup" aria-label={t('training.modelKind')} data-testid="train-kind">
        <button type="button" className="btn" aria-pressed={kind === 'patchcore'} data-testid="kind-patchcore" onClick={() => setKind('patchcore')} title={t('training.patchcoreTitle')}>
          PatchCore
        </button>
        <button type="button" className="btn" aria-pressed={kind === 'supervised'} data-testid="kind-supervised" onClick={() => setKind('supervised')} title={t('training.supervisedTitle')}>
          {t('training.supervised')}
        </button>
      </div>
      {kind === 'supervised' ? (
        <FolderField label={t('training.annotatedFolder')} value={annotated} onChange={setAnnotated} testId="train-annotated" />
      ) : null}
      <div className="row">
        <label className="field" style={{ flex: 1 }}>
          <span>{t('training.modelName')}</span>
          <input className="input" value={name} placeholder={t('training.modelNamePlaceholder')} data-testid="train-name" onChange={(e) => setName(e.target.value)} />
        </label>
        <label className="field" style={{ flex: 1 }}>
          <span>{t('training.backbone')}</span>
          <select className="input" value={backbone} onChange={(e) => setBackbone(e.target.value)}>
            <option value="">
              {t('training.default')}
              {info?.defaultBackbone ? ` (${info.defaultBackbone})` : ''}
            </option>
            {backbones.map((b) => (
              <option key={b.id} value={b.id} disabled={!b.available} title={b.description}>
                {b.id}
                {b.available ? '' : ` ${t('training.missing')}`}
              </option>
            ))}
          </select>
        </label>
      </div>
      <div className="row">
        <label className="field" style={{ width: 130 }}>
          <span>{t('training.maxImages')}</span>
          <input className="input num" type="number" min={1} value={maxImages} data-testid="train-max" onChange={(e) => setMaxImages(e.target.value === '' ? '' : Math.max(1, Number(e.target.value)))} />
        </label>
        <label className="field" style={{ width: 130, display: kind === 'patchcore' ? undefined : 'none' }}>
          <span>{t('training.coresetRatio')}</span>
          <input className="input num" type="number" min={0.001} max={1} step={0.01} value={coreset} placeholder={t('training.default')} onChange={(e) => setCoreset(e.target.value === '' ? '' : Number(e.target.value))} />
        </label>
      </div>
      <FolderField label={t('training.validationFolder')} value={valFolder} onChange={setValFolder} testId="train-validation" />
      <details>
        <summary className="small muted">{kind === 'patchcore' ? t('training.advancedPatchcore') : t('training.advancedSupervised')}</summary>
        <textarea className="input mono small" style={{ width: '100%' }} value={advanced} data-testid="train-advanced" placeholder='{"mapSigma": 4}' onChange={(e) => setAdvanced(e.target.value)} />
      </details>
      <button className="btn primary" data-testid="train-start" disabled={busy || !goodFolder.trim() || (kind === 'supervised' && !annotated.trim()) || jobRunning} onClick={() => void train()}>
        {kind === 'supervised' ? t('training.trainSupervised') : t('training.train')}
      </button>
    </div>
  );
}
