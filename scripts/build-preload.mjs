#!/usr/bin/env node
// Bundles the Electron preload into one CommonJS file (sandboxed preloads cannot be ES modules).
import { build } from 'esbuild';
const root = new URL('..', import.meta.url).pathname;
await build({
  entryPoints: [`${root}main/preload/preload.ts`],
  outfile: `${root}dist/main/preload/preload.cjs`,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['electron'],
  logLevel: 'warning',
});
