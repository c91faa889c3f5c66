/**
 * Learning on the line (issue 12), engine side: feedback on inspected parts, the guard rails of "learn as good"
 * (which itself runs as a job in a job worker: learn-job.ts), the product's model versions, and shadow mode.
 *
 * Shadow mode: the candidate version scores a live part only after the active version's verdict is recorded, in
 * a worker thread of its own (shadow-scorer.ts), one part at a time; a part that comes while it is still busy, or
 * while parts wait for the active version, is skipped and counted. Its verdicts are kept beside the log rows
 * (shadow_results), never sent to the line.
 */
import type { FeedbackDto, LearnResult, ModelVersionDto, ShadowStatus, ValidationFigures } from '../common/learning.js';
import { FAR_ABOVE_THRESHOLD } from '../common/learning.js';
import type { FeedbackRequestSchema, LearnGoodRequestSchema } from '../common/learning.js';
import type { z } from 'zod';
import { StationFault } from '../common/result.js';
import type { InspectionRecord, StationStore } from '../store/interface.js';
import type { MediaStore } from '../pipeline/media-store.js';
import type { JobContext, JobManager } from './jobs.js';
import type { ModelRegistry } from './model-registry.js';
import { ShadowScorer } from './shadow-scorer.js';
import type { LearnTask } from './learn-job.js';

/** The audit trail as this service uses it (main/services/audit.ts: AuditTrail.record). */
export interface AuditSink {
  record(e: { action: string; target: string; old?: unknown; new?: unknown; reason?: string; productId?: string | null }): unknown;
}

export interface LearningDeps {
  readonly reg: ModelRegistry;
  readonly store: StationStore;
  readonly media: MediaStore;
  readonly jobs: JobManager;
  readonly audit: AuditSink;
  /** Who is calling: name and role (null = open mode). */
  readonly actor: () => { name: string; role: string | null };
  /** Runs the learn job in a job worker. */
  readonly runLearnJob: (task: LearnTask, ctx: JobContext) => Promise<LearnResult>;
  /** True while parts wait for the active version: the candidate then skips. */
  readonly busy: () => boolean;
}

function figures(perImage: readonly { score: number; label?: string | null }[], threshold: number): ValidationFigures | null {
  const labelled = perImage.filter((p) => p.label);
  if (labelled.length === 0) return null;
  const good = labelled.filter((p) => p.label === 'good');
  const bad = labelled.filter((p) => p.label !== 'good');
  return {
    good: good.length,
    falseRejects: good.filter((p) => p.score >= threshold).length,
    defects: bad.length,
    escapes: bad.filter((p) => p.score < threshold).length,
    threshold,
  };
}

export class LearningService {
  private shadow: { candidateId: string; scorer: ShadowScorer | null; loading: Promise<void> | null; skipped: number } | null = null;

  constructor(private readonly d: LearningDeps) {}

  private get learning() {
    return this.d.store.learning;
  }

  /** Operators teach only where the product allows it (settings.learning.operators); open mode and engineers always. */
  private requireTeacher(productId: string, what: string): void {
    const a = this.d.actor();
    if (a.role === null || a.role === 'engineer' || a.role === 'administrator') return;
    const settings = (this.d.store.getProduct(productId)?.settings ?? {}) as { learning?: { operators?: boolean } };
    if (settings.learning?.operators === true) return;
    throw new StationFault('forbidden', `${a.name} (${a.role ?? 'no role'}) may not ${what} for this product: it is restricted to engineers`);
  }

  private inspection(id: number): InspectionRecord {
    const rec = this.d.store.getInspection(id);
    if (!rec) throw new StationFault('not-found', `no inspected part ${id}`);
    return rec;
  }

  feedback(req: z.output<typeof FeedbackRequestSchema>): FeedbackDto {
    const rec = this.inspection(req.inspectionId);
    this.requireTeacher(rec.productId, 'give feedback');
    if (!rec.framePath) throw new StationFault('invalid-input', `part ${rec.id} has no stored image (${rec.errorMessage ?? 'not saved'}): feedback needs the image`);
    const defectKind = req.label === 'defect' ? (req.defectKind ?? (rec.verdict === 'NG' ? 'confirmed' : 'missed')) : null;
    const f = this.learning.addFeedback({
      who: this.d.actor().name,
      productId: rec.productId,
      inspectionId: rec.id,
      imagePath: rec.framePath,
      modelId: rec.modelId,
      score: rec.score,
      threshold: rec.threshold,
      label: req.label,
      defectKind,
      box: req.box ?? null,
      note: req.note,
    });
    if (req.label === 'defect' && req.box) {
      // Confirmed defects with a box join the annotated set of the supervised model.
      const b = req.box;
      this.d.store.saveAnnotation({ imagePath: this.d.media.pathOf(rec.framePath), boxes: [{ x: b.x, y: b.y, w: b.width, h: b.height, label: 'defect' }] });
    }
    this.d.audit.record({
      action: `feedback.${req.label}`,
      target: `inspection:${rec.id}`,
      new: { label: req.label, defectKind, modelId: rec.modelId, score: rec.score, threshold: rec.threshold },
      reason: req.note,
      productId: rec.productId,
    });
    return f;
  }

