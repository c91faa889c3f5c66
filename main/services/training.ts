/** Training, evaluation and the first-start demo model, as jobs in the engine worker. */
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { EvaluateRequestSchema, EvaluateResult, EvaluationPreview, TrainRequestSchema, TrainResult } from '../common/api.js';
import type { z } from 'zod';
import { StationFault } from '../common/result.js';
import { listMvtec } from '../dataset/mvtec.js';
import { listImages } from '../camera/folder-source.js';
import { renderDemoPart, type DemoDefect } from '../camera/demo-parts.js';
import { encodePng } from '../node/image-io.js';
import { writeFileAtomic } from '../node/atomic-write.js';
import { trainPatchCore, savePatchCore } from '../inference/patchcore/index.js';
import { scoreLabelled, loadImage, type LabelledImage } from '../inference/validation.js';
import { loadModel } from '../inference/load-model.js';
import type { InspectionModel } from '../inference/model.js';
import type { ValidationScore } from '../inference/model.js';
import { auroc, bestF1 } from '../evaluation/metrics.js';
import { MediaStore } from '../pipeline/media-store.js';
import { heatmapPngOf } from '../pipeline/heatmap.js';
import type { JobContext } from './jobs.js';
import type { ModelRegistry } from './model-registry.js';
import { defaultBackbone, patchCoreLayers } from './backbones.js';

type TrainReq = z.output<typeof TrainRequestSchema>;
type EvalReq = z.output<typeof EvaluateRequestSchema>;

async function isDir(p: string): Promise<boolean> {
  return (await stat(p).catch(() => null))?.isDirectory() ?? false;
}

/** Good images of a folder: an MVTec category's train/good, else the folder's own images. */
export async function goodImagesOf(folder: string, max?: number): Promise<string[]> {
  const root = resolve(folder);
  if (!(await isDir(root))) throw new StationFault('not-found', `folder not found: ${root}`);
  const files = (await isDir(join(root, 'train', 'good'))) ? await listImages(join(root, 'train', 'good'), false) : await listImages(root, false);
  if (files.length === 0) throw new StationFault('invalid-input', `no images in ${root} (expected images, or an MVTec folder with train/good)`);
  return max ? files.slice(0, max) : files;
}

/** Labelled images of a folder: MVTec category (its test/), or a test/-like folder with good/ + defect sub-folders. */
export async function labelledImagesOf(folder: string, max?: number): Promise<LabelledImage[]> {
  const root = resolve(folder);
  if (!(await isDir(root))) throw new StationFault('not-found', `folder not found: ${root}`);
  let items: LabelledImage[];
  if (await isDir(join(root, 'train', 'good'))) {
    const l = await listMvtec(root);
    items = l.test.map((t) => ({ source: t.path, name: `${t.defectType}/${t.name}`, label: t.defectType === 'good' ? 0 : 1, ...(t.defectType !== 'good' ? { defectType: t.defectType } : {}) }));
  } else {
    items = [];
    for (const sub of (await listImages(root, true)).map((p) => p.slice(root.length + 1).split(/[\\/]/))) {
      if (sub.length < 2) continue;
      const type = sub[0];
      items.push({ source: join(root, ...sub), name: sub.join('/'), label: type === 'good' ? 0 : 1, ...(type !== 'good' ? { defectType: type } : {}) });
    }
  }
  if (items.length === 0) throw new StationFault('invalid-input', `no labelled images in ${root} (expected good/ and defect sub-folders, or an MVTec folder)`);
  if (max && items.length > max) {
    // Round-robin over classes so a cap keeps both good and defect images.
    const by = new Map<string, LabelledImage[]>();
    for (const it of items) by.set(it.defectType ?? 'good', [...(by.get(it.defectType ?? 'good') ?? []), it]);
    const out: LabelledImage[] = [];
    for (let i = 0; out.length < max; i++) {
      let any = false;
      for (const list of by.values()) if (list[i] && out.length < max) {
        out.push(list[i]);
        any = true;
      }
      if (!any) break;
    }
    items = out;
  }
  return items;
}

