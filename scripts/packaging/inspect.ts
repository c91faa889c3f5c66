/**
 * Checks a packed app (electron-builder's `resources/` folder: app.asar + app.asar.unpacked) the way a reviewer
 * would: the files the app needs are there, native code and models are outside the archive, nothing is a source, a
 * test, a dev package or another platform's binary, and better-sqlite3 is built for the runtime's ABI. Used by
 * `npm run dist` (it refuses a package with problems) and by test/packaging.
 */
import asar from '@electron/asar';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { addonAbi, binaryTarget, NATIVE_FILE, type TargetArch, type TargetOs } from './binaries.js';
import { productionPackages } from './stage.js';

export interface InspectOptions {
  readonly platform: TargetOs;
  readonly arch: TargetArch;
  /** Module version better_sqlite3.node must have (Electron's for a real package). */
  readonly sqliteAbi: number;
  /** Names of the project's devDependencies: none may be packed. */
  readonly devPackages: readonly string[];
  /** Backbone ids that must ship (manifest in the archive, model unpacked). */
  readonly backbones: readonly string[];
}

export interface NativeFile {
  readonly path: string;
  readonly os: string;
  readonly arch: string | null;
  readonly abi: number | 'napi' | null;
}

export interface InspectReport {
  /** Paths inside app.asar, '/'-separated, without the leading slash. */
  readonly archived: readonly string[];
  /** Paths under app.asar.unpacked. */
  readonly unpacked: readonly string[];
  readonly asarBytes: number;
  readonly unpackedBytes: number;
  readonly natives: readonly NativeFile[];
  readonly problems: readonly string[];
}

function walk(dir: string, base = dir, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, base, out);
    else out.push(relative(base, p).split(sep).join('/'));
  }
  return out;
}

/** The files the app cannot start without (relative to the app root). */
export function requiredFiles(o: Pick<InspectOptions, 'platform' | 'arch'>): { archived: string[]; unpacked: string[] } {
  const tag = `${o.platform}-${o.arch}`;
  return {
    archived: [
      'package.json',
      'dist/main/electron-main/main.js',
      'dist/main/electron-main/window.js',
      'dist/main/node/engine-worker.js',
      'dist/main/services/engine.js',
      'dist/main/preload/preload.cjs',
      'renderer/dist/index.html',
      'node_modules/better-sqlite3/lib/index.js',
      'node_modules/onnxruntime-node/dist/index.js',
      'node_modules/sharp/lib/index.js',
    ],
    unpacked: [
      'node_modules/better-sqlite3/build/Release/better_sqlite3.node',
      `node_modules/onnxruntime-node/bin/napi-v6/${o.platform}/${o.arch}/onnxruntime_binding.node`,
      `node_modules/@img/sharp-${tag}/lib/sharp-${tag}.node`,
    ],
  };
}

