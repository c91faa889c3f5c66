/**
 * The engineer's setup screen: choose a folder of good images, optionally generate variants, train a model,
 * evaluate it on a labelled folder and look at the results as an image grid (good row, defect row) with
 * heatmaps. Long jobs show progress and can be cancelled; their outcome stays listed.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { ThresholdEvidence } from '../components/ThresholdEvidence.js';
import type { DatasetInfo, EvaluateResult, EvaluationPreview, GenerateResult, JobInfo, ModelSummary, TrainResult, ValidationScoreDto } from '../../../main/common/api.js';
import { useErrors } from '../components/Feedback.js';
import { FolderField } from '../components/FolderField.js';
import { JobCard } from '../components/JobCard.js';
import { useStation } from '../connection.js';
import { fmtPct, fmtScore, fmtTime, useCall, useEvent, useLoad } from '../lib/hooks.js';
import { useJobOutcome, useJobs } from '../lib/jobs.js';
import { usePersistent } from '../lib/persist.js';

export function Training() {
  const { api, info } = useStation();
  const { run, busy } = useCall();
  const { report } = useErrors();
  const { jobs, track } = useJobs();

  const [goodFolder, setGoodFolder] = usePersistent('train.good', '');
  const [valFolder, setValFolder] = usePersistent('train.val', '');
  const [name, setName] = useState('');
  const [backbone, setBackbone] = usePersistent('train.backbone', '');
  const [maxImages, setMaxImages] = usePersistent<number | ''>('train.max', '');
  const [coreset, setCoreset] = usePersistent<number | ''>('train.coreset', '');
  const [kind, setKind] = usePersistent<'patchcore' | 'supervised'>('train.kind', 'patchcore');
  const [annotated, setAnnotated] = usePersistent('train.annotated', '');
  const [advanced, setAdvanced] = usePersistent('train.advanced', '');
  const [perImage, setPerImage] = usePersistent('gen.per', 4);
  const [genOut, setGenOut] = usePersistent('gen.out', '');
  const [evalFolder, setEvalFolder] = usePersistent('eval.folder', '');
  const [evalMax, setEvalMax] = usePersistent<number | ''>('eval.max', '');

  const [trainJob, setTrainJob] = useState<string | null>(null);
  const [genJob, setGenJob] = useState<string | null>(null);
  const [evalJob, setEvalJob] = useState<string | null>(null);
  const [generated, setGenerated] = useState<GenerateResult | null>(null);
  const [evaluation, setEvaluation] = useState<(EvaluateResult & { folder?: string }) | null>(null);
  // The folder of the evaluation job in flight (the form's, or the shown results' when re-rendering heatmaps).
  const evalJobFolder = useRef('');

  const models = useLoad('Models', (a) => a.models.list());
  useEvent(api.models.onChanged, () => models.reload());

  const onJobDone = useCallback(
    (j: JobInfo) => {
      if (j.state === 'failed' && j.error) report(j.title, { kind: j.error.kind as never, message: j.error.message });
      if (j.state !== 'done') return;
      if (j.kind === 'generate') setGenerated(j.result as GenerateResult);
      if (j.kind === 'evaluate') setEvaluation({ ...(j.result as EvaluateResult), folder: evalJobFolder.current });
      if (j.kind === 'train') {
        models.reload();
        // Show the new model's validation scores right away (good row / defect row), as an evaluation would.
        const id = (j.result as TrainResult | null)?.modelId;
        if (id) {
          void api.thresholds.validationScores({ modelId: id }).then((r) => {
            if (r.ok && r.value.scores.length) {
              setEvaluation({
                modelId: id,
                images: r.value.scores.length,
                metrics: { auroc: r.value.auroc, threshold: r.value.threshold },
                scores: r.value.scores,
                folder: valFolder.trim() || goodFolder.trim(),
              });
            }
          });
        }
      }
    },
    [report, models, api, valFolder, goodFolder],
  );
  const tJob = useJobOutcome(jobs, trainJob, onJobDone);
  const gJob = useJobOutcome(jobs, genJob, onJobDone);
  const eJob = useJobOutcome(jobs, evalJob, onJobDone);
  const running = (j: JobInfo | null) => j !== null && (j.state === 'running' || j.state === 'queued');

  const config = (): Record<string, unknown> | undefined | null => {
    let extra: Record<string, unknown> = {};
    if (advanced.trim()) {
      try {
        extra = JSON.parse(advanced) as Record<string, unknown>;
      } catch (e) {
        report('Advanced config', { kind: 'invalid-input', message: `not valid JSON: ${(e as Error).message}` });
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
    if (r) {
      setTrainJob(r.jobId);
      void track(r.jobId);
    }
  };
  const generate = async () => {
    const r = await run('Generate variants', () =>
      api.datasets.generate({ sourceFolder: goodFolder.trim(), perImage, outputFolder: genOut.trim() || undefined }),
    );
    if (r) {
      setGenJob(r.jobId);
      void track(r.jobId);
    }
  };
  const startEvaluation = async (folder: string, maxImages?: number, modelId?: string) => {
    const r = await run('Evaluate', () => api.models.evaluate({ folder, maxImages, modelId }));
    if (r) {
      evalJobFolder.current = folder;
      setEvalJob(r.jobId);
      void track(r.jobId);
    }
  };
  const evaluate = () => startEvaluation(evalFolder.trim(), evalMax === '' ? undefined : evalMax);

  const backbones = info?.backbones ?? [];
  const active = models.value?.find((m) => m.active) ?? null;

  return (
    <div className="training" data-testid="training-view">
      <div className="stack">
        <div className="panel stack">
          <h2>1 · Good images</h2>
          <FolderField label="Folder of good images" value={goodFolder} onChange={setGoodFolder} testId="train-folder" />
          <DatasetSummary path={goodFolder} onSuggestValidation={(p) => !valFolder && setValFolder(p)} />
        </div>

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
            <button className="btn" disabled={busy || !goodFolder.trim() || running(gJob)} onClick={() => void generate()}>
              Generate variants
            </button>
            {generated ? (
              <>
                <span className="small muted">
                  {generated.images} images in <span className="mono">{generated.outputDir}</span>
                </span>
                <button className="btn small" onClick={() => setGoodFolder(generated.outputDir)}>
                  Train on these
                </button>
              </>
            ) : null}
          </div>
        </div>

        <div className="panel stack">
          <h2>3 · Train</h2>
          <div className="row" role="radiogroup" aria-label="Model kind" data-testid="train-kind">
            <button type="button" className="btn" aria-pressed={kind === 'patchcore'} data-testid="kind-patchcore" onClick={() => setKind('patchcore')} title="Anomaly detection: learns from good images only">
              PatchCore
            </button>
            <button type="button" className="btn" aria-pressed={kind === 'supervised'} data-testid="kind-supervised" onClick={() => setKind('supervised')} title="Patch classifier: learns from annotated defects + good images">
              Supervised
            </button>
          </div>
          {kind === 'supervised' ? (
            <FolderField label="Annotated folder (defect boxes from the Annotate screen)" value={annotated} onChange={setAnnotated} testId="train-annotated" />
          ) : null}
          <div className="row">
            <label className="field" style={{ flex: 1 }}>
              <span>Model name</span>
              <input className="input" value={name} placeholder="e.g. screw M4 line 2" data-testid="train-name" onChange={(e) => setName(e.target.value)} />
            </label>
            <label className="field" style={{ flex: 1 }}>
              <span>Backbone</span>
              <select className="input" value={backbone} onChange={(e) => setBackbone(e.target.value)}>
                <option value="">default{info?.defaultBackbone ? ` (${info.defaultBackbone})` : ''}</option>
                {backbones.map((b) => (
                  <option key={b.id} value={b.id} disabled={!b.available} title={b.description}>
                    {b.id}
                    {b.available ? '' : ' (missing)'}
                  </option>
                ))}
              </select>
            </label>
          </div>
          <div className="row">
            <label className="field" style={{ width: 130 }}>
              <span>max images</span>
              <input className="input num" type="number" min={1} value={maxImages} data-testid="train-max" onChange={(e) => setMaxImages(e.target.value === '' ? '' : Math.max(1, Number(e.target.value)))} />
            </label>
            <label className="field" style={{ width: 130, display: kind === 'patchcore' ? undefined : 'none' }}>
              <span>coreset ratio</span>
              <input className="input num" type="number" min={0.001} max={1} step={0.01} value={coreset} placeholder="default" onChange={(e) => setCoreset(e.target.value === '' ? '' : Number(e.target.value))} />
            </label>
          </div>
          <FolderField label="Validation folder (good + defect, optional)" value={valFolder} onChange={setValFolder} testId="train-validation" />
          <details>
            <summary className="small muted">Advanced config (JSON, {kind === 'patchcore' ? 'PatchCore' : 'supervised training'} fields)</summary>
            <textarea className="input mono small" style={{ width: '100%' }} value={advanced} data-testid="train-advanced" placeholder='{"mapSigma": 4}' onChange={(e) => setAdvanced(e.target.value)} />
          </details>
          <button className="btn primary" data-testid="train-start" disabled={busy || !goodFolder.trim() || (kind === 'supervised' && !annotated.trim()) || running(tJob)} onClick={() => void train()}>
            Train {kind === 'supervised' ? 'supervised model' : 'model'}
          </button>
        </div>

        <div className="panel stack">
          <h2>4 · Evaluate</h2>
          <FolderField label="Labelled folder (MVTec test/ layout)" value={evalFolder} onChange={setEvalFolder} testId="eval-folder" />
          <div className="row">
            <label className="field" style={{ width: 130 }}>
              <span>max images</span>
              <input className="input num" type="number" min={1} value={evalMax} onChange={(e) => setEvalMax(e.target.value === '' ? '' : Math.max(1, Number(e.target.value)))} />
            </label>
            <button className="btn primary" style={{ alignSelf: 'end' }} data-testid="eval-start" disabled={busy || !evalFolder.trim() || !active || running(eJob)} onClick={() => void evaluate()}>
              Evaluate {active ? active.name : 'active model'}
            </button>
          </div>
        </div>
      </div>

      <div className="stack">
        <div className="panel">
          <h2>Jobs</h2>
          {jobs.length ? jobs.slice(0, 6).map((j) => <JobCard key={j.id} job={j} />) : <div className="muted small">No jobs yet.</div>}
        </div>
        <EvaluationPanel
          evaluation={evaluation}
          rendering={running(eJob)}
          // Heatmaps come with an evaluation: re-evaluate the shown folder (same model, same image cap).
          onRender={(e) => e.folder && void startEvaluation(e.folder, e.images, e.modelId)}
        />
        <ModelsPanel models={models.value ?? []} onChange={models.reload} />
      </div>
    </div>
  );
}

function DatasetSummary({ path, onSuggestValidation }: { path: string; onSuggestValidation: (p: string) => void }) {
  const { api } = useStation();
  const [ds, setDs] = useState<DatasetInfo | null>(null);
  const [err, setErr] = useState<string | null>(null);
  const [thumbs, setThumbs] = useState<string[]>([]);
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
        if (r.value.layout === 'mvtec' && r.value.defectImages > 0) onSuggestValidation(p);
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
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [path, api]);
  if (err) return <div className="small banner error" data-testid="dataset-error">{err}</div>;
  if (!ds) return null;
  return (
    <div className="stack" data-testid="dataset-summary">
      <div className="small">
        <span className="tag">{ds.layout}</span> <b>{ds.goodImages}</b> good
        {ds.defectImages ? (
          <>
            , <b>{ds.defectImages}</b> defect ({ds.defectTypes.join(', ')})
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

/**
 * Results of an evaluation (or of training's validation): metrics, then the good row and the defect row. With
 * previews (sent by an evaluation) each cell is the frame with its heatmap on the station's fixed scale and the
 * boxes; without (training's validation scores), thumbnails and scores, and "Show heatmaps" evaluates the folder.
 */
