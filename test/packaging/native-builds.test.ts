/**
 * The pieces that keep a Node build and an Electron build of the native modules apart: reading what a binary is
 * built for, the cached Electron build of better-sqlite3 being checked before use, and the store loading the binary
 * named in STATION_SQLITE_BINDING (what `npm start` does under Electron) while node_modules stays as it is.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../main/node/paths.js';
import { addonAbi, binaryTarget } from '../../scripts/packaging/binaries.js';
import { electronSqlitePath, ensureElectronSqlite } from '../../scripts/packaging/electron-native.js';
import { isTargetSharpPackage } from '../../scripts/packaging/stage.js';

const NODE_SQLITE = join(repoRoot, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
const ORT = join(repoRoot, 'node_modules', 'onnxruntime-node', 'bin', 'napi-v6');

test('binary headers: OS, CPU and addon ABI read from the files npm installed', () => {
  assert.deepEqual(binaryTarget(NODE_SQLITE), { os: process.platform, arch: process.arch });
  assert.equal(addonAbi(NODE_SQLITE), Number(process.versions.modules)); // V8 API: tied to one runtime
  // onnxruntime-node ships every platform in one package: real ELF, PE and Mach-O files to read.
  assert.deepEqual(binaryTarget(join(ORT, 'linux', 'arm64', 'onnxruntime_binding.node')), { os: 'linux', arch: 'arm64' });
  assert.deepEqual(binaryTarget(join(ORT, 'win32', 'x64', 'onnxruntime.dll')), { os: 'win32', arch: 'x64' });
  assert.deepEqual(binaryTarget(join(ORT, 'win32', 'arm64', 'onnxruntime_binding.node')), { os: 'win32', arch: 'arm64' });
  assert.deepEqual(binaryTarget(join(ORT, 'darwin', 'arm64', 'onnxruntime_binding.node')), { os: 'darwin', arch: 'arm64' });
  assert.equal(addonAbi(join(ORT, 'linux', 'x64', 'onnxruntime_binding.node')), 'napi');
  assert.equal(binaryTarget(join(repoRoot, 'package.json')), null);
});

test("sharp's per-platform packages: only the target's are staged", () => {
  assert.equal(isTargetSharpPackage('@img/sharp-linux-x64', 'linux', 'x64'), true);
  assert.equal(isTargetSharpPackage('@img/sharp-libvips-linux-x64', 'linux', 'x64'), true);
  assert.equal(isTargetSharpPackage('@img/sharp-linuxmusl-x64', 'linux', 'x64'), false);
  assert.equal(isTargetSharpPackage('@img/sharp-linux-x64', 'win32', 'x64'), false);
  assert.equal(isTargetSharpPackage('@img/sharp-win32-x64', 'win32', 'x64'), true);
  assert.equal(isTargetSharpPackage('@img/colour', 'win32', 'x64'), true);
});

test('a cached Electron build of better-sqlite3 is used only when its module version is the runtime\'s', async () => {
  const root = mkdtempSync(join(tmpdir(), 'station-native-'));
  try {
    mkdirSync(join(root, 'node_modules', 'electron'), { recursive: true });
    writeFileSync(join(root, 'node_modules', 'electron', 'package.json'), JSON.stringify({ name: 'electron', version: '39.8.10' }));
    const cached = electronSqlitePath(root, '39.8.10', process.platform, process.arch);
    mkdirSync(join(cached, '..'), { recursive: true });
    copyFileSync(NODE_SQLITE, cached); // a Node build where an Electron build belongs: issue 13's start-up failure
    writeFileSync(join(root, 'node_modules', 'electron', 'abi_version'), '140');
    await assert.rejects(ensureElectronSqlite({ root, log: () => {} }), new RegExp(`built for module version ${process.versions.modules}, but the runtime needs 140`));
    writeFileSync(join(root, 'node_modules', 'electron', 'abi_version'), process.versions.modules);
    assert.equal(await ensureElectronSqlite({ root, log: () => {} }), cached);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('the store loads the better-sqlite3 binary named in STATION_SQLITE_BINDING; node_modules is left alone', () => {
  const dir = mkdtempSync(join(tmpdir(), 'station-binding-'));
  try {
    const copy = join(dir, 'electron-build', 'better_sqlite3.node');
    mkdirSync(join(copy, '..'));
    copyFileSync(NODE_SQLITE, copy);
    const before = statSync(NODE_SQLITE).mtimeMs;
    const script = `
      import { openStore } from ${JSON.stringify(join(repoRoot, 'main', 'store', 'store.ts'))};
      import { readFileSync } from 'node:fs';
      const s = openStore(${JSON.stringify(join(dir, 'station.db'))});
      const maps = readFileSync('/proc/self/maps', 'utf8');
      console.log(JSON.stringify({ copy: maps.includes(${JSON.stringify(copy)}), nodeModules: maps.includes(${JSON.stringify(NODE_SQLITE)}) }));
      s.close();`;
    const run = (binding: string) =>
      spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        cwd: repoRoot,
        encoding: 'utf8',
        env: { ...process.env, STATION_SQLITE_BINDING: binding },
      });
    const ok = run(copy);
    assert.equal(ok.status, 0, ok.stderr);
    assert.deepEqual(JSON.parse(ok.stdout.trim().split('\n').pop()!), { copy: true, nodeModules: false });
    // A file that is no addon fails loudly, naming it, instead of silently falling back to node_modules.
    const bogus = join(dir, 'bogus.node');
    writeFileSync(bogus, 'not an addon');
    const bad = run(bogus);
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /bogus\.node/);
    assert.equal(statSync(NODE_SQLITE).mtimeMs, before);
    assert.ok(readFileSync(NODE_SQLITE).length > 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('install- and build-time tools are devDependencies, so the package never carries them', () => {
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
  // nsfwjs only feeds the install-time converter (41 MB); esbuild bundles the preload; @electron/rebuild builds
  // better-sqlite3 for Electron; @electron/asar reads the package in the tests.
  for (const name of ['nsfwjs', 'esbuild', '@electron/rebuild', '@electron/asar', 'electron', 'electron-builder']) {
    assert.ok(pkg.devDependencies[name], `${name} is a devDependency`);
    assert.equal(pkg.dependencies[name], undefined, `${name} is not a runtime dependency`);
  }
});
