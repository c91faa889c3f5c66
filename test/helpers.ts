/** Shared test fixtures: the real screw images beside the checkout. */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { sharedDir } from '../main/node/paths.js';

export const SCREW = sharedDir('datasets', 'mvtec-screw');

/**
 * In CI (any non-empty CI variable; .ci/run sets CI=true): a missing real component (browser, broker, camera
 * simulator, ffmpeg, a read-only place) fails its test, never skips it.
 */
export function inCi(): boolean {
  return !!process.env.CI;
}

export function screwImages(split: 'train' | 'test', type = 'good'): string[] {
  const dir = join(SCREW, split, type);
  return readdirSync(dir).sort().map((n) => join(dir, n));
}

export function screwMask(type: string, name: string): string {
  return join(SCREW, 'ground_truth', type, name.replace('.png', '_mask.png'));
}
