/**
 * Where the API may write: the station's data folder, and folders the user picked in the native folder dialog
 * since the station started (the allow-list lives here, on the engine side; a renderer or a token holder cannot
 * add to it except through that dialog). Paths are compared after resolving symlinks of the deepest existing
 * ancestor, so a link planted inside an allowed folder cannot point a write elsewhere.
 */
import { existsSync, realpathSync } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { StationFault } from '../common/result.js';

/** The real path of `p`, following symlinks of its deepest existing ancestor (the rest does not exist yet). */
export function realPathOf(p: string): string {
  const abs = resolve(p);
  const rest: string[] = [];
  let cur = abs;
  while (!existsSync(cur)) {
    const up = dirname(cur);
    if (up === cur) break;
    rest.unshift(basename(cur));
    cur = up;
  }
  try {
    return join(realpathSync(cur), ...rest);
  } catch {
    return abs;
  }
}

function isInside(root: string, p: string): boolean {
  return p === root || p.startsWith(root.endsWith(sep) ? root : root + sep);
}

export class WritableFolders {
  private readonly roots: string[] = [];

  constructor(dataDir: string) {
    this.allow(dataDir);
  }

  /** Adds a folder the user picked in the native dialog. */
  allow(folder: string): void {
    const r = realPathOf(folder);
    if (!this.roots.includes(r)) this.roots.push(r);
  }

  folders(): readonly string[] {
    return this.roots;
  }

  /** The resolved path when `path` may be written; otherwise a clear 'invalid-input' fault naming what is allowed. */
  check(path: string, what: string): string {
    const abs = resolve(path);
    const real = realPathOf(abs);
    if (this.roots.some((r) => isInside(r, real))) return abs;
    throw new StationFault(
      'invalid-input',
      `${what}: the station does not write to ${abs}; it writes only under its data folder (${this.roots[0]}) or a folder picked with "Choose folder" since it started`,
    );
  }
}
