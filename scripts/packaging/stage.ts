/**
 * Stages the app electron-builder packs (its `directories.app`): the built main process, preload and renderer, the
 * backbone manifests and models, and the production dependencies copied from node_modules with only the target
 * platform's native binaries. Packing a staged copy keeps electron-builder away from the project's node_modules (it
 * never rebuilds them: the Node build that `npm test` uses stays untouched) and lets a Linux machine stage Windows:
 * the target's sharp packages are fetched from npm for that OS/CPU (`npm install --os --cpu`), onnxruntime-node's
 * and serialport's per-platform folders are pruned to the target's, and better-sqlite3 gets the binary built for
 * Electron's ABI (scripts/packaging/electron-native.ts).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { binaryTarget, NATIVE_FILE, type TargetArch, type TargetOs } from './binaries.js';

export interface StageOptions {
  /** The project root (package.json, node_modules, native-models). */
  readonly root: string;
  /** Where the build outputs are: `<buildDir>/dist/main` and `<buildDir>/renderer/dist` (default: root). */
  readonly buildDir?: string;
  /** The staged app folder; emptied first. */
  readonly out: string;
  readonly platform: TargetOs;
  readonly arch: TargetArch;
  /** better_sqlite3.node for the target runtime (Electron's ABI for a real package). */
  readonly sqliteBinary: string;
  /** Cache folder for platform packages fetched from npm (default: <root>/release/.fetch). */
  readonly fetchDir?: string;
  readonly log?: (line: string) => void;
}

export interface StageResult {
  readonly out: string;
  readonly bytes: number;
  /** Packages copied from node_modules, as paths relative to the project root. */
  readonly packages: readonly string[];
  /** Packages fetched from npm for the target platform. */
  readonly fetched: readonly string[];
  readonly backbones: readonly string[];
}

/** package.json fields the packaged app keeps (electron-builder reads its metadata from the staged package.json). */
const KEEP_FIELDS = ['name', 'productName', 'version', 'description', 'author', 'homepage', 'repository', 'license', 'type', 'main', 'desktopName', 'dependencies'];

/** Not needed at run time inside node_modules: docs, type declarations, sources of native builds, tests (file names
 * are matched whole: `history_server_capabilities.js` is code, `HISTORY.md` is not). */
const JUNK_FILE = /(\.(md|markdown|map|ts|tsx|mts|cts|c|cc|cpp|cxx|h|hh|hpp|gyp|gypi|o|a|obj|lib|pdb|tlog|mk)|^Makefile|^\.npmignore|^\.eslintrc.*|^\.prettierrc.*|^tsconfig.*\.json|^(CHANGELOG|HISTORY)(\.(md|txt|markdown))?)$/i;
const JUNK_DIR = /^(test|tests|__tests__|spec|docs?|examples?|benchmarks?|\.github|\.vscode|coverage)$/i;
const KEEP_FILE = /^(LICEN[CS]E|COPYING|NOTICE)/i;

function sharpPlatformTag(platform: TargetOs, arch: TargetArch): string {
  return `${platform}-${arch}`;
}

/** True when an `@img/sharp-*` package (sharp's per-platform binaries) is for the target. */
export function isTargetSharpPackage(name: string, platform: TargetOs, arch: TargetArch): boolean {
  const m = /^@img\/sharp-(?:libvips-)?(.+)$/.exec(name);
  if (!m) return true;
  return m[1] === sharpPlatformTag(platform, arch);
}

function dirBytes(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) n += dirBytes(p);
    else if (e.isFile()) n += statSync(p).size;
  }
  return n;
}

function copyFiltered(from: string, to: string, keep: (rel: string, isDir: boolean) => boolean): void {
  cpSync(from, to, {
    recursive: true,
    dereference: true,
    filter: (src) => {
      const rel = relative(from, src);
      if (rel === '') return true;
      return keep(rel.split(sep).join('/'), statSync(src).isDirectory());
    },
  });
}

/** The production dependency folders, as npm itself resolves them (`npm ls --omit=dev`), relative to root. */
export function productionPackages(root: string): string[] {
  const r = spawnSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0 && !r.stdout) throw new Error(`npm ls failed (exit ${r.status}): ${r.stderr.split('\n')[0]}`);
  return r.stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && resolve(l) !== resolve(root))
    .map((l) => relative(root, l).split(sep).join('/'))
    .filter((l) => l.startsWith('node_modules/'))
    .sort();
}