function EvaluationPanel({
  evaluation,
  rendering,
  onRender,
}: {
  evaluation: (EvaluateResult & { folder?: string }) | null;
  rendering: boolean;
  onRender: (e: EvaluateResult & { folder?: string }) => void;
}) {
  const { mediaUrl } = useStation();
  const [opacity, setOpacity] = usePersistent('grid.opacity', 0.55);
  const previews = evaluation?.previews?.length ? evaluation.previews : undefined;
  const byClass = useMemo(() => {
    const good: (EvaluationPreview | ValidationScoreDto)[] = [];
    const bad: (EvaluationPreview | ValidationScoreDto)[] = [];
    for (const s of previews ?? evaluation?.scores ?? []) (s.label === 1 ? bad : good).push(s);
    return { good: good.slice(0, 12), bad: bad.slice(0, 12) };
  }, [evaluation, previews]);
  if (!evaluation) {
    return (
      <div className="panel">
        <h2>Results</h2>
        <div className="muted small">Evaluate a model to see its scores and heatmaps on good and defect images.</div>
      </div>
    );
  }
  const m = evaluation.metrics;
  const keys = Object.keys(m).filter((k) => typeof m[k] === 'number');
  const cell = (s: EvaluationPreview | ValidationScoreDto, i: number) => (
    <div key={i} className={`img-cell ${s.label ? 'ng' : 'ok'}`} data-testid="grid-cell" title={s.path ?? s.name}>
      {'frame' in s ? (
        <div className="stacked">
          <img src={mediaUrl(s.frame)} alt={s.name} />
          {s.heatmap ? <img src={mediaUrl(s.heatmap)} alt="" className="heat" data-testid="grid-heat" style={{ opacity }} /> : null}
          {s.boxes.length ? (
            <svg viewBox={`0 0 ${s.width} ${s.height}`} style={{ position: 'absolute', inset: 0, width: '100%', height: '100%' }}>
              {s.boxes.map((b, k) => (
                <rect key={k} x={b.x} y={b.y} width={b.w} height={b.h} fill="none" stroke="#ff3b30" strokeWidth={Math.max(2, s.width / 200)} />
              ))}
            </svg>
          ) : null}
        </div>
      ) : (
        <PreviewImage name={s.name} path={s.path} base={evaluation.folder} />
      )}
      <div className="cap mono">
        <span>{s.defectType ?? (s.label ? 'defect' : 'good')}</span>
        <span>{fmtScore(s.score)}</span>
      </div>
    </div>
  );
  const state = rendering ? 'running' : previews ? 'done' : 'idle';
  return (
    <div className="panel stack" data-testid="evaluation">
      <header>
        <h2>Results — {evaluation.images} images</h2>
        <span className="spacer" />
        {evaluation.folder ? (
          <button
            className="btn small"
            data-testid="render-heatmaps"
            data-state={state}
            disabled={rendering}
            title={previews ? 'Evaluate again (e.g. after a threshold change: heatmaps are drawn relative to the threshold)' : 'Evaluate this folder to render heatmaps'}
            onClick={() => onRender(evaluation)}
          >
            {rendering ? 'Rendering heatmaps…' : previews ? 'Re-render heatmaps' : 'Show heatmaps'}
          </button>
        ) : null}
        {previews ? (
          <label className="row small">
            heatmap
            <input type="range" min={0} max={1} step={0.05} value={opacity} onChange={(e) => setOpacity(Number(e.target.value))} />
          </label>
        ) : null}
      </header>
      <div className="metrics">
        {keys.slice(0, 8).map((k) => (
          <div className="stat" key={k}>
            <div className="v num" style={{ fontSize: 22 }}>
              {/rate|recall|precision|accuracy/i.test(k) ? fmtPct(m[k]) : fmtScore(m[k])}
            </div>
            <div className="l">{k}</div>
          </div>
        ))}
      </div>
      <div className="grid-row-title">Good{previews ? ` — ${byClass.good.length} of ${evaluation.scores.filter((s) => s.label === 0).length}` : ''}</div>
      <div className="img-grid">{byClass.good.map(cell)}</div>
      <div className="grid-row-title">Defect{previews ? ` — ${byClass.bad.length} of ${evaluation.scores.filter((s) => s.label === 1).length}` : ''}</div>
      <div className="img-grid">{byClass.bad.map(cell)}</div>
    </div>
  );
}

