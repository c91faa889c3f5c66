/**
 * Video-like sources: an image sequence (a folder, or a glob such as `/line/cam1/frame_*.png`) replayed at `fps`,
 * or a real video file decoded by `ffmpeg` (found on PATH; without it, a clear error). ffmpeg runs with `-re`
 * so a file plays at its own speed, like a camera; the pipeline keeps the newest frame when it falls behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { Emitter } from '../common/event.js';
import { StationFault } from '../common/result.js';
import { decodeImage, isImagePath } from '../node/image-io.js';
import { findFfmpeg, JpegStreamSplitter } from './ffmpeg.js';
import { FolderSource } from './folder-source.js';
import { PacedSource } from './paced-source.js';
import { Backoff, PauseGate, type FrameSource, type RetryOptions, type SourceFrame, type SourceStatusUpdate } from './source.js';

export interface VideoSourceOptions extends RetryOptions {
  readonly path: string;
  readonly fps: number;
  readonly loop: boolean;
}

const GLOB_CHARS = /[*?[]/;

/** A glob over file names in one folder (`*`, `?`, `[abc]`); no `**`. */
export function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const j = pattern.indexOf(']', i + 1);
      if (j < 0) re += '\\[';
      else {
        re += `[${pattern.slice(i + 1, j).replace(/\\/g, '\\\\')}]`;
        i = j;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** Replays the image files matching a glob in name order. */
export class ImageSequenceSource extends PacedSource {
  readonly kind = 'video' as const;
  readonly name: string;
  private files: string[] = [];
  private index = 0;
  private cycle = 0;
  private readonly dir: string;
  private readonly re: RegExp;

  constructor(private readonly opts: VideoSourceOptions) {
    super(opts.fps, opts);
    const abs = resolve(opts.path);
    this.dir = dirname(abs);
    this.re = globToRegExp(basename(abs));
    this.name = basename(abs);
  }

  protected async open(): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      throw new StationFault('not-found', `folder not found: ${this.dir}`);
    }
    this.files = names.filter((n) => this.re.test(n) && isImagePath(n)).sort().map((n) => join(this.dir, n));
    if (this.files.length === 0) throw new StationFault('not-found', `no images match ${this.opts.path}`);
  }

  protected async next(): Promise<SourceFrame | null> {
    if (this.index >= this.files.length) {
      if (!this.opts.loop) return null;
      this.index = 0;
      this.cycle++;
      await this.open();
    }
    const path = this.files[this.index++];
    await stat(path).catch(() => {
      throw new StationFault('source-lost', `image sequence file disappeared: ${path}`);
    });
    const name = basename(path);
    return { source: this.name, name, capturedAt: Date.now(), path, partKey: `${name}#${this.cycle}`, read: (o) => decodeImage(path, { ...o, channels: 3 }) };
  }
}

/** Decodes a video file with ffmpeg into JPEG frames at `fps`. */
export class FfmpegVideoSource implements FrameSource {
  readonly kind = 'video' as const;
  readonly name: string;
  private readonly status = new Emitter<SourceStatusUpdate>();
  readonly onStatus = this.status.event;
  private child: ChildProcess | null = null;
  private emit: ((f: SourceFrame) => void) | null = null;
  private running = false;
  private readonly gate = new PauseGate((u) => this.status.fire(u));
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly backoff: Backoff;
  private index = 0;

  constructor(
    private readonly opts: VideoSourceOptions,
    private readonly ffmpeg: string,
  ) {
    this.name = basename(opts.path);
    this.backoff = new Backoff(opts.retryBaseMs, opts.retryMaxMs);
  }

  start(emit: (frame: SourceFrame) => void): void {
    if (this.running) return;
    this.running = true;
    this.emit = emit;
    this.status.fire({ state: 'starting' });
    void this.launch();
  }

  pause(): void {
    this.gate.pause();
  }
  resume(): void {
    this.gate.resume();
  }
  step(): void {
    this.gate.step(this.emit);
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.child?.kill('SIGKILL');
    this.child = null;
    this.emit = null;
    this.status.fire({ state: 'idle' });
    this.status.dispose();
  }

  private async launch(): Promise<void> {
    if (!this.running) return;
    const path = resolve(this.opts.path);
    const st = await stat(path).catch(() => null);
    if (!st?.isFile()) return this.retry(`video file not found: ${path}`);
    const args = ['-hide_banner', '-loglevel', 'error', ...(this.opts.loop ? ['-stream_loop', '-1'] : []), '-re', '-i', path];
    args.push('-vf', `fps=${this.opts.fps}`, '-f', 'image2pipe', '-c:v', 'mjpeg', '-q:v', '3', 'pipe:1');
    const child = spawn(this.ffmpeg, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const splitter = new JpegStreamSplitter();
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-2000);
    });
    child.stdout!.on('data', (chunk: Buffer) => {
      for (const jpeg of splitter.push(chunk)) {
        this.backoff.reset();
        const frame: SourceFrame = {
          source: this.name,
          name: `${this.name}#${this.index++}`,
          capturedAt: Date.now(),
          read: (o) => decodeImage(jpeg, { ...o, channels: 3 }),
        };
        if (!this.gate.isPaused) this.status.fire({ state: 'running' });
        this.gate.offer(frame, this.emit);
      }
    });
    child.on('error', (e) => void this.retry(`ffmpeg failed to start: ${e.message}`));
    child.on('exit', (code) => {
      if (this.child !== child || !this.running) return;
      this.child = null;
      if (code === 0) {
        this.status.fire({ state: 'ended', message: 'end of video' });
        this.running = false;
      } else void this.retry(`ffmpeg exited with ${code}: ${stderr.trim().split('\n').pop() ?? ''}`);
    });
  }

  private retry(message: string): void {
    if (!this.running) return;
    const inMs = this.backoff.next();
    this.status.fire({ state: 'lost', message, retry: { attempt: this.backoff.attempt, inMs } });
    this.timer = setTimeout(() => void this.launch(), inMs);
  }
}

/** Picks the right implementation for a `video` source path. */
export async function createVideoSource(opts: VideoSourceOptions): Promise<FrameSource> {
  const abs = resolve(opts.path);
  if (GLOB_CHARS.test(basename(abs))) return new ImageSequenceSource(opts);
  const st = await stat(abs).catch(() => null);
  if (st?.isDirectory()) return new FolderSource({ ...opts, path: abs });
  if (isImagePath(abs)) return new ImageSequenceSource(opts);
  const ffmpeg = findFfmpeg();
  if (!ffmpeg) {
    throw new StationFault(
      'invalid-input',
      `playing a video file needs ffmpeg, which was not found on PATH (set STATION_FFMPEG to its location, or give a folder / glob of images instead): ${abs}`,
    );
  }
  return new FfmpegVideoSource(opts, ffmpeg);
}
