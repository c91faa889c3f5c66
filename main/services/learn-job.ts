/**
 * "Learn as good" as a job in a job worker (never on the inspection thread): loads the parent version, adds the
 * part's patches to its bank (main/inference/patchcore/incremental.ts), registers the result as a new immutable
 * version (parent, what, who, why) that inherits the parent's threshold, and re-scores the validation set with
 * both versions so shadow mode can show the change in false rejects and escapes.
 *
 * Validation set: the parent's latest evaluation (image names resolved against the folder it came from when that
 * is known) plus every part confirmed as a defect on the line (feedback), which is how confirmed defects join it.
 */
import { existsSync } from 'node:fs';
import type { LearnResult } from '../common/learning.js';
import { StationFault } from '../common/result.js';
import { decodeImage } from '../node/image-io.js';
import { loadPatchCore, savePatchCore } from '../inference/patchcore/artifact.js';
import { LEARN_COVER_FRACTION, concatRows, learnGood, scoringPatches } from '../inference/patchcore/incremental.js';
import type { PatchCoreModel } from '../inference/patchcore/model.js';
import { versionId, type ModelRegistry } from './model-registry.js';
import type { JobContext } from './jobs.js';
import { labelledImagesOf } from './training.js';

export interface LearnTask {
  readonly parentId: string;
  /** Absolute path of the part's image. */
  readonly imagePath: string;
  readonly feedbackId: number;
  readonly inspectionId: number;
  readonly who: string;
  readonly why: string;
  readonly productId: string;
}

interface ValItem {
  readonly path: string;
  readonly name: string;
  readonly label: 0 | 1;
  readonly defectType?: string;
}

/** The validation images: the folder named in the parent's version (if any) and the product's confirmed defects. */
export async function validationItems(reg: ModelRegistry, parentId: string, productId: string, resolveMedia: (ref: string) => string): Promise<ValItem[]> {
  const items: ValItem[] = [];
  const folder = reg.store.learning.getModelVersion(parentId)?.detail['validationFolder'];
  if (typeof folder === 'string' && existsSync(folder)) {
    // A folder that is no longer a labelled set (moved, emptied) leaves the confirmed defects as the validation set.
    const labelled = await labelledImagesOf(folder, 60).catch(() => []);
    for (const it of labelled) {
      if (typeof it.source === 'string') items.push({ path: it.source, name: it.name, label: it.label, ...(it.defectType ? { defectType: it.defectType } : {}) });
    }
  }
  const seen = new Set<string>();
  for (const f of reg.store.learning.listFeedback({ productId, label: 'defect', limit: 500 })) {
    if (seen.has(f.imagePath)) continue;
    seen.add(f.imagePath);
    const path = resolveMedia(f.imagePath);
    if (existsSync(path)) items.push({ path, name: `line/${f.inspectionId ?? f.id}`, label: 1, defectType: `line-${f.defectKind ?? 'defect'}` });
  }
  return items;
}

type ScoredItem = { name: string; score: number; label: 0 | 1; defectType?: string };

/**
 * Scores the validation items with `model` (score = `model.infer(image).score`). With `protect`, also collects each
 * defect's scoring patches there (the version learning starts from: learnGood's `protect`).
 */
async function scoreItems(model: PatchCoreModel, items: readonly ValItem[], ctx: JobContext, stage: string, protect?: Float32Array[]): Promise<ScoredItem[]> {
  const out: ScoredItem[] = [];
  for (const [i, it] of items.entries()) {
    if (ctx.signal.aborted) throw new StationFault('cancelled', 'cancelled');
    ctx.progress({ stage, done: i, total: items.length, message: it.name });
    const ps = await model.extractor.extract(await decodeImage(it.path, { channels: 1 }));
    const { score } = await model.scorePatches(ps);
    out.push({ name: it.name, score, label: it.label, ...(it.defectType ? { defectType: it.defectType } : {}) });
    if (protect && it.label === 1) protect.push(await scoringPatches(model, ps));
  }
  return out;
}

