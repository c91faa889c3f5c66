/**
 * The software / PLC trigger source: nothing runs on a clock; each trigger (OPC UA, Modbus, MQTT, the UI, the CLI)
 * acquires exactly one part, which goes to the durable every-part queue like a hot-folder file:
 *   - from 'folder': the next image of the folder in name order, looping at the end (a stand-in for a triggered
 *     camera, and how the line tests and the benchmark feed real screw images);
 *   - from 'demo': a newly rendered synthetic part, written to the spool folder first, because a pending part
 *     must be a file that a restarted station can read again.
 * The triggered GenICam camera (issue 9) follows the same pattern: acquire one frame per trigger, spool it.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, stat } from 'node:fs/promises';
import { basename, join, relative, resolve } from 'node:path';
import { Emitter } from '../common/event.js';
import { StationFault } from '../common/result.js';
import { writeFileAtomic } from '../node/atomic-write.js';
import { decodeImage, encodePng } from '../node/image-io.js';
import { renderDemoPart } from './demo-parts.js';
import { listImages } from './folder-source.js';
import type { EmitFrame, FrameSource, SourceFrame, SourceStatusUpdate } from './source.js';

export interface TriggerSourceOptions {
  readonly from: 'demo' | 'folder';
  readonly path?: string;
  readonly recursive?: boolean;
  readonly defectRate?: number;
  readonly seed?: number;
  /** Where in-memory parts (demo) are written before they are queued. */
  readonly spoolDir: string;
}

export class TriggerSource implements FrameSource {
  readonly kind = 'trigger' as const;
  readonly name: string;
  private readonly status = new Emitter<SourceStatusUpdate>();
  readonly onStatus = this.status.event;
  private running = false;
  private files: string[] = [];
  private index = 0;
  private demoIndex = 0;
  private readonly seed: number;
  private readonly dir: string | null;

  constructor(private readonly opts: TriggerSourceOptions) {
    if (opts.from === 'folder' && !opts.path) throw new StationFault('invalid-input', 'a trigger source from a folder needs its path');
    this.dir = opts.from === 'folder' ? resolve(opts.path!) : null;
    this.name = this.dir ? `trigger:${basename(this.dir)}` : 'trigger:demo';
    this.seed = opts.seed ?? (Date.now() & 0x7fffffff);
  }

  /** Identifies this source's parts in the durable queue. */
  get key(): string {
    return this.dir ? `trigger:${this.dir}` : 'trigger:demo';
  }

  start(_emit: EmitFrame): void {
    // Frames come from `acquire`, one per trigger, not from a clock.
    this.running = true;
    this.status.fire({ state: 'running', message: this.dir ? `one image of ${this.dir} per trigger` : 'one demo part per trigger' });
  }
  pause(): void {}
  resume(): void {}
  step(): void {}
  async stop(): Promise<void> {
    this.running = false;
    this.status.fire({ state: 'idle' });
    this.status.dispose();
  }

  /** One part for one trigger. */
  async acquire(partId: string): Promise<SourceFrame> {
    if (!this.running) throw new StationFault('invalid-input', 'the trigger source is not running');
    const partKey = randomUUID();
    if (this.dir) {
      if (this.index >= this.files.length) {
        this.files = await listImages(this.dir, this.opts.recursive ?? false).catch(() => {
          throw new StationFault('source-lost', `folder not found: ${this.dir}`);
        });
        this.index = 0;
        if (this.files.length === 0) throw new StationFault('not-found', `no images in ${this.dir}`);
      }
      const path = this.files[this.index++]!;
      if (!(await stat(path).catch(() => null))) throw new StationFault('source-lost', `image disappeared: ${path}`);
      const name = relative(this.dir, path).split('\\').join('/');
      return { source: this.name, name, partId, partKey, capturedAt: Date.now(), path, read: (o) => decodeImage(path, { ...o, channels: 3 }) };
    }
    const i = this.demoIndex++;
    const { image } = await renderDemoPart(this.seed, i, { defectRate: this.opts.defectRate ?? 0.25 });
    await mkdir(this.opts.spoolDir, { recursive: true });
    const path = join(this.opts.spoolDir, `${partKey}.png`);
    await writeFileAtomic(path, await encodePng(image));
    return { source: this.name, name: `part-${String(i).padStart(6, '0')}`, partId, partKey, capturedAt: Date.now(), path, spooled: true, read: (o) => decodeImage(path, { ...o, channels: 3 }) };
  }
}
