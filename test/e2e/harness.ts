/**
 * End-to-end harness: builds the renderer into a temp folder, prepares small image folders from the shared screw
 * data, and drives Debian's chromium through playwright-core. Nothing is written into the repository unless
 * STATION_SCREENSHOTS names a folder (the README's screenshots are refreshed with
 * `STATION_SCREENSHOTS=docs/screenshots node scripts/run-tests.mjs e2e`).
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { repoRoot, sharedDir } from '../../main/node/paths.js';
import { startStation, type RunningStation } from './station-process.js';
import { inCi } from '../helpers.js';

/** STATION_CHROMIUM, else the first chromium on PATH or in the usual places (Debian, Ubuntu, snap). */
function findChromium(): string {
  const names = ['chromium', 'chromium-browser', 'google-chrome'];
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), '/usr/bin', '/snap/bin'];
  for (const d of dirs) for (const n of names) if (existsSync(join(d, n))) return join(d, n);
  return '/usr/bin/chromium';
}

export const CHROMIUM = process.env.STATION_CHROMIUM ?? findChromium();
export const SCREW = sharedDir('datasets', 'mvtec-screw');

/** In CI a missing browser or dataset must fail the run, never skip it (test/helpers.ts). */
export { inCi };

/**
 * The `skip` of a browser test: why it cannot run here (no Chromium, no dataset), outside CI only. In CI this is
 * false, and openStationPage fails with the reason instead.
 */
