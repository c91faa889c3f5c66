/**
 * `npm run dist` (after `npm run build`): for each target platform, stage the app (stage.ts) with better-sqlite3
 * built for Electron (electron-native.ts), run electron-builder on the staged copy, then inspect the packed app
 * (inspect.ts) and refuse it when something is missing, foreign or built for the wrong ABI.
 *
 *   node --import tsx scripts/packaging/dist.ts [--linux] [--win] [--arch x64] [--dir] [--electron-dist DIR]
 *
 * Default: the host's own platform (Linux: AppImage + deb; Windows: NSIS). `--win` on Linux fetches sharp's Windows
 * binaries from npm and needs better-sqlite3's Windows prebuilt for Electron (github.com). `--dir` stops at the
 * unpacked folder; `--electron-dist` packs a local Electron distribution instead of downloading one.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_BACKBONE } from '../../main/inference/patchcore/config.js';
import type { TargetArch, TargetOs } from './binaries.js';
import { electronAbi, ensureElectronSqlite, installedElectronVersion } from './electron-native.js';
import { devOnlyPackageNames, inspectPackedApp } from './inspect.js';
import { stageApp } from './stage.js';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
/** Backbones that must ship: the default one, which the app trains its first model with. */
export const SHIPPED_BACKBONES = [DEFAULT_BACKBONE];

export interface DistOptions {
  readonly platform: TargetOs;
  readonly arch: TargetArch;
  readonly dirOnly: boolean;
  readonly electronDist?: string;
  /** better_sqlite3.node to pack instead of the Electron build (tests: the Node build, checked against `sqliteAbi`). */
  readonly sqliteBinary?: string;
  readonly sqliteAbi?: number;
  /** Where to stage and write (default release/). */
  readonly outDir?: string;
  /** Where dist/main and renderer/dist are (default: the project). */
  readonly buildDir?: string;
  readonly extraConfig?: readonly string[];
  readonly log?: (l: string) => void;
}

export interface DistResult {
  readonly resources: string;
  readonly stagedBytes: number;
  readonly asarBytes: number;
  readonly unpackedBytes: number;
  readonly artifacts: ReadonlyArray<{ readonly file: string; readonly bytes: number }>;
  readonly problems: readonly string[];
}

const BUILDER_PLATFORM: Record<TargetOs, string> = { linux: '--linux', win32: '--win', darwin: '--mac' };
const UNPACKED_DIR: Record<TargetOs, (arch: TargetArch) => string> = {
  linux: (a) => (a === 'x64' ? 'linux-unpacked' : `linux-${a}-unpacked`),
  win32: (a) => (a === 'x64' ? 'win-unpacked' : `win-${a}-unpacked`),
  darwin: (a) => `mac-${a}`,
};

export async function distFor(o: DistOptions): Promise<DistResult> {
  const log = o.log ?? ((l: string) => console.log(`[dist] ${l}`));
  const outDir = resolve(o.outDir ?? join(root, 'release'));
  const version = installedElectronVersion(root);
  const sqliteAbi = o.sqliteAbi ?? electronAbi(root, version);
  const sqliteBinary = o.sqliteBinary ?? (await ensureElectronSqlite({ root, electronVersion: version, platform: o.platform, arch: o.arch, log }));
  const appDir = join(outDir, 'app');
  const staged = stageApp({ root, buildDir: o.buildDir, out: appDir, platform: o.platform, arch: o.arch, sqliteBinary, fetchDir: join(outDir, '.fetch'), log });
  log(`staged ${(staged.bytes / 1e6).toFixed(1)} MB for ${o.platform}-${o.arch} in ${appDir}`);

  const args = [
    join(root, 'node_modules', 'electron-builder', 'cli.js'),
    '--config',
    join(root, 'electron-builder.yml'),
    BUILDER_PLATFORM[o.platform],
    `--${o.arch}`,
    ...(o.dirOnly ? ['--dir'] : []),
    `-c.directories.app=${appDir}`,
    `-c.directories.output=${outDir}`,
    `-c.electronVersion=${version}`,
    ...(o.electronDist ? [`-c.electronDist=${resolve(o.electronDist)}`] : []),
    ...(o.extraConfig ?? []),
  ];
  log(`electron-builder ${args.slice(3).join(' ')}`);
  const r = spawnSync(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', maxBuffer: 256 << 20 });
  if (r.status !== 0) {
    const tail = `${r.stdout}\n${r.stderr}`.trim().split('\n').filter((l) => !l.includes('duplicate dependency references')).slice(-15).join('\n');
    throw new Error(`electron-builder failed (exit ${r.status}):\n${tail}`);
  }

  const resources = join(outDir, UNPACKED_DIR[o.platform](o.arch), ...(o.platform === 'darwin' ? ['Inspection Station.app', 'Contents', 'Resources'] : ['resources']));
  const report = inspectPackedApp(resources, { platform: o.platform, arch: o.arch, sqliteAbi, devPackages: devOnlyPackageNames(root), backbones: SHIPPED_BACKBONES });
  const artifacts = readdirSync(outDir)
    .filter((f) => /\.(AppImage|deb|exe|dmg|zip)$/.test(f))
    .map((f) => ({ file: join(outDir, f), bytes: statSync(join(outDir, f)).size }));
  return { resources, stagedBytes: staged.bytes, asarBytes: report.asarBytes, unpackedBytes: report.unpackedBytes, artifacts, problems: report.problems };
}

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const value = (n: string) => {
    const i = args.indexOf(n);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const platforms: TargetOs[] = [];
  if (args.includes('--linux')) platforms.push('linux');
  if (args.includes('--win')) platforms.push('win32');
  if (platforms.length === 0) platforms.push(process.platform as TargetOs);
  const arch = (value('--arch') ?? process.arch) as TargetArch;
  if (!existsSync(join(root, 'dist', 'main', 'electron-main', 'main.js'))) {
    console.error('[dist] run `npm run build` first (npm run dist does)');
    process.exit(1);
  }
  let failed = false;
  for (const platform of platforms) {
    try {
      const r = await distFor({ platform, arch, dirOnly: args.includes('--dir'), electronDist: value('--electron-dist') });
      console.log(`[dist] ${platform}-${arch}: app.asar ${mb(r.asarBytes)}, app.asar.unpacked ${mb(r.unpackedBytes)}`);
      for (const a of r.artifacts) console.log(`[dist] ${a.file}: ${mb(a.bytes)}`);
      if (r.problems.length > 0) {
        failed = true;
        console.error(`[dist] ${platform}-${arch}: the packed app has problems:\n  ${r.problems.join('\n  ')}`);
      }
    } catch (e) {
      failed = true;
      console.error(`[dist] ${platform}-${arch}: ${(e as Error).message}`);
    }
  }
  process.exit(failed ? 1 : 0);
}