  feedbackFor(inspectionId: number): FeedbackDto[] {
    return this.learning.listFeedback({ inspectionId, limit: 100 });
  }

  /** Guard rails, then the learn job; the new version starts in shadow mode when it is done. */
  learnGood(req: z.output<typeof LearnGoodRequestSchema>): { jobId: string } {
    const rec = this.inspection(req.inspectionId);
    this.requireTeacher(rec.productId, 'learn parts as good');
    if (!rec.framePath) throw new StationFault('invalid-input', `part ${rec.id} has no stored image: it cannot be learned`);
    const confirmed = this.learning.confirmedDefect(rec.productId, rec.framePath);
    if (confirmed) {
      throw new StationFault('invalid-input', `part ${rec.id} was confirmed as a defect by ${confirmed.who} (${confirmed.at}): a confirmed defect is never learned as good in this product`);
    }
    const activeId = this.d.reg.activeId();
    if (!activeId) throw new StationFault('not-found', 'no active model to learn into');
    const threshold = this.d.reg.thresholdOf(this.d.reg.get(activeId));
    if (rec.score >= FAR_ABOVE_THRESHOLD * threshold && !req.confirmFar) {
      throw new StationFault(
        'invalid-input',
        `part ${rec.id} scored ${rec.score.toFixed(3)}, ${(rec.score / threshold).toFixed(1)}x the threshold ${threshold.toFixed(3)}: far above it. Look again and confirm a second time (confirmFar) to learn it as good`,
      );
    }
    const who = this.d.actor().name;
    const fb = this.learning.addFeedback({
      who, productId: rec.productId, inspectionId: rec.id, imagePath: rec.framePath, modelId: rec.modelId, score: rec.score, threshold: rec.threshold,
      label: 'good', note: req.reason,
    });
    const task: LearnTask = {
      parentId: activeId, imagePath: this.d.media.pathOf(rec.framePath), feedbackId: fb.id, inspectionId: rec.id, who,
      why: req.reason || `part ${rec.id} was a false reject`, productId: rec.productId,
    };
    const job = this.d.jobs.start(
      'learn',
      `Learning part ${rec.id} as good`,
      async (ctx) => {
        const r = await this.d.runLearnJob(task, ctx);
        this.d.reg.refresh();
        await this.shadowStart(r.modelId);
        return r;
      },
      ['learn'],
    );
    return { jobId: job.id };
  }

  /** Trained models get their version row when they appear (the train job records the validation folder). */
  recordTrained(modelId: string, detail: Record<string, unknown>): void {
    if (this.learning.getModelVersion(modelId)) return;
    const rec = this.d.reg.get(modelId);
    this.learning.addModelVersion({
      modelId, productId: rec.productId, parentId: null, change: rec.kind === 'detector' ? 'import' : 'train', detail, who: this.d.actor().name, why: 'trained',
    });
  }

  private validationOf(modelId: string, threshold: number): ValidationFigures | null {
    const latest = this.d.store.listEvaluations({ modelId })[0];
    const full = latest ? this.d.store.getEvaluation(latest.id) : null;
    return figures(full?.perImage ?? [], threshold);
  }

  versions(): ModelVersionDto[] {
    const productId = this.d.reg.productId();
    const activeId = this.d.reg.activeId();
    for (const m of this.d.store.listModels({ productId })) {
      if (!this.learning.getModelVersion(m.id)) this.recordTrained(m.id, {});
    }
    return this.learning.listModelVersions(productId).flatMap((v) => {
      const rec = this.d.store.getModel(v.modelId);
      if (!rec) return [];
      const threshold = this.d.reg.thresholdOf(rec);
      return [{
        modelId: v.modelId, name: rec.name || rec.id, parentId: v.parentId, change: v.change, detail: v.detail, who: v.who, why: v.why,
        createdAt: v.createdAt, active: v.modelId === activeId, shadow: this.shadow?.candidateId === v.modelId, threshold,
        validation: this.validationOf(v.modelId, threshold),
      }];
    });
  }

  async activate(modelId: string, reason: string, action = 'model.activate'): Promise<ModelVersionDto[]> {
    const old = this.d.reg.activeId();
    const rec = this.d.reg.get(modelId);
    await this.d.reg.activate(modelId);
    this.d.audit.record({ action, target: `model:${modelId}`, old, new: modelId, reason, productId: rec.productId });
    if (this.shadow?.candidateId === modelId) await this.shadowStop();
    return this.versions();
  }