/** What must never be packed, as [pattern, reason]. */
const FORBIDDEN: ReadonlyArray<readonly [RegExp, string]> = [
  [/\.(ts|tsx|mts|cts)$/, 'TypeScript source'],
  [/\.map$/, 'source map'],
  // (native addons built beside their sources in main/ ship at the same path: the loader looks there)
  [/^(main\/(?!.*\.node$)|renderer\/src\/|test\/|scripts\/|docs\/|native-models\/converter\/)/, 'project source, test or tooling'],
  [/^dist\/(test|native-models|renderer|scripts)\//, 'compiled test or tooling'],
  [/(^|\/)(test|tests|__tests__)\/.*\.(js|cjs|mjs)$/, 'a test'],
  [/^\.electron-native\//, 'development build'],
  [/^node_modules\/better-sqlite3\/(src|deps|build\/(?!Release\/better_sqlite3\.node$))/, "better-sqlite3's sources or build leftovers"],
];

export function inspectPackedApp(resources: string, o: InspectOptions): InspectReport {
  const asarPath = join(resources, 'app.asar');
  const unpackedDir = join(resources, 'app.asar.unpacked');
  const problems: string[] = [];
  if (!existsSync(asarPath)) return { archived: [], unpacked: [], asarBytes: 0, unpackedBytes: 0, natives: [], problems: [`${asarPath} does not exist`] };

  const archived: string[] = [];
  const inArchiveOnly = new Set<string>();
  for (const p of asar.listPackage(asarPath, { isPack: false })) {
    const rel = p.replace(/^[/\\]+/, '').split(/[\\/]/).join('/');
    const st = asar.statFile(asarPath, rel, false) as { files?: unknown; unpacked?: boolean; link?: string };
    if (st.files || st.link) continue;
    archived.push(rel);
    if (!st.unpacked) inArchiveOnly.add(rel);
  }
  const unpacked = walk(unpackedDir);
  const unpackedSet = new Set(unpacked);
  const all = new Set([...archived, ...unpacked]);

  const req = requiredFiles(o);
  for (const f of req.archived) if (!all.has(f)) problems.push(`missing: ${f}`);
  for (const f of req.unpacked) if (!unpackedSet.has(f)) problems.push(`missing outside the archive: ${f}`);
  if (![...all].some((f) => /^renderer\/dist\/assets\/.+\.js$/.test(f))) problems.push('missing: the renderer bundle (renderer/dist/assets/*.js)');

  for (const id of o.backbones) {
    const manifest = `native-models/${id}/manifest.json`;
    if (!all.has(manifest)) {
      problems.push(`missing: backbone ${id} (${manifest})`);
      continue;
    }
    const m = JSON.parse(existsSync(join(unpackedDir, manifest)) ? readFileSync(join(unpackedDir, manifest), 'utf8') : asar.extractFile(asarPath, manifest).toString('utf8')) as { model?: string };
    if (!m.model || !unpackedSet.has(`native-models/${id}/${m.model}`)) problems.push(`backbone ${id}: model ${m.model ?? '(none)'} is not outside the archive`);
  }

  for (const f of all) {
    for (const [re, why] of FORBIDDEN) if (re.test(f)) problems.push(`packed ${why}: ${f}`);
    const pkg = /^node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(f)?.[1];
    if (pkg && o.devPackages.includes(pkg)) problems.push(`packed devDependency ${pkg}: ${f}`);
  }
  for (const f of inArchiveOnly) if (NATIVE_FILE.test(f) || f.endsWith('.onnx')) problems.push(`inside the archive (native code and models must be unpacked): ${f}`);

  const natives: NativeFile[] = [];
  for (const f of unpacked) {
    const abs = join(unpackedDir, f);
    const t = binaryTarget(abs);
    if (!t) {
      if (NATIVE_FILE.test(f)) problems.push(`not a binary for any platform: ${f}`);
      continue;
    }
    const abi = f.endsWith('.node') ? addonAbi(abs) : null;
    natives.push({ path: f, os: t.os, arch: t.arch, abi });
    if (t.os !== o.platform || (t.arch !== null && t.arch !== o.arch)) problems.push(`foreign binary (${t.os}-${t.arch ?? 'universal'}): ${f}`);
    if (f.endsWith('.node')) {
      if (f.endsWith('/better_sqlite3.node')) {
        if (abi !== o.sqliteAbi) problems.push(`better_sqlite3.node is built for module version ${String(abi)}, the runtime needs ${o.sqliteAbi}`);
      } else if (abi !== 'napi') {
        problems.push(`${f} is not an N-API addon (module version ${String(abi)}): it would need a build for Electron`);
      }
    }
  }

  const size = (files: Iterable<string>, dir: string) => [...files].reduce((n, f) => n + statSync(join(dir, f)).size, 0);
  return {
    archived: archived.sort(),
    unpacked: unpacked.sort(),
    asarBytes: statSync(asarPath).size,
    unpackedBytes: size(unpacked, unpackedDir),
    natives,
    problems,
  };
}

/** The project's devDependencies that no production dependency needs (those must never be packed). */
export function devOnlyPackageNames(root: string): string[] {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { devDependencies?: Record<string, string> };
  const prod = new Set(productionPackages(root).map((p) => p.slice(p.lastIndexOf('node_modules/') + 'node_modules/'.length)));
  return Object.keys(pkg.devDependencies ?? {}).filter((n) => !prod.has(n));
}
