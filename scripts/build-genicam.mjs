#!/usr/bin/env node
// Builds the GenICam addon (main/camera/genicam/native, Aravis 0.8) with node-gyp. Called by postinstall.mjs;
// never fails the install: when Aravis, pkg-config or a compiler is missing it records why in
// main/camera/genicam/native/build-status.json, and the station lists the GenICam source as unavailable with
// that reason and the install command.
//
// Usage: node scripts/build-genicam.mjs [--force]
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dir = join(root, 'main', 'camera', 'genicam', 'native');
const statusPath = join(dir, 'build-status.json');
const addon = join(dir, 'build', 'Release', 'arv_genicam.node');
const INSTALL = 'apt-get install libaravis-dev (Debian/Ubuntu), then `node scripts/build-genicam.mjs`';

// The addon's sources: a change rebuilds it (an existing .node from other sources is stale).
function sourceHash() {
  const h = createHash('sha256');
  for (const f of ['binding.gyp', 'pkgconfig.cjs', ...readdirSync(join(dir, 'src')).sort().map((n) => `src/${n}`)]) {
    h.update(`${f}\0`);
    h.update(readFileSync(join(dir, f)));
  }
  return h.digest('hex');
}

function lastStatus() {
  try {
    return JSON.parse(readFileSync(statusPath, 'utf8'));
  } catch {
    return null;
  }
}

function record(built, reason) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(statusPath, JSON.stringify({ built, reason, install: built ? undefined : INSTALL, sourceHash: sourceHash(), at: new Date().toISOString() }, null, 2) + '\n');
  console.log(built ? 'genicam: addon built (Aravis GenICam cameras available)' : `genicam: addon not built: ${reason}. GenICam cameras stay unavailable; to enable: ${INSTALL}`);
}

function has(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: 'ignore' });
  return r.status === 0;
}

// node-gyp: the project's, else the one npm ships (npm sets npm_config_node_gyp for lifecycle scripts).
function nodeGyp() {
  try {
    return createRequire(join(root, 'package.json')).resolve('node-gyp/bin/node-gyp.js');
  } catch {
    const fromNpm = process.env.npm_config_node_gyp;
    return fromNpm && existsSync(fromNpm) ? fromNpm : null;
  }
}

function main() {
  const force = process.argv.includes('--force');
  if (process.platform !== 'linux') return record(false, `GenICam through Aravis is built on Linux only (this is ${process.platform})`);
  if (!force && existsSync(addon) && lastStatus()?.built && lastStatus()?.sourceHash === sourceHash()) return console.log('genicam: addon up to date');
  if (!has('pkg-config', ['--version'])) return record(false, 'pkg-config is not installed');
  if (!has('pkg-config', ['--exists', 'aravis-0.8']) && !has('pkg-config', ['--variable=includedir', 'aravis-0.8']))
    return record(false, 'Aravis 0.8 development files are not installed (pkg-config finds no aravis-0.8)');
  if (!has('c++', ['--version']) && !has('g++', ['--version'])) return record(false, 'no C++ compiler (c++/g++) is installed');
  const gyp = nodeGyp();
  if (!gyp) return record(false, 'node-gyp is not available');
  // Node's own headers when they are installed beside it (distribution packages): no download needed.
  const nodedir = resolve(dirname(process.execPath), '..');
  const args = [gyp, 'rebuild', ...(existsSync(join(nodedir, 'include', 'node', 'node_api.h')) ? [`--nodedir=${nodedir}`] : [])];
  const r = spawnSync(process.execPath, args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0 || !existsSync(addon)) {
    const lines = `${r.stderr ?? ''}\n${r.stdout ?? ''}`.split('\n').filter((l) => /error|not found|ERR!/i.test(l));
    return record(false, `node-gyp failed (exit ${r.status ?? r.signal}): ${lines.slice(0, 3).join(' | ').slice(0, 600) || 'no output'}`);
  }
  record(true, null);
}

try {
  main();
} catch (e) {
  try {
    record(false, e instanceof Error ? e.message : String(e));
  } catch {
    console.log(`genicam: addon not built: ${e instanceof Error ? e.message : String(e)}`);
  }
}
process.exitCode = 0;
