/**
 * End-to-end harness: builds the renderer into a temp folder, prepares small image folders from the shared screw
 * data, and drives Debian's chromium through playwright-core. Nothing is written into the repository unless
 * STATION_SCREENSHOTS names a folder (the README's screenshots are refreshed with
 * `STATION_SCREENSHOTS=docs/screenshots node scripts/run-tests.mjs e2e`).
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { repoRoot, sharedDir } from '../../main/node/paths.js';

/** STATION_CHROMIUM, else the first chromium on PATH or in the usual places (Debian, Ubuntu, snap). */
function findChromium(): string {
  const names = ['chromium', 'chromium-browser', 'google-chrome'];
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), '/usr/bin', '/snap/bin'];
  for (const d of dirs) for (const n of names) if (existsSync(join(d, n))) return join(d, n);
  return '/usr/bin/chromium';
}

export const CHROMIUM = process.env.STATION_CHROMIUM ?? findChromium();
export const SCREW = sharedDir('datasets', 'mvtec-screw');

/** CI=true (or 1): a missing browser or dataset must fail the run, never skip it. */
export function inCi(): boolean {
  return /^(true|1)$/i.test(process.env.CI ?? '');
}

/** Why the e2e test cannot run here, or null. */
export function missingPrerequisite(): string | null {
  if (!existsSync(CHROMIUM)) return `chromium not found at ${CHROMIUM} (apt-get install -y chromium, or set STATION_CHROMIUM)`;
  if (!existsSync(join(SCREW, 'train', 'good'))) return `shared screw dataset missing at ${SCREW}`;
  return null;
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `station-e2e-${prefix}-`));
}

/** Builds renderer/ with its own Vite config into `outDir` (not renderer/dist, so the test leaves the repo alone). */
export async function buildRenderer(outDir: string): Promise<string> {
  const { build } = await import('vite');
  const config = (await import('../../renderer/vite.config.js')).default as import('vite').UserConfig;
  await build({
    ...config,
    configFile: false,
    logLevel: 'error',
    build: { ...config.build, outDir, emptyOutDir: true, sourcemap: false },
  });
  if (!existsSync(join(outDir, 'index.html'))) throw new Error('renderer build produced no index.html');
  return outDir;
}

/** Copies `names` (or the first `count` images) of a screw folder into `dest` under new names. */
export function copyImages(from: string, dest: string, count: number, prefix = ''): string[] {
  mkdirSync(dest, { recursive: true });
  const names = readdirSync(from)
    .filter((n) => n.endsWith('.png'))
    .sort()
    .slice(0, count);
  return names.map((n) => {
    const to = join(dest, `${prefix}${n}`);
    copyFileSync(join(from, n), to);
    return to;
  });
}

export interface Folders {
  /** ~10 good training images. */
  readonly train: string;
  /** MVTec-like labelled folder (good/ + three defect types) for validation scores. */
  readonly validation: string;
  /** Flat folder with a few good + defect images for the live folder source. */
  readonly live: string;
  readonly liveGood: number;
  readonly liveDefect: number;
  readonly validationGood: number;
  readonly validationDefect: number;
}

export interface FolderSizes {
  /** Good training images. */
  readonly train: number;
  /** Good validation images. */
  readonly validationGood: number;
  /** Validation images per defect type (three types). */
  readonly validationPerDefect: number;
}

/** Small (test) and larger (screenshot) sizes; the larger trains a model good enough to show in the docs. */
export const SIZES: { readonly test: FolderSizes; readonly showcase: FolderSizes } = {
  test: { train: 10, validationGood: 6, validationPerDefect: 2 },
  showcase: { train: 40, validationGood: 12, validationPerDefect: 4 },
};

const DEFECT_TYPES = ['scratch_head', 'thread_side', 'thread_top'] as const;

export function prepareFolders(root: string, sizes: FolderSizes): Folders {
  const train = join(root, 'train');
  copyImages(join(SCREW, 'train', 'good'), train, sizes.train);
  const validation = join(root, 'validation');
  copyImages(join(SCREW, 'test', 'good'), join(validation, 'good'), sizes.validationGood);
  for (const d of DEFECT_TYPES) copyImages(join(SCREW, 'test', d), join(validation, d), sizes.validationPerDefect);
  const live = join(root, 'live');
  mkdirSync(live, { recursive: true });
  // Images the model was neither trained nor validated on; names sort goods first, so the last frame is a defect.
  const good = readdirSync(join(SCREW, 'test', 'good')).sort().slice(20, 23);
  for (const n of good) copyFileSync(join(SCREW, 'test', 'good', n), join(live, `a_good_${n}`));
  const bad = readdirSync(join(SCREW, 'test', 'manipulated_front')).sort().slice(0, 3);
  for (const n of bad) copyFileSync(join(SCREW, 'test', 'manipulated_front', n), join(live, `b_defect_${n}`));
  return {
    train,
    validation,
    live,
    liveGood: good.length,
    liveDefect: bad.length,
    validationGood: sizes.validationGood,
    validationDefect: sizes.validationPerDefect * DEFECT_TYPES.length,
  };
}

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // A synthetic camera, so the webcam source (getUserMedia -> live.pushFrame) runs headless.
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
];

export interface Browser {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Uncaught page errors and console errors seen so far. */
  readonly errors: string[];
  close(): Promise<void>;
}

export async function launchBrowser(profileDir: string): Promise<Browser> {
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1600, height: 1000 },
    acceptDownloads: true,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  return { context, page, errors, close: () => context.close() };
}

/** Saves a screenshot to STATION_SCREENSHOTS (for the docs) or to `fallbackDir`. */
export async function screenshot(page: Page, name: string, fallbackDir: string): Promise<string> {
  const dir = process.env.STATION_SCREENSHOTS ? resolve(repoRoot, process.env.STATION_SCREENSHOTS) : fallbackDir;
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.png`);
  await page.screenshot({ path });
  return path;
}

/** Counts pixels of a canvas (by test id) with alpha > 0 and with any colour channel > 8. */
export async function canvasInk(page: Page, testId: string): Promise<{ width: number; height: number; opaque: number; lit: number }> {
  return page.getByTestId(testId).first().evaluate((el) => {
    const c = el as HTMLCanvasElement;
    const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let opaque = 0;
    let lit = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (data[i + 3] > 0) opaque++;
      if (data[i] > 8 || data[i + 1] > 8 || data[i + 2] > 8) lit++;
    }
    return { width: c.width, height: c.height, opaque, lit };
  });
}
