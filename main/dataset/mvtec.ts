/**
 * Lists an MVTec AD category folder (train/good, test/<type>, ground_truth/<type>/NNN_mask.png)
 * without decoding anything.
 */
import { readdir, stat } from 'node:fs/promises';
import { join, parse, resolve } from 'node:path';
import { StationFault } from '../common/result.js';
import { isImagePath } from '../node/image-io.js';

export interface DatasetImage {
  /** Absolute path of the image. */
  readonly path: string;
  readonly split: 'train' | 'test';
  /** Folder name under the split: 'good' for normal parts, else the defect type. */
  readonly defectType: string;
  /** File name, e.g. '000.png'. */
  readonly name: string;
  /** Absolute path of the ground-truth mask, when the dataset has one for this image. */
  readonly maskPath?: string;
}

export interface MvtecListing {
  readonly train: DatasetImage[];
  readonly test: DatasetImage[];
  /** Defect types found under test/ (every folder except 'good'), sorted. */
  readonly defectTypes: string[];
}

async function isDir(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

/** Sorted subfolder names, hidden ones skipped. */
async function subdirs(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort(byCodePoint);
}

/** Sorted image file names (by extension), hidden ones skipped. */
async function imageFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries
    .filter((e) => (e.isFile() || e.isSymbolicLink()) && !e.name.startsWith('.') && isImagePath(e.name))
    .map((e) => e.name)
    .sort(byCodePoint);
}

function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Lists the images of an MVTec-layout folder, sorted by defect type then name.
 * @throws StationFault('not-found') when the folder, train/good or test/ is missing.
 */
export async function listMvtec(dir: string): Promise<MvtecListing> {
  const root = resolve(dir);
  if (!(await isDir(root))) throw new StationFault('not-found', `dataset folder not found: ${root}`);
  const trainDir = join(root, 'train', 'good');
  const testDir = join(root, 'test');
  if (!(await isDir(trainDir))) {
    throw new StationFault('not-found', `not an MVTec dataset folder: ${root} has no train/good folder`);
  }
  if (!(await isDir(testDir))) {
    throw new StationFault('not-found', `not an MVTec dataset folder: ${root} has no test folder`);
  }

  const train: DatasetImage[] = (await imageFiles(trainDir)).map((name) => ({
    path: join(trainDir, name),
    split: 'train',
    defectType: 'good',
    name,
  }));

  const test: DatasetImage[] = [];
  const types = await subdirs(testDir);
  for (const type of types) {
    const gtDir = join(root, 'ground_truth', type);
    // Masks by image stem: '000_mask.png' belongs to '000.png'.
    const masks = new Map<string, string>();
    if (type !== 'good' && (await isDir(gtDir))) {
      for (const m of await imageFiles(gtDir)) {
        const stem = parse(m).name;
        if (stem.endsWith('_mask')) masks.set(stem.slice(0, -'_mask'.length), join(gtDir, m));
      }
    }
    for (const name of await imageFiles(join(testDir, type))) {
      const maskPath = masks.get(parse(name).name);
      test.push({ path: join(testDir, type, name), split: 'test', defectType: type, name, ...(maskPath ? { maskPath } : {}) });
    }
  }
  return { train, test, defectTypes: types.filter((t) => t !== 'good') };
}
