/** Training, evaluation and the first-start demo model, as jobs in the engine worker. */
import { mkdir, rm, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { EvaluateRequestSchema, EvaluateResult, TrainRequestSchema, TrainResult } from '../common/api.js';
import type { z } from 'zod';
import { StationFault } from '../common/result.js';
import { listMvtec } from '../dataset/mvtec.js';
import { listImages } from '../camera/folder-source.js';
import { renderDemoPart, type DemoDefect } from '../camera/demo-parts.js';
import { encodePng } from '../node/image-io.js';
import { writeFileAtomic } from '../dataset/generate.js';
import { trainPatchCore, savePatchCore, scoreLabelled, type LabelledImage } from '../inference/patchcore/index.js';
import { auroc, bestF1 } from '../evaluation/metrics.js';
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
      for (const list of by.values()) if (list[i] && out.length < max) (out.push(list[i]), (any = true));
      if (!any) break;
    }
    items = out;
  }
  return items;
}

export async function runTraining(reg: ModelRegistry, req: TrainReq, ctx: JobContext): Promise<TrainResult> {
  const images = await goodImagesOf(req.goodFolder, req.maxImages);
  const backbone = req.backbone ?? (await defaultBackbone());
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
  const s = await reg.register(model, (dir) => savePatchCore(model, dir), { name: req.name, trainImages: images.length, activate: req.activate });
  return { modelId: s.id };
}

export async function runEvaluation(reg: ModelRegistry, req: EvalReq, ctx: JobContext): Promise<EvaluateResult> {
  const id = req.modelId ?? reg.activeId();
  if (!id) throw new StationFault('not-found', 'no model to evaluate: train or activate one first');
  const rec = reg.get(id);
  if (rec.kind !== 'patchcore') throw new StationFault('invalid-input', `evaluation of ${rec.kind} models is not available here; use the CLI`);
  const items = await labelledImagesOf(req.folder, req.maxImages);
  const { loadPatchCore } = await import('../inference/patchcore/index.js');
  const model = await loadPatchCore(rec.artifactPath);
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
    reg.store.recordEvaluation({
      modelId: id,
      metrics,
      perImage: scores.map((x) => ({ path: x.name, score: x.score, label: x.label === 0 ? 'good' : (x.defectType ?? 'defect') })),
    });
    return { modelId: id, images: scores.length, metrics, scores };
  } finally {
    await model.dispose().catch(() => {});
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