  async promote(modelId: string, reason: string, acceptEscapes: boolean): Promise<ModelVersionDto[]> {
    const s = this.shadowStatus();
    if (s.candidateId !== modelId) throw new StationFault('invalid-input', `version ${modelId} is not in shadow mode: run it beside the active version first`);
    const a = s.validation.active;
    const c = s.validation.candidate;
    if (a && c && c.escapes > a.escapes && !acceptEscapes) {
      throw new StationFault('invalid-input', `the candidate lets ${c.escapes} validation defect(s) escape against ${a.escapes} for the active version: promote with acceptEscapes to go on anyway`);
    }
    return this.activate(modelId, reason, 'model.promote');
  }

  async shadowStart(modelId: string): Promise<ShadowStatus> {
    const rec = this.d.reg.get(modelId);
    if (modelId === this.d.reg.activeId()) throw new StationFault('invalid-input', `version ${modelId} is the active one: shadow a different version`);
    await this.shadowStop();
    const sh: NonNullable<LearningService['shadow']> = { candidateId: modelId, scorer: null, loading: null, skipped: 0 };
    this.shadow = sh;
    let failure = '';
    sh.loading = ShadowScorer.start(rec.artifactPath).then(
      async (s) => {
        if (this.shadow === sh) sh.scorer = s;
        else await s.dispose();
      },
      (e: Error) => {
        failure = e.message;
        if (this.shadow === sh) this.shadow = null;
      },
    );
    await sh.loading;
    if (this.shadow !== sh) throw new StationFault('bad-model', `version ${modelId} could not be loaded for shadow mode${failure ? `: ${failure}` : ''}`);
    this.d.audit.record({ action: 'model.shadow', target: `model:${modelId}`, new: modelId, productId: rec.productId });
    return this.shadowStatus();
  }

  async shadowStop(): Promise<ShadowStatus> {
    const sh = this.shadow;
    this.shadow = null;
    if (sh) {
      await sh.loading?.catch(() => {});
      await sh.scorer?.dispose().catch(() => {});
    }
    return this.shadowStatus();
  }

  shadowStatus(): ShadowStatus {
    const activeId = this.d.reg.activeId();
    const sh = this.shadow;
    if (!sh) return { candidateId: null, activeId, compared: 0, agreed: 0, skipped: 0, differing: [], validation: { active: null, candidate: null } };
    const counts = this.learning.shadowCounts(sh.candidateId);
    const differing = this.learning.listShadowResults(sh.candidateId, { differing: true, limit: 12 }).map((r) => ({
      inspectionId: r.inspectionId, framePath: r.framePath, activeModelId: r.activeModelId, activeScore: r.activeScore, activeVerdict: r.activeVerdict,
      activeHeatmapPath: r.activeHeatmapPath, candidateScore: r.score, candidateVerdict: r.verdict, candidateHeatmapPath: r.heatmapPath,
    }));
    const cand = this.d.reg.get(sh.candidateId);
    const active = activeId ? this.d.reg.get(activeId) : null;
    return {
      candidateId: sh.candidateId, activeId, compared: counts.compared, agreed: counts.agreed, skipped: sh.skipped, differing,
      validation: {
        active: active ? this.validationOf(active.id, this.d.reg.thresholdOf(active)) : null,
        candidate: this.validationOf(cand.id, this.d.reg.thresholdOf(cand)),
      },
    };
  }

  /**
   * After the active version's verdict of a part is recorded: the part goes to the candidate's worker thread when
   * that is idle and no part waits; else it is skipped and counted. Nothing here waits for the candidate.
   */
  recorded(rec: InspectionRecord): void {
    const sh = this.shadow;
    if (!sh || rec.verdict === 'ERROR' || !rec.framePath || rec.modelId === sh.candidateId) return;
    const scorer = sh.scorer;
    if (!scorer || scorer.busy || this.d.busy()) {
      sh.skipped++;
      return;
    }
    const threshold = this.d.reg.thresholdOf(this.d.reg.get(sh.candidateId));
    void scorer.score(this.d.media.pathOf(rec.framePath), threshold).then(
      async (out) => {
        const heatmap = out.heatmapPng ? await this.d.media.saveHeatmap(out.heatmapPng, `shadow/${sh.candidateId}/${rec.id}`) : null;
        if (this.shadow !== sh) return;
        this.learning.addShadowResult({ candidateId: sh.candidateId, inspectionId: rec.id, score: out.score, threshold, verdict: out.score >= threshold ? 'NG' : 'OK', heatmapPath: heatmap });
      },
      () => {
        // A part the candidate could not score (image gone, worker stopped) counts as skipped.
        if (this.shadow === sh) sh.skipped++;
      },
    ).catch(() => {
      if (this.shadow === sh) sh.skipped++;
    });
  }

  async dispose(): Promise<void> {
    await this.shadowStop();
  }
}
