/**
 * Synthesises screw-like parts for the built-in demo source, so a fresh install shows live inspection without
 * any files: a dark elongated part (head + threaded shaft) on a bright backlit background, at a random angle and
 * position, with occasional synthetic defects (a bright scratch across the shaft, or a chunk missing from its
 * edge). Rendered from SVG by sharp; deterministic for a given seed and index.
 */
import sharp from 'sharp';
import type { RawImage } from '../common/types.js';
import { createRng, hashSeed } from '../common/random.js';

export type DemoDefect = 'scratch' | 'chunk';

export interface DemoPart {
  readonly image: RawImage;
  readonly defect: DemoDefect | null;
}

export interface DemoPartOptions {
  /** Output side length in pixels. Default 384. */
  readonly size?: number;
  /** Force a defect (or none); default: random with `defectRate`. */
  readonly defect?: DemoDefect | null;
  readonly defectRate?: number;
}

/** The SVG of part `index` of stream `seed`; exported for tests and for saving sample images. */
export function demoPartSvg(seed: number, index: number, opts: DemoPartOptions = {}): { svg: string; defect: DemoDefect | null } {
  const size = opts.size ?? 384;
  const rng = createRng(hashSeed('demo-part', seed, index));
  const defect: DemoDefect | null =
    opts.defect !== undefined ? opts.defect : rng.next() < (opts.defectRate ?? 0.25) ? (rng.next() < 0.5 ? 'scratch' : 'chunk') : null;
  const s = size / 384;
  const cx = size / 2 + rng.uniform(-24, 24) * s;
  const cy = size / 2 + rng.uniform(-24, 24) * s;
  const angle = rng.uniform(-25, 25);
  const shaftLen = rng.uniform(200, 215) * s;
  const shaftW = 34 * s;
  const headW = 26 * s;
  const headH = 64 * s;
  const x0 = -(shaftLen + headW) / 2;
  const bg = Math.round(rng.uniform(200, 215));
  const part = Math.round(rng.uniform(45, 60));
  const threads: string[] = [];
  const pitch = 11 * s;
  for (let x = x0 + headW + 8 * s; x < x0 + headW + shaftLen - 14 * s; x += pitch) {
    threads.push(`<line x1="${x.toFixed(1)}" y1="${(-shaftW / 2).toFixed(1)}" x2="${(x + 6 * s).toFixed(1)}" y2="${(shaftW / 2).toFixed(1)}" stroke="rgb(${part + 25},${part + 25},${part + 25})" stroke-width="${(2.2 * s).toFixed(1)}"/>`);
  }
  let defectSvg = '';
  if (defect === 'scratch') {
    const dx = rng.uniform(x0 + headW + 30 * s, x0 + headW + shaftLen - 50 * s);
    const len = rng.uniform(26, 40) * s;
    defectSvg = `<line x1="${dx.toFixed(1)}" y1="${(-shaftW * 0.35).toFixed(1)}" x2="${(dx + len).toFixed(1)}" y2="${(shaftW * 0.3).toFixed(1)}" stroke="rgb(235,235,235)" stroke-width="${(3 * s).toFixed(1)}" stroke-linecap="round"/>`;
  } else if (defect === 'chunk') {
    const dx = rng.uniform(x0 + headW + 30 * s, x0 + headW + shaftLen - 40 * s);
    const side = rng.next() < 0.5 ? -1 : 1;
    defectSvg = `<circle cx="${dx.toFixed(1)}" cy="${((side * shaftW) / 2).toFixed(1)}" r="${(13 * s).toFixed(1)}" fill="rgb(${bg},${bg},${bg})"/>`;
  }
  const tipX = x0 + headW + shaftLen;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 ${size} ${size}">
<defs><radialGradient id="bg" cx="50%" cy="50%" r="70%"><stop offset="0" stop-color="rgb(${bg + 12},${bg + 12},${bg + 12})"/><stop offset="1" stop-color="rgb(${bg - 18},${bg - 18},${bg - 18})"/></radialGradient></defs>
<rect width="100%" height="100%" fill="url(#bg)"/>
<g transform="translate(${cx.toFixed(1)} ${cy.toFixed(1)}) rotate(${angle.toFixed(2)})">
<rect x="${x0.toFixed(1)}" y="${(-headH / 2).toFixed(1)}" width="${headW.toFixed(1)}" height="${headH.toFixed(1)}" rx="${(6 * s).toFixed(1)}" fill="rgb(${part - 10},${part - 10},${part - 10})"/>
<path d="M ${(x0 + headW - 1).toFixed(1)} ${(-shaftW / 2).toFixed(1)} L ${(tipX - 18 * s).toFixed(1)} ${(-shaftW / 2).toFixed(1)} L ${tipX.toFixed(1)} 0 L ${(tipX - 18 * s).toFixed(1)} ${(shaftW / 2).toFixed(1)} L ${(x0 + headW - 1).toFixed(1)} ${(shaftW / 2).toFixed(1)} Z" fill="rgb(${part},${part},${part})"/>
${threads.join('\n')}
${defectSvg}
</g></svg>`;
  return { svg, defect };
}

/** Renders part `index` of stream `seed` as RGB pixels, with mild sensor noise. */
export async function renderDemoPart(seed: number, index: number, opts: DemoPartOptions = {}): Promise<DemoPart> {
  const { svg, defect } = demoPartSvg(seed, index, opts);
  const { data, info } = await sharp(Buffer.from(svg)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const rng = createRng(hashSeed('demo-noise', seed, index));
  const px = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  for (let i = 0; i < px.length; i += 3) {
    const n = Math.round((rng.next() + rng.next() - 1) * 6);
    const v = Math.max(0, Math.min(255, px[i] + n));
    px[i] = v;
    px[i + 1] = v;
    px[i + 2] = v;
  }
  return { image: { width: info.width, height: info.height, channels: 3, data: px }, defect };
}