/**
 * A scored image as a thumbnail (datasets.preview): its server path when the engine sent one; otherwise names are
 * relative to the evaluated folder, or to its test/ sub-folder for an MVTec category folder. Shows the name when no image loads.
 */
function PreviewImage({ name, path, base }: { name: string; path?: string; base?: string }) {
  const { api } = useStation();
  const [src, setSrc] = useState<string | null>(null);
  useEffect(() => {
    const absolute = /^([a-zA-Z]:)?[\\/]/.test(name);
    const sep = base && base.includes('\\') && !base.includes('/') ? '\\' : '/';
    const join = (...p: string[]) => p.map((x, i) => (i === 0 ? x.replace(/[\\/]+$/, '') : x)).join(sep);
    const candidates = path ? [path] : absolute ? [name] : base ? [join(base, name), join(base, 'test', name)] : [];
    let live = true;
    void (async () => {
      for (const path of candidates) {
        const r = await api.datasets.preview({ path, size: 192 });
        if (!live) return;
        if (r.ok) return setSrc(`data:${r.value.mime};base64,${r.value.data}`);
      }
    })();
    return () => {
      live = false;
    };
  }, [api, name, path, base]);
  if (src) return <img src={src} alt={name} />;
  return <div className="no-image mono small">{name.split(/[\\/]/).slice(-2).join('/')}</div>;
}