export async function runTraining(reg: ModelRegistry, req: TrainReq, ctx: JobContext): Promise<TrainResult> {
  const images = await goodImagesOf(req.goodFolder, req.maxImages);
  const backbone = req.backbone && req.backbone !== 'default' ? req.backbone : await defaultBackbone();
  if (!backbone) throw new StationFault('not-found', 'no backbone installed under native-models/ (run npm install to build one)');
  const validation = req.validationFolder
    ? await labelledImagesOf(req.validationFolder, 60)
    : (await isDir(join(resolve(req.goodFolder), 'test')))
      ? await labelledImagesOf(req.goodFolder, 40)
      : undefined;
  const layers = await patchCoreLayers(backbone);
  const { model } = await trainPatchCore({
    images,
    config: { ...(req.config ?? {}), backbone, ...(layers && !req.config?.layers ? { layers } : {}) },
    validation,
    onProgress: ctx.progress,
    signal: ctx.signal,
  });
  const s = await reg.register(model, (dir) => savePatchCore(model, dir, { chunkDir: reg.chunkDir }), { name: req.name, trainImages: images.length, activate: req.activate });
  return { modelId: s.id };
}

/**
 * Scores a labelled folder with a PatchCore model and records the result as the model's validation scores.
 * `previews` renders up to `req.previewsPerClass` good and defect images (defects spread over their types) as
 * the live view would: frame + heatmap under the media root, on the fixed scale relative to the threshold in
 * force. `media` defaults to the engine's layout (`<dataDir>/media` beside `<dataDir>/models`).
 */
export async function runEvaluation(reg: ModelRegistry, req: EvalReq, ctx: JobContext, media?: MediaStore): Promise<EvaluateResult> {
  const id = req.modelId ?? reg.activeId();
  if (!id) throw new StationFault('not-found', 'no model to evaluate: train or activate one first');
  const rec = reg.get(id);
  const items = await labelledImagesOf(req.folder, req.maxImages);
  const pathOf = new Map(items.map((it) => [it.name, typeof it.source === 'string' ? it.source : undefined]));
  const model = await loadModel(rec.artifactPath);
  try {
    const scores = await scoreLabelled(model, items, ctx.progress, ctx.signal);
    const s = scores.map((x) => x.score);
    const l = scores.map((x) => x.label);
    const both = l.includes(0) && l.includes(1);
    const metrics: Record<string, number | null> = { auroc: both ? auroc(s, l) : null };
    if (both) {
      const f1 = bestF1(s, l) as unknown as Record<string, unknown>;
      for (const [k, v] of Object.entries(f1)) if (typeof v === 'number') metrics[`bestF1.${k}`] = v;
    }
    const chosen = pickPreviews(scores, req.previewsPerClass ?? 8);
    const previews = chosen.length
      ? await renderPreviews(model, chosen, pathOf, reg.thresholdOf(rec), media ?? new MediaStore(join(dirname(resolve(reg.modelsDir)), 'media')), id, ctx)
      : undefined;
    reg.store.recordEvaluation({
      modelId: id,
      metrics,
      perImage: scores.map((x) => ({ path: x.name, score: x.score, label: x.label === 0 ? 'good' : (x.defectType ?? 'defect') })),
    });
    const withPath = scores.map((x) => {
      const p = pathOf.get(x.name);
      return p ? { ...x, path: p } : x;
    });
    return { modelId: id, images: scores.length, metrics, scores: withPath, ...(previews ? { previews } : {}) };
  } finally {
    await model.dispose().catch(() => {});
  }
}

