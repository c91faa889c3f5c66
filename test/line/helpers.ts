/** Line-mode test fixtures: a small PatchCore model on real screw images, and an in-process live side. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trainPatchCore, savePatchCore } from '../../main/inference/patchcore/index.js';
import { MediaStore } from '../../main/pipeline/media-store.js';
import { LiveService, type LiveOptions } from '../../main/services/live.js';
import { ModelRegistry } from '../../main/services/model-registry.js';
import { openStore } from '../../main/store/store.js';
import type { StationStore } from '../../main/store/interface.js';
import { screwImages } from '../helpers.js';

/** Small and fast: 5 images, a 256 x 128 canvas, a 10 % bank. */
export const SMALL_CONFIG = { registration: { width: 256, height: 128 }, coreset: { ratio: 0.1 } };

/** Trains the small model and writes it to `dir` (a folder as `station train` writes). */
export async function trainSmallModel(dir: string): Promise<void> {
  const { model } = await trainPatchCore({ images: screwImages('train').slice(0, 5), config: SMALL_CONFIG });
  await savePatchCore(model, dir);
  await model.dispose();
}

export interface Station {
  readonly root: string;
  readonly store: StationStore;
  readonly reg: ModelRegistry;
  readonly media: MediaStore;
  readonly live: LiveService;
  readonly notices: string[];
  close(): Promise<void>;
}

/** A live side as the engine builds it, on a fresh data folder, with the small model active. */
export async function openStation(opts: LiveOptions = {}): Promise<Station> {
  const root = await mkdtemp(join(tmpdir(), 'station-line-'));
  const store = openStore(join(root, 'station.db'));
  const reg = new ModelRegistry(store, join(root, 'models'));
  const media = new MediaStore(join(root, 'media'));
  const notices: string[] = [];
  const live = new LiveService(reg, store, media, (level, m) => notices.push(`${level}: ${m}`), opts);
  const { model } = await trainPatchCore({ images: screwImages('train').slice(0, 5), config: SMALL_CONFIG });
  await reg.register(model, (d) => savePatchCore(model, d), { trainImages: 5, activate: true });
  return {
    root,
    store,
    reg,
    media,
    live,
    notices,
    async close() {
      await live.dispose();
      await reg.dispose();
      store.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `cond` every 100 ms until it holds or `ms` pass; returns whether it held. */
export async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await sleep(100);
  }
  return cond();
}
