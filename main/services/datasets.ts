/** Dataset folders: describe, preview, and generate variants (via main/dataset/generate.ts). */
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import type { DatasetInfo, GenerateResult } from '../common/api.js';
import { StationFault } from '../common/result.js';
import { generateDataset } from '../dataset/generate.js';
import { listMvtec } from '../dataset/mvtec.js';
import { listImages } from '../camera/folder-source.js';
import type { JobContext } from './jobs.js';

export async function inspectDataset(path: string): Promise<DatasetInfo> {
  const root = resolve(path);
  const st = await stat(root).catch(() => null);
  if (!st?.isDirectory()) throw new StationFault('not-found', `folder not found: ${root}`);
  if ((await stat(join(root, 'train', 'good')).catch(() => null))?.isDirectory()) {
    const l = await listMvtec(root);
    const goodTest = l.test.filter((t) => t.defectType === 'good').length;
    return {
      path: root,
      layout: 'mvtec',
      goodImages: l.train.length + goodTest,
      defectImages: l.test.length - goodTest,
      defectTypes: l.defectTypes,
      samples: l.train.slice(0, 6).map((t) => t.path),
    };
  }
  const files = await listImages(root, false);
  return { path: root, layout: files.length ? 'flat' : 'empty', goodImages: files.length, defectImages: 0, defectTypes: [], samples: files.slice(0, 6) };
}

export async function previewImage(path: string, size: number): Promise<{ mime: 'image/jpeg'; data: string; width: number; height: number }> {
  try {
    const { data, info } = await sharp(resolve(path), { failOn: 'error' }).rotate().resize(size, size, { fit: 'inside' }).jpeg({ quality: 80 }).toBuffer({ resolveWithObject: true });
    return { mime: 'image/jpeg', data: data.toString('base64'), width: info.width, height: info.height };
  } catch (e) {
    if (/missing|no such file/i.test((e as Error).message)) throw new StationFault('not-found', `image not found: ${path}`);
    throw new StationFault('corrupt-image', `cannot read image ${path}: ${(e as Error).message}`);
  }
}

export async function runGenerate(
  req: { sourceFolder: string; outputFolder?: string; perImage: number; options?: Record<string, unknown> },
  defaultOut: string,
  ctx: JobContext,
): Promise<GenerateResult> {
  const opts = (req.options ?? {}) as { variants?: string[]; seed?: number; limit?: { train?: number; test?: number } };
  const out = resolve(req.outputFolder ?? defaultOut);
  const variants = opts.variants ?? ['original', 'misalignment', 'brightness', 'background'].slice(0, Math.max(1, Math.min(4, req.perImage)));
  const manifest = await generateDataset({
    source: resolve(req.sourceFolder),
    out,
    variants,
    seed: opts.seed ?? 0,
    limit: opts.limit,
    onProgress: ctx.progress,
    signal: ctx.signal,
  });
  const images = (manifest as unknown as { images?: unknown[] }).images?.length ?? 0;
  return { outputDir: out, images };
}
