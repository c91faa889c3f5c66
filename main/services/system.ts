/** System information and server-side folder browsing (the browser cannot open native dialogs). */
import { readdir, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { homedir, platform } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import * as ort from 'onnxruntime-node';
import { CONTRACT_VERSION, type FolderEntry, type FolderListing, type SystemInfo } from '../common/api.js';
import { StationFault } from '../common/result.js';
import { isImagePath } from '../node/image-io.js';
import { repoRoot } from '../node/paths.js';
import { realPathOf } from '../node/write-policy.js';
import { findFfmpeg } from '../camera/ffmpeg.js';
import { candidateProviders } from '../inference/execution-provider.js';
import { defaultBackbone, listBackbones } from './backbones.js';

const require = createRequire(import.meta.url);

function versionOf(pkg: string): string | undefined {
  try {
    return (require(`${pkg}/package.json`) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

export async function systemInfo(opts: { shell: 'electron' | 'browser'; dataDir: string; activeProvider: string | null; electronVersion?: string }): Promise<SystemInfo> {
  let appVersion = '0.0.0';
  try {
    appVersion = (require(join(repoRoot, 'package.json')) as { version: string }).version;
  } catch {
    /* packaged differently */
  }
  const versions: Record<string, string> = { node: process.versions.node };
  if (opts.electronVersion) versions.electron = opts.electronVersion;
  for (const p of ['onnxruntime-node', 'sharp', 'better-sqlite3', 'zod']) {
    const v = versionOf(p);
    if (v) versions[p] = v;
  }
  let providers: string[];
  try {
    providers = candidateProviders();
  } catch {
    providers = ort.listSupportedBackends().map((b) => b.name);
  }
  return {
    appVersion,
    contractVersion: CONTRACT_VERSION,
    versions,
    platform: `${platform()}-${process.arch}`,
    shell: opts.shell,
    executionProviders: providers,
    activeExecutionProvider: opts.activeProvider,
    backbones: await listBackbones(),
    defaultBackbone: await defaultBackbone(),
    dataDir: opts.dataDir,
    canPickFolder: opts.shell === 'electron',
    ffmpeg: findFfmpeg() !== null,
  };
}

/** System trees the folder browser does not show: they hold no part images and do hold secrets. */
const SYSTEM_TREES = ['/etc', '/proc', '/sys', '/dev', '/boot', '/root', '/run', '/usr', '/bin', '/sbin', '/lib', '/lib64', '/var/lib', '/var/log', '/snap'];

function isSystemTree(path: string): boolean {
  const dir = realPathOf(path); // a link in /tmp to /etc is /etc
  const home = homedir();
  if (dir === home || home.startsWith(dir + sep) || dir.startsWith(home + sep)) return false;
  if (platform() === 'win32') return /^[a-z]:\\(windows|program files)/i.test(dir);
  return SYSTEM_TREES.some((t) => dir === t || dir.startsWith(t + '/'));
}

export async function listFolder(path: string | undefined, max = 500): Promise<FolderListing> {
  const dir = resolve(path && path.trim() ? path.replace(/^~(?=$|[\\/])/, homedir()) : homedir());
  if (isSystemTree(dir)) throw new StationFault('invalid-input', `the folder browser does not list system folders (${dir})`);
  const st = await stat(dir).catch(() => null);
  if (!st) throw new StationFault('not-found', `folder not found: ${dir}`);
  if (!st.isDirectory()) throw new StationFault('invalid-input', `not a folder: ${dir}`);
  const entries = await readdir(dir, { withFileTypes: true }).catch((e: Error) => {
    throw new StationFault('io', `cannot read ${dir}: ${e.message}`);
  });
  const out: FolderEntry[] = [];
  let images = 0;
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (e.name.startsWith('.')) continue;
    const kind = e.isDirectory() ? 'dir' : isImagePath(e.name) ? 'image' : 'other';
    if (kind === 'image') images++;
    if (out.length < max) out.push({ name: e.name, path: join(dir, e.name), kind });
  }
  out.sort((a, b) => (a.kind === 'dir' ? 0 : 1) - (b.kind === 'dir' ? 0 : 1));
  const parent = dirname(dir);
  return { path: dir, parent: parent === dir ? null : parent, entries: out, imageCount: images, truncated: entries.length > max };
}
