/**
 * Which images a model was trained on, by content: training records the SHA-256 of every training image file in
 * the model (`info.params.trainedOn`), and evaluation leaves those images out wherever they lie (another folder,
 * another name), so a test set can never include what the model learnt from.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { ModelInfo } from '../inference/model.js';

export async function fileSha256(path: string): Promise<string> {
  return createHash('sha256').update(await readFile(path)).digest('hex');
}

export async function hashFiles(paths: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) out.push(await fileSha256(p));
  return out;
}

/** The training images' hashes a model records (empty for models trained before this was kept). */
export function trainedOn(info: ModelInfo): ReadonlySet<string> {
  const list = info.params.trainedOn;
  return new Set(Array.isArray(list) ? list.filter((h): h is string => typeof h === 'string') : []);
}
