/** Steps 2 and 4 of the Training screen: generating variants of the good images, and evaluating the active model. */
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
  return (
    <div className="panel stack">
      <h2>2 · Variants (optional)</h2>
      <div className="row">
        <label className="field" style={{ width: 120 }}>
          <span>per image</span>
          <input className="input num" type="number" min={1} max={100} value={perImage} onChange={(e) => setPerImage(Math.max(1, Number(e.target.value) || 1))} />
        </label>
        <div style={{ flex: 1 }}>
          <FolderField label="Output folder (optional)" value={genOut} onChange={setGenOut} placeholder="default: under the data folder" />
        </div>
      </div>
      <div className="row">
        <button className="btn" disabled={disabled} onClick={() => onGenerate(perImage, genOut.trim() || undefined)}>
          Generate variants
        </button>
        {generated ? (
          <>
            <span className="small muted">
              {generated.images} images in <span className="mono">{generated.outputDir}</span>
            </span>
            <button className="btn small" onClick={() => onUse(generated.outputDir)}>
              Train on these
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
  return (
    <div className="panel stack">
      <h2>4 · Evaluate</h2>
      <FolderField label="Labelled folder (MVTec test/ layout)" value={evalFolder} onChange={setEvalFolder} testId="eval-folder" />
      <div className="row">
        <label className="field" style={{ width: 130 }}>
          <span>max images</span>
          <input className="input num" type="number" min={1} value={evalMax} onChange={(e) => setEvalMax(e.target.value === '' ? '' : Math.max(1, Number(e.target.value)))} />
        </label>
        <button
          className="btn primary"
          style={{ alignSelf: 'end' }}
          data-testid="eval-start"
          disabled={disabled || !evalFolder.trim() || !active}
          onClick={() => onEvaluate(evalFolder.trim(), evalMax === '' ? undefined : evalMax)}
        >
          Evaluate {active ? active.name : 'active model'}
        </button>
      </div>
    </div>
  );
}