export async function runLearnGood(reg: ModelRegistry, task: LearnTask, ctx: JobContext, resolveMedia: (ref: string) => string): Promise<LearnResult> {
  const parent = reg.get(task.parentId);
  if (parent.kind !== 'patchcore') throw new StationFault('invalid-input', `learn as good needs a PatchCore model; the active version is a ${parent.kind} model (retrain instead)`);
  if (!existsSync(task.imagePath)) throw new StationFault('not-found', `the part's image is no longer stored (${task.imagePath}); it cannot be learned`);
  ctx.progress({ stage: 'learn', done: 0, total: 1, message: 'loading the active version' });
  const model = await loadPatchCore(parent.artifactPath);
  let next: Awaited<ReturnType<typeof learnGood>>['model'] | null = null;
  let registered = false;
  try {
    const img = await decodeImage(task.imagePath, { channels: 1 });
    const threshold = reg.thresholdOf(parent);
    const scoreBefore = (await model.infer(img)).score;
    const id = versionId(parent.id, 'v');
    const t0 = performance.now();
    const items = await validationItems(reg, parent.id, task.productId, resolveMedia);
    // The validation defects' scoring patches are protected: learning cannot lower a known defect's score.
    const protect: Float32Array[] = [];
    const before = await scoreItems(model, items, ctx, 'validation (active version)', protect);
    const beforeMs = performance.now() - t0;
    const learned = await learnGood(model, [img], { id, coverTo: LEARN_COVER_FRACTION * threshold, protect: concatRows(protect) });
    next = learned.model;
    const scoreAfter = (await next.infer(img)).score;
    ctx.progress({ stage: 'learn', done: 1, total: 1, message: `bank ${learned.report.bankSize} (+${learned.report.added})` });
    const t1 = performance.now();
    const after = await scoreItems(next, items, ctx, 'validation (new version)');
    const validationMs = beforeMs + performance.now() - t1;
    if (after.length) next.info = { ...next.info, validation: after };

    const parentVersion = reg.store.learning.getModelVersion(parent.id);
    const learnedModel = next;
    // Only the rows the part added are written: the rest refers to the parent's bank chunks.
    const summary = await reg.register(learnedModel, (dir) => savePatchCore(learnedModel, dir, { chunkDir: reg.chunkDir, base: parent.artifactPath }), {
      name: `${parent.name || parent.id} + learned part ${task.inspectionId}`,
      trainImages: learnedModel.info.trainImages,
      activate: false,
    });
    // register disposed the new model and with it the extractor it shares with `model`.
    registered = true;
    await model.disposeSearch().catch(() => {});
    reg.store.setThreshold({ modelId: summary.id, value: threshold, who: task.who, why: `threshold of ${parent.id} (learned from it)` });
    if (before.length) reg.store.recordEvaluation({ modelId: parent.id, metrics: {}, perImage: before.map((x) => ({ path: x.name, score: x.score, label: x.label === 0 ? 'good' : (x.defectType ?? 'defect') })) });
    reg.store.learning.addModelVersion({
      modelId: summary.id,
      productId: parent.productId,
      parentId: parent.id,
      change: 'learn-good',
      detail: {
        inspectionId: task.inspectionId,
        feedbackId: task.feedbackId,
        image: task.imagePath,
        scoreBefore,
        scoreAfter,
        added: learned.report.added,
        withheld: learned.report.withheld,
        dropped: learned.report.dropped,
        bankSize: learned.report.bankSize,
        learnMs: Math.round(learned.report.ms),
        ...(typeof parentVersion?.detail['validationFolder'] === 'string' ? { validationFolder: parentVersion.detail['validationFolder'] } : {}),
      },
      who: task.who,
      why: task.why,
    });
    reg.store.appendAudit({
      actor: task.who,
      action: 'model.learn-good',
      target: `model:${summary.id}`,
      old: parent.id,
      new: summary.id,
      reason: task.why || `part ${task.inspectionId} learned as good`,
      productId: parent.productId,
    });
    return {
      modelId: summary.id, parentId: parent.id, added: learned.report.added, dropped: learned.report.dropped, bankSize: learned.report.bankSize,
      learnMs: learned.report.ms, validationMs, scoreBefore, scoreAfter, threshold, withheld: learned.report.withheld,
    };
  } finally {
    if (!registered) {
      await next?.disposeSearch().catch(() => {});
      await model.dispose().catch(() => {});
    }
  }
}