function packageName(rel: string): string {
  const i = rel.lastIndexOf('node_modules/');
  return rel.slice(i + 'node_modules/'.length);
}

/** Per-package pruning to the target platform; returns false for a file or folder that must not be staged. */
function platformFilter(name: string, platform: TargetOs, arch: TargetArch): (rel: string, isDir: boolean) => boolean {
  if (name === 'onnxruntime-node') {
    // bin/napi-v6/<os>/<arch>/: 290 MB for all platforms, 45-70 MB for one.
    return (rel) => {
      const m = /^bin\/napi-v\d+\/([^/]+)(?:\/([^/]+))?/.exec(rel);
      if (!m) return true;
      return m[1] === platform && (m[2] === undefined || m[2] === arch);
    };
  }
  if (name === '@serialport/bindings-cpp') {
    return (rel) => {
      const m = /^prebuilds\/([^/]+)(?:\/(.+))?/.exec(rel);
      if (!m) return true;
      const [os, archs] = m[1]!.split('-');
      if (os !== platform || !archs?.split('+').includes(arch)) return false;
      return !(platform === 'linux' && m[2]?.includes('.musl.'));
    };
  }
  return () => true;
}

function junkFilter(rel: string, isDir: boolean): boolean {
  const name = basename(rel);
  // Nested packages npm resolved are staged on their own; node_modules folders deeper inside a package (e.g.
  // protobufjs/cli/node_modules, 19 MB of a CLI's tooling) are not production dependencies at all.
  if (rel.split('/').includes('node_modules')) return false;
  if (isDir) return rel.includes('/') || !JUNK_DIR.test(name); // only a package's own top-level test/, docs/...
  if (KEEP_FILE.test(name)) return true;
  if (name.endsWith('.d.ts')) return false;
  return !JUNK_FILE.test(name);
}

/** Fetches sharp's packages for another OS/CPU from npm into `dir` (cached); returns their folders by name. */
export function fetchSharpFor(root: string, dir: string, platform: TargetOs, arch: TargetArch, log: (l: string) => void): Map<string, string> {
  const sharpVersion = (JSON.parse(readFileSync(join(root, 'node_modules', 'sharp', 'package.json'), 'utf8')) as { version: string }).version;
  const at = join(dir, `sharp-${sharpVersion}-${platform}-${arch}`);
  const found = () => {
    const m = new Map<string, string>();
    const img = join(at, 'node_modules', '@img');
    if (existsSync(img)) for (const n of readdirSync(img)) if (n.startsWith('sharp-') && isTargetSharpPackage(`@img/${n}`, platform, arch)) m.set(`@img/${n}`, join(img, n));
    return m;
  };
  if (found().size > 0) return found();
  mkdirSync(at, { recursive: true });
  writeFileSync(join(at, 'package.json'), JSON.stringify({ name: 'fetch-sharp', private: true }));
  log(`fetching sharp ${sharpVersion} for ${platform}-${arch} from npm`);
  const r = spawnSync(
    'npm',
    ['install', '--no-save', '--no-package-lock', '--ignore-scripts', '--no-audit', '--no-fund', `--os=${platform}`, `--cpu=${arch}`, `sharp@${sharpVersion}`],
    { cwd: at, encoding: 'utf8' },
  );
  const m = found();
  if (r.status !== 0 || m.size === 0) {
    throw new Error(`could not fetch sharp's ${platform}-${arch} binaries from npm (exit ${r.status}): ${(r.stderr || r.stdout).trim().split('\n').slice(-2).join(' ')}`);
  }
  return m;
}

/** Backbones that ship: a manifest whose model file lies inside its own folder and exists. */
function stageBackbones(root: string, out: string): string[] {
  const src = join(root, 'native-models');
  const staged: string[] = [];
  for (const id of readdirSync(src).sort()) {
    const manifestPath = join(src, id, 'manifest.json');
    if (!existsSync(manifestPath)) continue;
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { model?: string };
    const model = manifest.model ? resolve(src, id, manifest.model) : null;
    if (!model || !model.startsWith(join(src, id) + sep) || !existsSync(model)) continue; // e.g. read from ../shared, or not converted
    const dest = join(out, 'native-models', id);
    mkdirSync(dest, { recursive: true });
    cpSync(manifestPath, join(dest, 'manifest.json'));
    cpSync(model, join(dest, relative(join(src, id), model)));
    for (const f of readdirSync(join(src, id))) if (KEEP_FILE.test(f)) cpSync(join(src, id, f), join(dest, f));
    staged.push(id);
  }
  return staged;
}

