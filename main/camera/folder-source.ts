/** Replays the images of a folder in name order (optionally recursive, optionally looping). */
import { readdir, stat } from 'node:fs/promises';
import { basename, join, relative, resolve } from 'node:path';
import { StationFault } from '../common/result.js';
import { decodeImage, isImagePath } from '../node/image-io.js';
import { PacedSource } from './paced-source.js';
import type { RetryOptions, SourceFrame } from './source.js';

/** Image files under `dir` sorted by relative path (code-point order, so 000.png < 001.png < 010.png). */
export async function listImages(dir: string, recursive: boolean): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string) => {
    const entries = await readdir(d, { withFileTypes: true });
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const p = join(d, e.name);
      if (e.isDirectory()) {
        if (recursive) await walk(p);
      } else if ((e.isFile() || e.isSymbolicLink()) && isImagePath(e.name)) out.push(p);
    }
  };
  await walk(dir);
  return out.sort((a, b) => {
    const ra = relative(dir, a);
    const rb = relative(dir, b);
    return ra < rb ? -1 : ra > rb ? 1 : 0;
  });
}

export interface FolderSourceOptions extends RetryOptions {
  readonly path: string;
  readonly fps: number;
  readonly loop: boolean;
  readonly recursive?: boolean;
}

export class FolderSource extends PacedSource {
  readonly kind = 'folder' as const;
  readonly name: string;
  private files: string[] = [];
  private index = 0;
  /** Passes over the folder so far (looping): part of each frame's part key. */
  private cycle = 0;
  /**
   * One replay started by the user: part of each part key, so replaying a folder again inspects it again
   * (every part of every replay gets a row), while the durable queue still de-duplicates within one replay.
   */
  private readonly run = Date.now().toString(36);
  private readonly dir: string;

  constructor(private readonly opts: FolderSourceOptions) {
    super(opts.fps, opts);
    this.dir = resolve(opts.path);
    this.name = basename(this.dir) || this.dir;
  }

  protected async open(): Promise<void> {
    let st;
    try {
      st = await stat(this.dir);
    } catch {
      throw new StationFault('not-found', `folder not found: ${this.dir}`);
    }
    if (!st.isDirectory()) throw new StationFault('not-found', `not a folder: ${this.dir}`);
    this.files = await listImages(this.dir, this.opts.recursive ?? false);
    if (this.files.length === 0) throw new StationFault('not-found', `no images in ${this.dir}`);
    if (this.index >= this.files.length) this.index = this.opts.loop ? 0 : this.files.length;
  }

  protected async next(): Promise<SourceFrame | null> {
    if (this.index >= this.files.length) {
      if (!this.opts.loop) return null;
      this.index = 0;
      this.cycle++;
      this.files = await listImages(this.dir, this.opts.recursive ?? false);
      if (this.files.length === 0) throw new StationFault('not-found', `no images in ${this.dir}`);
    }
    const path = this.files[this.index];
    try {
      await stat(path);
    } catch {
      // The file (or the whole folder) vanished since listing: re-list on reconnect.
      try {
        await stat(this.dir);
      } catch {
        throw new StationFault('source-lost', `folder disappeared: ${this.dir}`);
      }
      this.files.splice(this.index, 1);
      return this.next();
    }
    this.index++;
    const name = relative(this.dir, path).split('\\').join('/');
    return {
      source: this.name,
      name,
      capturedAt: Date.now(),
      path,
      partKey: `${name}#${this.run}.${this.cycle}`,
      read: (o) => decodeImage(path, { ...o, channels: 3 }),
    };
  }
}