/** Up to `perClass` good images evenly spread over the list, and `perClass` defects taken round-robin over defect types. */
export function pickPreviews(scores: readonly ValidationScore[], perClass: number): ValidationScore[] {
  if (perClass <= 0) return [];
  const good = scores.filter((x) => x.label === 0);
  const k = Math.min(perClass, good.length);
  const goodPick = Array.from({ length: k }, (_, i) => good[k === 1 ? 0 : Math.round((i * (good.length - 1)) / (k - 1))]);
  const byType = new Map<string, ValidationScore[]>();
  for (const x of scores) if (x.label === 1) byType.set(x.defectType ?? 'defect', [...(byType.get(x.defectType ?? 'defect') ?? []), x]);
  const bad: ValidationScore[] = [];
  for (let i = 0; bad.length < perClass; i++) {
    let any = false;
    for (const list of byType.values()) if (list[i] && bad.length < perClass) {
      bad.push(list[i]);
      any = true;
    }
    if (!any) break;
  }
  return [...goodPick, ...bad];
}

/** Runs the full inference (map + boxes at `threshold`) on the chosen images and writes frame + heatmap media. */
async function renderPreviews(
  model: InspectionModel,
  chosen: readonly ValidationScore[],
  pathOf: ReadonlyMap<string, string | undefined>,
  threshold: number,
  media: MediaStore,
  modelId: string,
  ctx: JobContext,
): Promise<EvaluationPreview[]> {
  const dir = `evaluations/${modelId.replace(/[^\w.-]/g, '_')}`;
  const stamp = new Date().toISOString().replace(/[-:.]/g, '').replace('T', '-');
  const out: EvaluationPreview[] = [];
  for (const [i, x] of chosen.entries()) {
    if (ctx.signal.aborted) throw new StationFault('cancelled', 'evaluation cancelled');
    ctx.progress({ stage: 'previews', done: i, total: chosen.length, message: x.name });
    const path = pathOf.get(x.name);
    if (!path) continue;
    const image = await loadImage(path);
    const output = await model.infer(image, { threshold });
    const stem = `${dir}/${stamp}/${String(i).padStart(2, '0')}-${x.label ? 'defect' : 'good'}`;
    const saved = await media.saveFrame(image, stem, 512);
    let heatmap: string | null = null;
    if (output.map) {
      heatmap = await media.saveHeatmap(await heatmapPngOf(output.map, threshold), stem);
    }
    out.push({
      name: x.name,
      path,
      label: x.label,
      ...(x.defectType ? { defectType: x.defectType } : {}),
      // The full inference's score (same features and bank as the scored pass).
      score: output.score,
      threshold,
      width: image.width,
      height: image.height,
      frame: saved.frame,
      heatmap,
      boxes: output.boxes,
    });
  }
  ctx.progress({ stage: 'previews', done: chosen.length, total: chosen.length });
  await pruneOldPreviews(media, dir, stamp);
  return out;
}

/** Keeps the newest few preview sets of a model, so repeated evaluations do not fill the disk. */
async function pruneOldPreviews(media: MediaStore, dir: string, current: string, keep = 3): Promise<void> {
  for (const kind of ['frames', 'thumbs', 'heatmaps']) {
    const root = media.pathOf(`${kind}/${dir}`);
    const sets = (await readdir(root).catch(() => [] as string[])).filter((n) => n !== current).sort();
    for (const old of sets.slice(0, Math.max(0, sets.length - (keep - 1)))) await rm(join(root, old), { recursive: true, force: true }).catch(() => {});
  }
}

/** Writes demo parts: `good` normal ones under good/, and `defects` per defect type under test/. */
export async function writeDemoDataset(root: string, good: number, testPerClass: number, ctx?: JobContext): Promise<void> {
  const total = good + testPerClass * 3;
  let done = 0;
  const put = async (rel: string, index: number, defect: DemoDefect | null) => {
    if (ctx?.signal.aborted) throw new StationFault('cancelled', 'cancelled');
    const { image } = await renderDemoPart(1, index, { defect });
    await mkdir(join(root, rel, '..'), { recursive: true });
    await writeFileAtomic(join(root, rel), await encodePng(image));
    ctx?.progress({ stage: 'demo images', done: ++done, total });
  };
  for (let i = 0; i < good; i++) await put(`train/good/${String(i).padStart(3, '0')}.png`, i, null);
  for (let i = 0; i < testPerClass; i++) {
    await put(`test/good/${String(i).padStart(3, '0')}.png`, 1000 + i, null);
    await put(`test/scratch/${String(i).padStart(3, '0')}.png`, 2000 + i, 'scratch');
    await put(`test/chunk/${String(i).padStart(3, '0')}.png`, 3000 + i, 'chunk');
  }
}

