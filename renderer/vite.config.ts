/**
 * Builds the operator UI into renderer/dist. `base: './'` keeps asset URLs relative, so the same bundle
 * loads from file:// in Electron and from the loopback host in a browser. No inline scripts are emitted
 * (the module preload polyfill is off), so the strict CSP header (main/common/csp.ts) holds.
 */
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  root: here,
  base: './',
  plugins: [react()],
  build: {
    outDir: resolve(here, 'dist'),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 1024,
  },
  server: { host: '127.0.0.1', fs: { allow: [resolve(here, '..')] } },
});
