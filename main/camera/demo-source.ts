/** The built-in demo source: an endless stream of synthetic screw-like parts (see demo-parts.ts). */
import { PacedSource } from './paced-source.js';
import type { SourceFrame } from './source.js';
import { renderDemoPart } from './demo-parts.js';

export interface DemoSourceOptions {
  readonly fps: number;
  readonly defectRate: number;
  readonly seed?: number;
  readonly size?: number;
}

export class DemoSource extends PacedSource {
  readonly kind = 'demo' as const;
  readonly name = 'demo';
  private index = 0;
  private readonly seed: number;

  constructor(private readonly opts: DemoSourceOptions) {
    super(opts.fps);
    this.seed = opts.seed ?? (Date.now() & 0x7fffffff);
  }

  protected async open(): Promise<void> {}

  protected async next(): Promise<SourceFrame | null> {
    const i = this.index++;
    // Rendering a part takes a few ms, far less than inference, so it is done eagerly.
    const part = renderDemoPart(this.seed, i, { defectRate: this.opts.defectRate, size: this.opts.size });
    part.catch(() => {});
    const { defect } = await part;
    return {
      source: this.name,
      name: `part-${String(i).padStart(6, '0')}`,
      capturedAt: Date.now(),
      truth: { defect: defect !== null, kind: defect ?? undefined },
      read: async () => (await part).image,
    };
  }
}