/** First start: no model yet -> synthesise demo parts and train a PatchCore model on them, then activate it. */
export async function runBootstrap(reg: ModelRegistry, dataDir: string, ctx: JobContext): Promise<TrainResult> {
  const root = join(dataDir, 'demo-dataset');
  if (!existsSync(join(root, 'train', 'good', '023.png'))) {
    await rm(root, { recursive: true, force: true });
    await writeDemoDataset(root, 24, 6, ctx);
  }
  return runTraining(
    reg,
    { goodFolder: root, name: 'Demo screws (built-in)', kind: 'patchcore', activate: true, validationFolder: join(root, 'test') } as TrainReq,
    ctx,
  );
}

// ---------------------------------------------------------------------------------------------------------
// kind 'supervised' (issue 5): a patch classifier from annotated defect images + good images
// ---------------------------------------------------------------------------------------------------------

/** Good images used for a supervised model when the request gives no `maxImages`. */
export const SUPERVISED_MAX_GOOD = 30;

/** The trainSupervised options a request's `config` may set, with their default's type. */
function supervisedConfig(config: Record<string, unknown> | undefined, defaults: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(config ?? {})) {
    if (['backbone', 'onProgress', 'signal', 'validation', 'id', 'provider'].includes(k) || !(k in defaults)) {
      throw new StationFault('invalid-input', `supervised config: unknown or fixed option '${k}'`);
    }
    const d = defaults[k];
    const ok = Array.isArray(d) ? Array.isArray(v) && v.every((x) => typeof x === 'string') : typeof v === typeof d;
    if (!ok) throw new StationFault('invalid-input', `supervised config: '${k}' must be ${Array.isArray(d) ? 'a list of names' : `a ${typeof d}`}`);
    out[k] = v;
  }
  return out;
}

/**
 * Trains the supervised defect model: the annotated defect images (boxes) of `req.annotatedFolder` plus the good
 * images of `req.goodFolder` (and images annotated as good), on the station's default backbone (one every install
 * has) with its manifest's recommended layers unless the request names others. Validation scores (for threshold
 * tuning) come from `req.validationFolder`, else the good folder's MVTec test/ images not used in training, else
 * (optimistically) the training images themselves. Saved and registered like a PatchCore model.
 */
