/**
 * better-sqlite3 for Electron, built beside the project instead of over it. better-sqlite3 uses V8's API (not
 * N-API), so Electron needs a build for its own ABI (Electron 39: module version 140; Node 20: 115). electron-builder
 * and `electron-rebuild` rebuild node_modules in place, which breaks `npm test`; here @electron/rebuild runs on a
 * copy of the package and the result is kept in `.electron-native/<electron>-<os>-<arch>/better_sqlite3.node`:
 *  - `npm start` (Electron) hands that file to better-sqlite3 (`nativeBinding`, main/node/native-binding.ts);
 *  - `npm run dist` puts it into the staged app (scripts/packaging/stage.ts).
 * @electron/rebuild first tries a prebuilt binary (GitHub releases), then compiles with node-gyp against Electron's
 * headers (electronjs.org); a Windows binary cannot be compiled on Linux, so staging Windows needs the prebuilt.
 *
 * CLI: node --import tsx scripts/packaging/electron-native.ts [--platform P] [--arch A] [--force]
 */
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { addonAbi, binaryTarget, type TargetArch, type TargetOs } from './binaries.js';

export const NATIVE_DIR = '.electron-native';

export function installedElectronVersion(root: string): string {
  const p = join(root, 'node_modules', 'electron', 'package.json');
  if (!existsSync(p)) throw new Error('the electron package is not installed (it is a devDependency: run npm install)');
  return (JSON.parse(readFileSync(p, 'utf8')) as { version: string }).version;
}

/** Electron's Node module version (`process.versions.modules` inside Electron). */
export function electronAbi(root: string, version: string): number {
  const abiFile = join(root, 'node_modules', 'electron', 'abi_version');
  if (version !== installedElectronVersion(root) || !existsSync(abiFile)) {
    throw new Error(`the module version of Electron ${version} is unknown: install electron@${version} (its package has abi_version)`);
  }
  return Number(readFileSync(abiFile, 'utf8').trim());
}

/** Where the Electron build for a version/OS/CPU lives (the same layout the app looks up at run time). */
export function electronSqlitePath(root: string, version: string, platform: string, arch: string): string {
  return join(root, NATIVE_DIR, `${version}-${platform}-${arch}`, 'better_sqlite3.node');
}

export interface EnsureOptions {
  readonly root: string;
  readonly electronVersion?: string;
  readonly platform?: TargetOs;
  readonly arch?: TargetArch;
  /** Where @electron/rebuild gets Electron's headers (default electronjs.org). */
  readonly headerURL?: string;
  /** The module version the result must have (default: Electron's); a check, not a setting. */
  readonly expectAbi?: number;
  readonly force?: boolean;
  /** Environment for the rebuild (e.g. HOME, where node-gyp keeps downloaded headers in ~/.electron-gyp). */
  readonly env?: NodeJS.ProcessEnv;
  readonly log?: (line: string) => void;
}

/** Checks a better_sqlite3.node is for the target OS/CPU and module version; throws a specific error otherwise. */
export function verifySqliteBinary(file: string, platform: TargetOs, arch: TargetArch, abi: number): void {
  const t = binaryTarget(file);
  if (!t || t.os !== platform || (t.arch !== null && t.arch !== arch)) {
    throw new Error(`${file} is built for ${t ? `${t.os}-${t.arch}` : 'no known platform'}, not ${platform}-${arch}`);
  }
  const got = addonAbi(file);
  if (got !== abi) throw new Error(`${file} is built for module version ${String(got)}, but the runtime needs ${abi}`);
}

/**
 * Returns the path of better_sqlite3.node built for Electron, building it (in a copy of the package) if missing.
 * The project's node_modules is only read.
 */
export async function ensureElectronSqlite(o: EnsureOptions): Promise<string> {
  const log = o.log ?? ((l: string) => console.log(`[electron-native] ${l}`));
  const root = resolve(o.root);
  const version = o.electronVersion ?? installedElectronVersion(root);
  const platform = o.platform ?? (process.platform as TargetOs);
  const arch = o.arch ?? (process.arch as TargetArch);
  const abi = o.expectAbi ?? electronAbi(root, version);
  const out = electronSqlitePath(root, version, platform, arch);
  if (!o.force && existsSync(out)) {
    verifySqliteBinary(out, platform, arch, abi);
    return out;
  }
  const src = join(root, 'node_modules', 'better-sqlite3');
  const pkg = JSON.parse(readFileSync(join(src, 'package.json'), 'utf8')) as { version: string };
  const work = join(root, NATIVE_DIR, `build-${version}-${platform}-${arch}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(join(work, 'node_modules'), { recursive: true });
  writeFileSync(join(work, 'package.json'), JSON.stringify({ name: 'electron-native-build', private: true, dependencies: { 'better-sqlite3': pkg.version } }));
  // Sources only: the Node build in node_modules/better-sqlite3/build is neither copied nor touched.
  cpSync(src, join(work, 'node_modules', 'better-sqlite3'), { recursive: true, filter: (p) => !p.startsWith(join(src, 'build')) });
  log(`building better-sqlite3 ${pkg.version} for Electron ${version} (${platform}-${arch}, module version ${abi}) in ${work}`);
  const saved = { ...process.env };
  try {
    // Before the import: @electron/rebuild fixes its header folder (~/.electron-gyp) when it is first loaded.
    if (o.env) Object.assign(process.env, o.env);
    const { rebuild } = (await import('@electron/rebuild')) as typeof import('@electron/rebuild');
    await rebuild({
      buildPath: work,
      electronVersion: version,
      platform,
      arch,
      onlyModules: ['better-sqlite3'],
      force: true,
      mode: 'sequential',
      ...(o.headerURL ? { headerURL: o.headerURL } : {}),
    });
  } catch (e) {
    rmSync(work, { recursive: true, force: true });
    throw new Error(
      `could not build better-sqlite3 for Electron ${version} ${platform}-${arch}: ${(e as Error).message.split('\n')[0]}. ` +
        'It needs either the prebuilt binary (github.com) or Electron\'s headers (electronjs.org) and a C++ toolchain.',
    );
  } finally {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  }
  const built = join(work, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
  if (!existsSync(built)) throw new Error(`@electron/rebuild finished but ${built} does not exist`);
  verifySqliteBinary(built, platform, arch, abi);
  mkdirSync(resolve(out, '..'), { recursive: true });
  cpSync(built, out);
  rmSync(work, { recursive: true, force: true });
  log(`wrote ${out}`);
  return out;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const flag = (n: string) => {
    const i = args.indexOf(n);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
  ensureElectronSqlite({
    root,
    platform: flag('--platform') as TargetOs | undefined,
    arch: flag('--arch') as TargetArch | undefined,
    force: args.includes('--force'),
    log: (l) => console.error(`[electron-native] ${l}`), // stdout carries only the resulting path
  }).then(
    (p) => console.log(p),
    (e: Error) => {
      console.error(`[electron-native] ${e.message}`);
      process.exit(1);
    },
  );
}
