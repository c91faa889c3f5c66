#!/usr/bin/env node
// `npm start`: the Electron app when the Electron binary is installed, else the loopback host for a browser
// (prints the URL with its access token). Builds what is missing first.
import { existsSync, statSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const require = createRequire(import.meta.url);
const args = process.argv.slice(2);
const forceBrowser = args.includes('--browser') || process.env.STATION_BROWSER === '1';

function electronBinary() {
  try {
    const p = require('electron'); // the electron package exports the binary path
    if (typeof p === 'string' && existsSync(p)) return { path: p };
    return { why: `the Electron package points to ${p}, which does not exist` };
  } catch (e) {
    return { why: `the Electron binary is not installed (${String(e.message).split('\n')[0]})` };
  }
}

function newestMtime(dir) {
  let t = 0;
  if (!existsSync(dir)) return t;
  for (const name of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, name.name);
    if (name.isDirectory()) t = Math.max(t, newestMtime(p));
    else t = Math.max(t, statSync(p).mtimeMs);
  }
  return t;
}

function run(cmd, cmdArgs, what, { tolerate = false } = {}) {
  console.log(`[start] ${what}...`);
  const r = spawnSync(cmd, cmdArgs, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0 && !tolerate) {
    console.error(`[start] ${what} failed (exit ${r.status})`);
    process.exit(r.status ?? 1);
  }
  return r.status === 0;
}

const bin = (name) => join(root, 'node_modules', '.bin', process.platform === 'win32' ? `${name}.cmd` : name);

// The renderer (both modes serve it).
const rendererOut = join(root, 'renderer', 'dist', 'index.html');
const rendererStale = !existsSync(rendererOut) || newestMtime(join(root, 'renderer', 'src')) > statSync(rendererOut).mtimeMs;
if (rendererStale && existsSync(join(root, 'renderer', 'vite.config.ts'))) {
  run(bin('vite'), ['build', '--config', 'renderer/vite.config.ts'], 'building the renderer (vite)', { tolerate: true });
}

const electron = forceBrowser ? { why: '--browser was given' } : electronBinary();
if (electron.path) {
  run(bin('tsc'), ['-p', 'tsconfig.json'], 'compiling the main process (tsc)', { tolerate: existsSync(join(root, 'dist/main/electron-main/main.js')) });
  run(process.execPath, [join(root, 'scripts/build-preload.mjs')], 'bundling the preload');
  // better-sqlite3 for Electron's ABI, built once into .electron-native/ (node_modules keeps the Node build that
  // `npm test` and the CLI use); main.ts hands it to better-sqlite3 through STATION_SQLITE_BINDING.
  console.log('[start] better-sqlite3 for Electron...');
  const native = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'scripts/packaging/electron-native.ts')], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const binding = native.stdout.trim().split('\n').pop();
  if (native.status !== 0 || !binding) {
    console.error('[start] Electron cannot open the station database without it. `npm run start:browser` runs the same UI in a browser.');
    process.exit(1);
  }
  const child = spawn(electron.path, [join(root, 'dist/main/electron-main/main.js'), ...args.filter((a) => a !== '--browser')], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, STATION_SQLITE_BINDING: binding },
  });
  child.on('exit', (code) => process.exit(code ?? 0));
} else {
  console.log(`[start] Not starting Electron: ${electron.why}. Starting the loopback host for a browser instead.`);
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'main/node/serve.ts'), ...args.filter((a) => a !== '--browser')], {
    cwd: root,
    stdio: 'inherit',
  });
  const forward = (sig) => child.kill(sig);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  child.on('exit', (code) => process.exit(code ?? 0));
}