export async function runSupervisedTraining(
  reg: ModelRegistry,
  annotations: import('./annotations.js').AnnotationService,
  req: TrainReq,
  ctx: JobContext,
): Promise<TrainResult> {
  const { trainSupervised, saveSupervisedModel, DEFAULT_SUPERVISED_OPTIONS } = await import('../inference/supervised/index.js');
  const { DEFAULT_BACKBONE } = await import('../inference/patchcore/config.js');
  const { readBackboneManifest, listBackboneIds } = await import('../inference/backbone/loader.js');
  const { decodeImage } = await import('../node/image-io.js');
  type Sample = import('../inference/supervised/index.js').SupervisedSample & { defectType?: string };

  if (!req.annotatedFolder) throw new StationFault('invalid-input', 'a supervised model needs an annotated folder (images with defect boxes)');
  const cfg = supervisedConfig(req.config, DEFAULT_SUPERVISED_OPTIONS as unknown as Record<string, unknown>);
  const annotated = await annotations.annotated(req.annotatedFolder);
  const defects = annotated.filter((a) => a.boxes.length > 0);
  if (defects.length === 0) {
    throw new StationFault('invalid-input', `no annotated defect images in ${resolve(req.annotatedFolder)}: draw boxes on the Annotate screen or import masks first`);
  }
  const good = new Set((await goodImagesOf(req.goodFolder, req.maxImages ?? SUPERVISED_MAX_GOOD)).map((p) => resolve(p)));
  for (const a of annotated) if (a.boxes.length === 0 && good.size < (req.maxImages ?? SUPERVISED_MAX_GOOD) * 2) good.add(a.path);
  for (const d of defects) good.delete(d.path);

  const installed = await listBackboneIds();
  const backbone = req.backbone && req.backbone !== 'default' ? req.backbone : installed.includes(DEFAULT_BACKBONE) ? DEFAULT_BACKBONE : await defaultBackbone();
  if (!backbone) throw new StationFault('not-found', 'no backbone installed under native-models/ (run npm install to build one)');
  const { manifest } = await readBackboneManifest(backbone);
  const layers = (cfg.layers as string[] | undefined) ?? manifest.recommendedLayers ?? [manifest.features[0]!.name];
  const classes = [...new Set(defects.flatMap((d) => d.boxes.map((b) => b.label)))].sort();
  // One classifier for all classes: boxes carry the class name when there is one, else 'defect'.
  const label = (cfg.label as string | undefined) ?? (classes.length === 1 ? classes[0]! : 'defect');

  const total = defects.length + good.size;
  let loaded = 0;
  const load = async (path: string) => {
    if (ctx.signal.aborted) throw new StationFault('cancelled', 'training cancelled');
    const image = await decodeImage(path);
    ctx.progress({ stage: 'loading images', done: ++loaded, total });
    return image;
  };
  const samples: Sample[] = [];
  for (const d of defects) {
    const image = await load(d.path);
    if (image.width !== d.width || image.height !== d.height) throw new StationFault('invalid-input', `${d.path} changed size since it was annotated`);
    samples.push({ name: d.name, image, boxes: d.boxes });
  }
  for (const p of good) samples.push({ name: p, image: await load(p) });

  const used = new Set([...defects.map((d) => d.path), ...good]);
  let candidates: LabelledImage[] = [];
  if (req.validationFolder) candidates = await labelledImagesOf(req.validationFolder, 60);
  else if (await isDir(join(resolve(req.goodFolder), 'test'))) candidates = await labelledImagesOf(req.goodFolder, 40).catch(() => []);
  candidates = candidates.filter((c) => typeof c.source === 'string' && !used.has(resolve(c.source)));
  let validation: Sample[];
  if (candidates.some((c) => c.label === 1) && candidates.some((c) => c.label === 0)) {
    validation = [];
    for (const c of candidates) {
      if (ctx.signal.aborted) throw new StationFault('cancelled', 'training cancelled');
      const image = await decodeImage(c.source as string);
      // The box only marks the image as a defect for the validation label; it is not used for training.
      validation.push({ name: c.name, image, ...(c.label === 1 ? { boxes: [{ x: 0, y: 0, w: 1, h: 1 }], defectType: c.defectType ?? 'defect' } : {}) });
    }
  } else {
    // optimistic (the model has seen these), but lets the threshold screen work; up to 30 of each class
    const d = samples.filter((x) => x.boxes).slice(0, 30);
    const g = samples.filter((x) => !x.boxes).slice(0, 30);
    validation = [...d.map((x) => ({ ...x, defectType: label })), ...g];
  }

  const model = await trainSupervised(samples, {
    ...(cfg as Partial<import('../inference/supervised/index.js').SupervisedTrainOptions>),
    backbone,
    layers,
    label,
    validation,
    onProgress: ctx.progress,
    signal: ctx.signal,
  });
  const s = await reg.register(model, (dir) => saveSupervisedModel(model, dir), { name: req.name, trainImages: samples.length, activate: req.activate });
  return { modelId: s.id };
}