function ModelsPanel({ models, onChange }: { models: readonly ModelSummary[]; onChange: () => void }) {
  const { api } = useStation();
  const { run, busy } = useCall();
  return (
    <div className="panel">
      <h2>Models</h2>
      {models.length ? (
        <table className="list" data-testid="models">
          <thead>
            <tr>
              <th>Name</th>
              <th>Backbone</th>
              <th>Images</th>
              <th>Threshold</th>
              <th>Created</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {models.map((m) => (
              <tr key={m.id} className={m.active ? 'current' : ''}>
                <td>
                  {m.name} {m.active ? <span className="tag ok">active</span> : null}
                </td>
                <td className="mono small">{m.backbone}</td>
                <td className="num">{m.trainImages}</td>
                <td>
                  <span className="mono">{fmtScore(m.threshold)}</span> <ThresholdEvidence model={m} />
                </td>
                <td className="mono small">{fmtTime(m.createdAt)}</td>
                <td style={{ whiteSpace: 'nowrap' }}>
                  {!m.active ? (
                    <>
                      <button className="btn small" disabled={busy} onClick={() => void run('Activate model', () => api.models.activate({ id: m.id })).then(onChange)}>
                        Activate
                      </button>{' '}
                      <button
                        className="btn small danger"
                        disabled={busy}
                        onClick={() => {
                          if (window.confirm(`Delete model "${m.name}"? Its log records stay.`)) void run('Delete model', () => api.models.remove({ id: m.id })).then(onChange);
                        }}
                      >
                        Delete
                      </button>
                    </>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <div className="muted small">No models yet.</div>
      )}
    </div>
  );
}