export function e2eSkip(): string | false {
  const missing = missingPrerequisite();
  return missing && !inCi() ? missing : false;
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

/**
 * Removes a test's folder once its browser and station are closed. Chromium's helper processes can still be writing
 * the profile for a moment after `close()` resolves (a CI run failed with ENOTEMPTY on profile/Default), so the
 * removal is retried briefly, as `rmSync` offers for exactly that.
 */
export function removeTempDir(root: string): void {
  rmSync(root, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
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

export interface OpenOptions {
  /** Window size; default 1600 x 1000. */
  readonly viewport?: { readonly width: number; readonly height: number };
  /** Sizes of the image folders prepared from the shared screws; default SIZES.test. */
  readonly sizes?: FolderSizes;
  /** Default timeout of page actions and waits, ms. Default 20 s. */
  readonly timeout?: number;
  /** Runs before the station starts, on its (empty) data dir: seed models, settings, accounts. */
  readonly prepare?: (s: { readonly root: string; readonly dataDir: string; readonly folders: Folders }) => Promise<void>;
  /** Logs in as this account once the page is connected. */
  readonly login?: { readonly name: string; readonly secret: string };
}

/** A real station (engine + host on a temp data dir) and a Chromium page connected to it. */
export interface StationPage {
  readonly root: string;
  readonly dataDir: string;
  readonly folders: Folders;
  /** Where screenshots go unless STATION_SCREENSHOTS names a folder. */
  readonly shots: string;
  readonly station: RunningStation;
  readonly browser: Browser;
  readonly page: Page;
  /** Closes browser and station and removes the temp folder; idempotent. */
  close(): Promise<void>;
}

/**
 * The common start of a browser test: temp folder `tag`, image folders, the renderer built, the station started
 * (after `prepare`), Chromium open at `viewport` on the station's page, connected (and logged in). A missing
 * browser or dataset throws (the test's `skip` is e2eSkip(), so this only runs where it must not be missing).
 */
export async function openStationPage(tag: string, opts: OpenOptions = {}): Promise<StationPage> {
  const missing = missingPrerequisite();
  if (missing) throw new Error(`${missing}; CI=true: the browser end-to-end test must run, not skip`);
  const root = tempDir(tag);
  const dataDir = join(root, 'data');
  let station: RunningStation | null = null;
  let browser: Browser | null = null;
  let closed: Promise<void> | null = null;
  const close = () =>
    (closed ??= (async () => {
      await browser?.close().catch(() => undefined);
      await station?.close().catch(() => undefined);
      removeTempDir(root);
    })());
  try {
    const folders = prepareFolders(root, opts.sizes ?? SIZES.test);
    await opts.prepare?.({ root, dataDir, folders });
    const staticDir = await buildRenderer(join(root, 'renderer-dist'));
    station = await startStation({ dataDir, staticDir });
    browser = await launchBrowser(join(root, 'profile'));
    const page = browser.page;
    page.setDefaultTimeout(opts.timeout ?? 20_000);
    if (opts.viewport) await page.setViewportSize(opts.viewport);
    await page.goto(station.openUrl);
    await page.getByTestId('link-state').getByText('connected').waitFor();
    if (opts.login) await login(page, opts.login.name, opts.login.secret);
    return { root, dataDir, folders, shots: join(root, 'shots'), station, browser, page, close };
  } catch (e) {
    await close();
    throw e;
  }
}

/** Logs in (logging out whoever is logged in first) and waits until the page knows the account. */
export async function login(p: Page, name: string, secret: string): Promise<void> {
  if (await p.getByTestId('logout').isVisible()) await p.getByTestId('logout').click();
  await p.getByTestId('login-form').waitFor();
  await p.getByTestId('login-name').fill(name);
  await p.getByTestId('login-secret').fill(secret);
  await p.getByTestId('login-submit').click();
  await p.waitForFunction((n) => document.querySelector('[data-testid=account]')?.getAttribute('data-actor') === n, name);
}

export interface ReplayCounts {
  readonly ok: number;
  readonly ng: number;
  /** A folder replay delivers every part: none skipped, unreadable ones counted as ERROR. */
  readonly errors: number;
}

/**
 * Replays `folder` once on Live (folder source, not looping) and waits until the source has ended and `total` parts
 * are accounted for (OK + NG + ERROR); returns the counters of that run.
 */
export async function replayFolder(p: Page, folder: string, total: number, opts: { fps?: number; timeout?: number } = {}): Promise<ReplayCounts> {
  await p.getByTestId('tab-live').click();
  await p.getByTestId('source-folder').click();
  await p.getByTestId('source-path').fill(folder);
  await p.getByTestId('source-fps').fill(String(opts.fps ?? 3));
  const before = Number(await p.getByTestId('live-view').getAttribute('data-runs'));
  await p.getByTestId('start').click();
  // This run's start reply first, so the counters and 'ended' of the previous run do not count.
  await p.waitForFunction((n) => Number(document.querySelector('[data-testid=live-view]')?.getAttribute('data-runs')) > n, before);
  await p.waitForFunction(
    // No helper functions inside page callbacks: tsx's keepNames would reference a missing `__name`.
    (n) =>
      /ended/.test(document.querySelector('[data-testid=source-state]')?.textContent ?? '') &&
      ['count-ok', 'count-ng', 'count-error'].reduce((sum, id) => sum + Number(document.querySelector(`[data-testid=${id}]`)?.textContent ?? 0), 0) >= n,
    total,
    { timeout: opts.timeout ?? 90_000 },
  );
  const num = async (id: string) => Number(await p.getByTestId(id).textContent());
  return { ok: await num('count-ok'), ng: await num('count-ng'), errors: await num('count-error') };
}

/** Starts the hot-folder source on Live watching `dir` (created if missing) and waits until it runs. */
export async function startHotFolder(p: Page, dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  await p.getByTestId('tab-live').click();
  await p.getByTestId('source-hotfolder').click();
  await p.getByTestId('source-path').fill(dir);
  await p.getByTestId('start').click();
  await p.waitForFunction(() => /running/.test(document.querySelector('[data-testid=source-state]')?.textContent ?? ''));
}

/** Audit rows on the Audit screen as "actor action", newest first, filtered by an action prefix. */
export async function auditRows(p: Page, action = ''): Promise<string[]> {
  await p.getByTestId('tab-audit').click();
  await p.getByTestId('audit-action').fill(action);
  const loads = Number(await p.getByTestId('audit-table').getAttribute('data-loads'));
  await p.getByTestId('audit-refresh').click();
  // The refresh's reply is applied (the table counts loads and names the filter of the last one).
  await p.waitForFunction(
    ([n, a]) => {
      const t = document.querySelector('[data-testid=audit-table]');
      return Number(t?.getAttribute('data-loads')) > Number(n) && t?.getAttribute('data-action-filter') === a;
    },
    [loads, action.trim()] as const,
  );
  return p.$$eval('[data-testid=audit-row]', (rows) => rows.map((r) => `${r.getAttribute('data-actor')} ${r.getAttribute('data-action')}`));
}
