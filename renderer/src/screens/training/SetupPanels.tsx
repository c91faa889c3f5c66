/** Steps 2 and 4 of the Training screen: generating variants of the good images, and evaluating the active model. */
import { useTranslation } from 'react-i18next';
import type { GenerateResult, ModelSummary } from '../../../../main/common/api.js';
import { FolderField } from '../../components/FolderField.js';
import { usePersistent } from '../../lib/persist.js';

export function VariantsPanel({
  disabled,
  generated,
  onGenerate,
  onUse,
}: {
  disabled: boolean;
  generated: GenerateResult | null;
  onGenerate: (perImage: number, outputFolder: string | undefined) => void;
  onUse: (folder: string) => void;
}) {
  const [perImage, setPerImage] = usePersistent('gen.per', 4);
  const [genOut, setGenOut] = usePersistent('gen.out', '');
  const { t } = useTranslation();
  return (
    <div className="panel stack">
      <h2>{t('training.step2')}</h2>
      <div className="row">
        <label className="field" style={{ width: 120 }}>
          <span>{t('training.perImage')}</span>
          <input className="input num" type="number" min={1} max={100} value={perImage} onChange={(e) => setPerImage(Math.max(1, Number(e.target.value) || 1))} />
        </label>
        <div style={{ flex: 1 }}>
          <FolderField label={t('training.outputFolder')} value={genOut} onChange={setGenOut} placeholder={t('training.outputFolderDefault')} />
        </div>
      </div>
      <div className="row">
        <button className="btn" disabled={disabled} onClick={() => onGenerate(perImage, genOut.trim() || undefined)}>
          {t('training.generate')}
        </button>
        {generated ? (
          <>
            <span className="small muted">
              {t('training.generatedIn', { count: generated.images })} <span className="mono">{generated.outputDir}</span>
            </span>
            <button className="btn small" onClick={() => onUse(generated.outputDir)}>
              {t('training.trainOnThese')}
            </button>
          </>
        ) : null}
      </div>
    </div>
  );
}

export function EvaluatePanel({ active, disabled, onEvaluate }: { active: ModelSummary | null; disabled: boolean; onEvaluate: (folder: string, maxImages?: number) => void }) {
  const [evalFolder, setEvalFolder] = usePersistent('eval.folder', '');
  const [evalMax, setEvalMax] = usePersistent<number | ''>('eval.max', '');
  const { t } = useTranslation();
  return (
    <div className="panel stack">
      <h2>{t('training.step4')}</h2>
      <FolderField label={t('training.labelledFolder')} value={evalFolder} onChange={setEvalFolder} testId="eval-folder" />
      <div className="row">
        <label className="field" style={{ width: 130 }}>
          <span>{t('training.maxImages')}</span>
          <input className="input num" type="number" min={1} value={evalMax} onChange={(e) => setEvalMax(e.target.value === '' ? '' : Math.max(1, Number(e.target.value)))} />
        </label>
        <button
          className="btn primary"
          style={{ alignSelf: 'end' }}
          data-testid="eval-start"
          disabled={disabled || !evalFolder.trim() || !active}
          onClick={() => onEvaluate(evalFolder.trim(), evalMax === '' ? undefined : evalMax)}
        >
          {t('training.evaluate', { name: active ? active.name : t('training.activeModel') })}
        </button>
      </div>
    </div>
  );
}
