/**
 * The engineer's setup screen: choose a folder of good images, optionally generate variants, train a model,
 * evaluate it on a labelled folder and look at the results as an image grid (good row, defect row) with
 * heatmaps. Long jobs show progress and can be cancelled; their outcome stays listed. The steps are panels in
 * training/; this component holds what they share: the folders, the jobs and the results.
 */
import { useCallback, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { EvaluateResult, GenerateResult, JobInfo, TrainResult } from '../../../main/common/api.js';
import { useErrors } from '../components/Feedback.js';
import { FolderField } from '../components/FolderField.js';
import { JobCard } from '../components/JobCard.js';
import { useStation } from '../connection.js';
import { useCall, useEvent, useLoad } from '../lib/hooks.js';
import { useJobOutcome, useJobs } from '../lib/jobs.js';
import { usePersistent } from '../lib/persist.js';
import { DatasetSummary } from './training/DatasetSummary.js';
import { EvaluationPanel } from './training/EvaluationPanel.js';
import { ModelsPanel } from './training/ModelsPanel.js';
import { EvaluatePanel, VariantsPanel } from './training/SetupPanels.js';
import { TrainPanel } from './training/TrainPanel.js';

type Evaluation = EvaluateResult & { folder?: string };

const running = (j: JobInfo | null) => j !== null && (j.state === 'running' || j.state === 'queued');

export function Training() {
  const { api } = useStation();
  const { run, busy } = useCall();
  const { report } = useErrors();
  const { jobs, track } = useJobs();
  const { t } = useTranslation();

  const [goodFolder, setGoodFolder] = usePersistent('train.good', '');
  const [valFolder, setValFolder] = usePersistent('train.val', '');
  const [trainJob, setTrainJob] = useState<string | null>(null);
  const [genJob, setGenJob] = useState<string | null>(null);
  const [evalJob, setEvalJob] = useState<string | null>(null);
  const [generated, setGenerated] = useState<GenerateResult | null>(null);
  const [evaluation, setEvaluation] = useState<Evaluation | null>(null);
  // The folder of the evaluation job in flight (the form's, or the shown results' when re-rendering heatmaps).
  const evalJobFolder = useRef('');

  const models = useLoad('Models', (a) => a.models.list());
  useEvent(api.models.onChanged, () => models.reload());

  /** Shows a new model's validation scores right away (good row / defect row), as an evaluation would. */
  const showValidation = useCallback(
    (modelId: string) => {
      void api.thresholds.validationScores({ modelId }).then((r) => {
        if (!r.ok || !r.value.scores.length) return;
        setEvaluation({
          modelId,
          images: r.value.scores.length,
          metrics: { auroc: r.value.auroc, threshold: r.value.threshold },
          scores: r.value.scores,
          folder: valFolder.trim() || goodFolder.trim(),
        });
      });
    },
    [api, valFolder, goodFolder],
  );

  const onJobDone = useCallback(
    (j: JobInfo) => {
      if (j.state === 'failed' && j.error) report(j.title, { kind: j.error.kind as never, message: j.error.message });
      if (j.state !== 'done') return;
      if (j.kind === 'generate') setGenerated(j.result as GenerateResult);
      if (j.kind === 'evaluate') setEvaluation({ ...(j.result as EvaluateResult), folder: evalJobFolder.current });
      if (j.kind === 'train') {
        models.reload();
        const id = (j.result as TrainResult | null)?.modelId;
        if (id) showValidation(id);
      }
    },
    [report, models, showValidation],
  );
  const tJob = useJobOutcome(jobs, trainJob, onJobDone);
  const gJob = useJobOutcome(jobs, genJob, onJobDone);
  const eJob = useJobOutcome(jobs, evalJob, onJobDone);

  const follow = (set: (id: string) => void) => (jobId: string) => {
    set(jobId);
    void track(jobId);
  };
  const generate = async (perImage: number, outputFolder: string | undefined) => {
    const r = await run('Generate variants', () => api.datasets.generate({ sourceFolder: goodFolder.trim(), perImage, outputFolder }));
    if (r) follow(setGenJob)(r.jobId);
  };
  const startEvaluation = async (folder: string, maxImages?: number, modelId?: string) => {
    const r = await run('Evaluate', () => api.models.evaluate({ folder, maxImages, modelId }));
    if (r) {
      evalJobFolder.current = folder;
      follow(setEvalJob)(r.jobId);
    }
  };

  const active = models.value?.find((m) => m.active) ?? null;

  return (
    <div className="training" data-testid="training-view">
      <div className="stack">
        <div className="panel stack">
          <h2>{t('training.step1')}</h2>
          <FolderField label={t('training.goodFolder')} value={goodFolder} onChange={setGoodFolder} testId="train-folder" />
          <DatasetSummary path={goodFolder} onSuggestValidation={(p) => !valFolder && setValFolder(p)} />
        </div>
        <VariantsPanel disabled={busy || !goodFolder.trim() || running(gJob)} generated={generated} onGenerate={(n, out) => void generate(n, out)} onUse={setGoodFolder} />
      </div>
      <div className="stack">
        <TrainPanel goodFolder={goodFolder} valFolder={valFolder} setValFolder={setValFolder} jobRunning={running(tJob)} onStarted={follow(setTrainJob)} />
        <EvaluatePanel active={active} disabled={busy || running(eJob)} onEvaluate={(folder, max) => void startEvaluation(folder, max)} />
      </div>

      <div className="stack">
        <div className="panel">
          <h2>{t('training.jobs')}</h2>
          {jobs.length ? jobs.slice(0, 6).map((j) => <JobCard key={j.id} job={j} />) : <div className="muted small">{t('training.noJobs')}</div>}
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
