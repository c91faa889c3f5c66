/** Filesystem anchors: the repository root, the shared data beside it, and the user's data folder. */
import { fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { StationFault } from '../common/result.js';
import { homedir } from 'node:os';

function findRoot(start: string): string {
  let dir = start;
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'native-models'))) return dir;
    const up = dirname(dir);
    if (up === dir) return resolve(start, '..', '..');
    dir = up;
  }
}

/** The project root (holds package.json and native-models/), from source or from dist/. */
export const repoRoot: string = findRoot(dirname(fileURLToPath(import.meta.url)));

/** `../shared` beside the checkout: datasets and reference models for tests and benchmarks. */
export function sharedDir(...parts: string[]): string {
  return join(process.env.STATION_SHARED_DIR ?? resolve(repoRoot, '..', 'shared'), ...parts);
}

export function nativeModelsDir(...parts: string[]): string {
  return join(repoRoot, 'native-models', ...parts);
}

/** Where the station keeps its database, models and saved frames. */
export function userDataDir(): string {
  return process.env.STATION_DATA_DIR ?? join(homedir(), '.inspection-station');
}

/** Creates the data folder and its sub-folders, or says in one line why it cannot (read-only parent, a file in the way). */
export async function ensureDataDir(dataDir: string, subfolders: readonly string[]): Promise<void> {
  for (const sub of ['', ...subfolders]) {
    const p = join(dataDir, sub);
    try {
      await mkdir(p, { recursive: true });
    } catch (e) {
      const code = (e as { code?: string }).code ?? 'error';
      throw new StationFault(
        'io',
        `cannot create the data folder ${p} (${code}): choose a writable folder with STATION_DATA_DIR`,
        { cause: e },
      );
    }
  }
}
