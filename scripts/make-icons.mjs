#!/usr/bin/env node
// Renders build/icon.svg into the icon set electron-builder uses: build/icons/<size>x<size>.png for Linux
// (hicolor sizes, named as electron-builder expects) and build/icon.png (512 px; electron-builder derives the
// Windows .ico from it). The PNGs are committed; rerun after changing the SVG: `node scripts/make-icons.mjs`.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';

const root = new URL('..', import.meta.url).pathname;
export const ICON_SIZES = [16, 24, 32, 48, 64, 128, 256, 512];

const svg = readFileSync(join(root, 'build', 'icon.svg'));
mkdirSync(join(root, 'build', 'icons'), { recursive: true });
for (const size of ICON_SIZES) {
  // Render at the target size from the vector (sharper than downscaling one bitmap).
  await sharp(svg, { density: Math.max(72, (72 * size) / 512) * 4 })
    .resize(size, size)
    .png({ compressionLevel: 9 })
    .toFile(join(root, 'build', 'icons', `${size}x${size}.png`));
}
await sharp(svg, { density: 288 }).resize(512, 512).png({ compressionLevel: 9 }).toFile(join(root, 'build', 'icon.png'));
console.log(`build/icon.png and build/icons/{${ICON_SIZES.join(',')}}: written`);
