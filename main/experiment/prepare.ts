/** Generates (or reuses) the dataset variants an experiment runs on. */
import { readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { ProgressFn } from '../common/types.js';
import { generateDataset, MANIFEST_FILE, type GenerateManifest } from '../dataset/generate.js';
import { parseVariant } from '../dataset/variants.js';

/**
 * Writes every variant of `source` under `work` unless a manifest there already records the same source,
 * seed and variants (generation is deterministic, so the files would be identical). Otherwise the variant folders
 * (those requested and those the old manifest lists) are emptied first: generating over another source's files
 * would mix two datasets.
 * @returns the folder of each variant, keyed by canonical variant name
 */
export async function prepareVariants(opts: {
  source: string;
  work: string;
  variants: readonly string[];
  seed: number;
  trainLimit?: number;
  onProgress?: ProgressFn;
  signal?: AbortSignal;
}): Promise<Record<string, string>> {
  const names = opts.variants.map((v) => parseVariant(v).name);
  const dirs = Object.fromEntries(names.map((n) => [n, join(resolve(opts.work), n)]));
  let stale: string[] = [];
  try {
    const m = JSON.parse(await readFile(join(opts.work, MANIFEST_FILE), 'utf8')) as GenerateManifest;
    const sameLimit = (m.limit?.train ?? null) === (opts.trainLimit ?? null) && (m.limit?.test ?? null) === null;
    if (m.source === resolve(opts.source) && m.seed === opts.seed && sameLimit && names.every((n) => m.variants.includes(n))) return dirs;
    stale = Array.isArray(m.variants) ? m.variants.filter((v) => typeof v === 'string' && /^[a-z+]+$/.test(v)) : [];
  } catch {
    /* no usable manifest (none, or a run that did not finish): generate */
  }
  // Only folders named after variants are removed, never anything else a user keeps in the work folder.
  await rm(join(opts.work, MANIFEST_FILE), { force: true });
  for (const n of new Set([...names, ...stale])) await rm(join(resolve(opts.work), n), { recursive: true, force: true });
  await generateDataset({
    source: opts.source,
    out: opts.work,
    variants: names,
    seed: opts.seed,
    onProgress: opts.onProgress,
    signal: opts.signal,
    ...(opts.trainLimit ? { limit: { train: opts.trainLimit } } : {}),
  });
  return dirs;
}
