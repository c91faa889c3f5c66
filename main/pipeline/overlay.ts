/** A frame with its heatmap and boxes burnt in: the PNG that `station inspect` writes for each image. */
import sharp from 'sharp';
import type { Box, FloatMap, RawImage, Verdict } from '../common/types.js';
import { heatmapPng, quantise } from './heatmap.js';

export async function overlayPng(
  image: RawImage,
  map: FloatMap | undefined,
  boxes: readonly Box[],
  opts: { threshold: number; verdict: Verdict; score: number },
): Promise<Buffer> {
  const base = sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength), {
    raw: { width: image.width, height: image.height, channels: image.channels },
  }).toColourspace('srgb');
  const layers: sharp.OverlayOptions[] = [];
  if (map) {
    const heat = await heatmapPng(quantise(map, opts.threshold), map.width, map.height);
    layers.push({ input: await sharp(heat).resize(image.width, image.height, { kernel: 'linear' }).png().toBuffer(), left: 0, top: 0 });
  }
  const stroke = Math.max(2, Math.round(image.width / 300));
  const font = Math.max(14, Math.round(image.width / 40));
  const colour = opts.verdict === 'NG' ? '#ff3b30' : '#34c759';
  const rects = boxes
    .map((b) => `<rect x="${b.x}" y="${b.y}" width="${b.w}" height="${b.h}" fill="none" stroke="#ffffff" stroke-width="${stroke}"/>` +
      `<text x="${b.x + stroke}" y="${Math.max(font, b.y - stroke)}" font-size="${font * 0.7}" font-family="sans-serif" fill="#ffffff">${escapeXml(b.label ?? '')} ${b.score.toFixed(2)}</text>`)
    .join('');
  const banner = `<rect x="0" y="0" width="${font * 9}" height="${font * 1.5}" fill="${colour}"/>` +
    `<text x="${font * 0.3}" y="${font * 1.1}" font-size="${font}" font-family="sans-serif" font-weight="bold" fill="#000">${opts.verdict} ${opts.score.toFixed(2)}</text>`;
  layers.push({ input: Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${image.width}" height="${image.height}">${rects}${banner}</svg>`), left: 0, top: 0 });
  return base.composite(layers).png().toBuffer();
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