export function stageApp(o: StageOptions): StageResult {
  const log = o.log ?? (() => {});
  const root = resolve(o.root);
  const buildDir = resolve(o.buildDir ?? root);
  const out = resolve(o.out);
  const mainDir = join(buildDir, 'dist', 'main');
  const rendererDir = join(buildDir, 'renderer', 'dist');
  for (const [what, p] of [
    ['the compiled main process', join(mainDir, 'electron-main', 'main.js')],
    ['the preload bundle', join(mainDir, 'preload', 'preload.cjs')],
    ['the renderer build', join(rendererDir, 'index.html')],
  ] as const) {
    if (!existsSync(p)) throw new Error(`${what} is missing (${p}): run \`npm run build\` first`);
  }
  if (!existsSync(o.sqliteBinary)) throw new Error(`better_sqlite3.node for ${o.platform}-${o.arch} not found at ${o.sqliteBinary}`);

  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });

  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<string, unknown>;
  const appPkg = Object.fromEntries(KEEP_FIELDS.filter((k) => pkg[k] !== undefined).map((k) => [k, pkg[k]]));
  writeFileSync(join(out, 'package.json'), JSON.stringify(appPkg, null, 2) + '\n');

  copyFiltered(mainDir, join(out, 'dist', 'main'), (rel, isDir) => isDir || /\.(js|cjs|node)$/.test(rel));
  copyFiltered(rendererDir, join(out, 'renderer', 'dist'), (rel) => !rel.endsWith('.map'));
  // Native addons built beside their sources in main/ (e.g. the GenICam addon) ship at the same relative path.
  const addons: string[] = [];
  const findAddons = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory() && e.name !== 'node_modules' && !e.name.startsWith('.')) findAddons(p);
      else if (e.isFile() && e.name.endsWith('.node') && !p.includes(`${sep}obj.target${sep}`)) addons.push(p);
    }
  };
  findAddons(join(root, 'main'));
  for (const a of addons) {
    const t = binaryTarget(a);
    if (!t || t.os !== o.platform || (t.arch !== null && t.arch !== o.arch)) {
      log(`not staged (built for ${t ? `${t.os}-${t.arch}` : 'no known platform'}): ${relative(root, a)}`);
      continue;
    }
    mkdirSync(dirname(join(out, relative(root, a))), { recursive: true });
    cpSync(a, join(out, relative(root, a)));
  }

  const backbones = stageBackbones(root, out);

  const packages = productionPackages(root);
  const staged: string[] = [];
  for (const rel of packages) {
    const name = packageName(rel);
    if (!isTargetSharpPackage(name, o.platform, o.arch)) continue;
    const from = join(root, rel);
    if (!existsSync(join(from, 'package.json'))) continue; // optional dependency not installed for this platform
    const to = join(out, rel);
    if (name === 'better-sqlite3') {
      // Only what loads at run time: the JS, the licence and the addon for the target runtime.
      copyFiltered(from, to, (r, isDir) => (isDir ? r === 'lib' || r.startsWith('lib/') : r === 'package.json' || r.startsWith('lib/') || KEEP_FILE.test(r)));
      mkdirSync(join(to, 'build', 'Release'), { recursive: true });
      cpSync(o.sqliteBinary, join(to, 'build', 'Release', 'better_sqlite3.node'));
    } else {
      const plat = platformFilter(name, o.platform, o.arch);
      copyFiltered(from, to, (r, isDir) => junkFilter(r, isDir) && plat(r, isDir));
    }
    staged.push(rel);
  }

  const fetched: string[] = [];
  const tag = sharpPlatformTag(o.platform, o.arch);
  const haveSharp = existsSync(join(root, 'node_modules', '@img', `sharp-${tag}`, 'package.json'));
  if (!haveSharp) {
    for (const [name, dir] of fetchSharpFor(root, o.fetchDir ?? join(root, 'release', '.fetch'), o.platform, o.arch, log)) {
      copyFiltered(dir, join(out, 'node_modules', name), junkFilter);
      fetched.push(name);
    }
  }

  // Nothing foreign may remain: every native file must be for the target (checked again on the packed app).
  const native: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (NATIVE_FILE.test(e.name)) native.push(relative(out, p));
    }
  };
  walk(join(out, 'node_modules'));
  log(`staged ${staged.length} packages (${fetched.length} fetched for ${tag}), ${native.length} native files, backbones: ${backbones.join(', ') || 'none'}`);
  return { out, bytes: dirBytes(out), packages: staged, fetched, backbones };
}
