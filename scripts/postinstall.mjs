#!/usr/bin/env node
// Runs after `npm install`: makes sure the default backbones (ONNX + manifest, converted from the installed
// nsfwjs package and from the .tflite files shipped in native-models/ by native-models/converter) exist in native-models/. Plain node: the freshness check is done
// here, so an up-to-date install needs neither tsx nor a build. A stale or missing backbone is built with
// tsx (a devDependency) or, failing that, the compiled converter in dist/ (npm run build). Never fails the
// install: problems are reported in one line each.
//
// Usage: node scripts/postinstall.mjs [--force] [--only ID[,ID]] [--out DIR]
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function parseArgs(argv) {
  const o = { force: false, only: undefined, out: join(root, 'native-models') };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--force') o.force = true;
    else if (argv[i] === '--only') o.only = (argv[++i] ?? '').split(',').filter(Boolean);
    else if (argv[i] === '--out') o.out = resolve(argv[++i] ?? '.');
  }
  return o;
}

// Mirrors converterSourceHash() in native-models/converter/build.ts.
function converterSourceHash() {
  const h = createHash('sha256');
  for (const dir of ['native-models/converter', 'main/inference/onnx']) {
    const abs = join(root, dir);
    if (!existsSync(abs)) continue;
    for (const f of readdirSync(abs).filter((n) => /\.(ts|json)$/.test(n)).sort()) {
      h.update(`${dir}/${f}\0`);
      h.update(readFileSync(join(abs, f)));
      h.update('\0');
    }
  }
  return h.digest('hex');
}

// Mirrors isUpToDate() in native-models/converter/build.ts.
// `version` is the nsfwjs version, or for a TFLite backbone the sha256 of its .tflite file (stamp field tfliteSha256).
function upToDate(out, id, converterVersion, sourceHash, version, field = 'nsfwjsVersion') {
  try {
    const stamp = JSON.parse(readFileSync(join(out, `.build-stamp-${id}.json`), 'utf8'));
    if (stamp.converterVersion !== converterVersion || stamp[field] !== version || stamp.sourceHash !== sourceHash) return false;
    const manifest = JSON.parse(readFileSync(join(out, id, 'manifest.json'), 'utf8'));
    if (manifest.sha256 !== stamp.sha256) return false;
    const sha = createHash('sha256').update(readFileSync(join(out, id, manifest.model))).digest('hex');
    return sha === stamp.sha256;
  } catch {
    return false;
  }
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  const info = JSON.parse(readFileSync(join(root, 'native-models', 'converter', 'version.json'), 'utf8'));
  const tflite = info.tfliteBackbones ?? {};
  let ids = args.only ?? [...info.backbones, ...Object.keys(tflite)];
  const nsfwjsPkg = join(root, 'node_modules', 'nsfwjs', 'package.json');
  let nsfwjsVersion;
  if (existsSync(nsfwjsPkg)) nsfwjsVersion = JSON.parse(readFileSync(nsfwjsPkg, 'utf8')).version;
  else if (ids.some((id) => !tflite[id])) {
    console.log('native-models: nsfwjs is not installed; its backbones not built');
    ids = ids.filter((id) => tflite[id]);
  }
  const version = (id) => (tflite[id] ? createHash('sha256').update(readFileSync(join(root, 'native-models', id, tflite[id]))).digest('hex') : nsfwjsVersion);
  const sourceHash = converterSourceHash();
  const stale = ids.filter((id) => args.force || !upToDate(args.out, id, info.converterVersion, sourceHash, version(id), tflite[id] ? 'tfliteSha256' : 'nsfwjsVersion'));
  if (ids.length === 0) return;
  for (const id of ids) if (!stale.includes(id)) console.log(`native-models: ${id} up to date`);
  if (stale.length === 0) return;

  const buildArgs = ['--only', stale.join(','), '--out', args.out, ...(args.force ? ['--force'] : [])];
  let cmd;
  let hasTsx = false;
  try {
    createRequire(join(root, 'package.json')).resolve('tsx');
    hasTsx = true;
  } catch {
    // production install without devDependencies
  }
  const compiled = join(root, 'dist', 'native-models', 'converter', 'build.js');
  if (hasTsx) cmd = ['--import', 'tsx', join(root, 'native-models', 'converter', 'build.ts'), ...buildArgs];
  else if (existsSync(compiled)) cmd = [compiled, ...buildArgs];
  else {
    console.log(
      `native-models: cannot build ${stale.join(', ')} (needs tsx from devDependencies, or \`npm run build\` first); ` +
        'then run `node scripts/postinstall.mjs`',
    );
    return;
  }
  const r = spawnSync(process.execPath, cmd, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.log(`native-models: building ${stale.join(', ')} failed (exit ${r.status ?? r.signal}); rerun \`node scripts/postinstall.mjs --force\` to retry`);
  }
}

try {
  main();
} catch (e) {
  console.log(`native-models: default backbones not built: ${e instanceof Error ? e.message : String(e)}`);
}
// The GenICam camera addon (Aravis): built when Aravis is installed; never fails the install (see the script).
spawnSync(process.execPath, [join(root, 'scripts', 'build-genicam.mjs')], { cwd: root, stdio: 'inherit' });
process.exitCode = 0;
