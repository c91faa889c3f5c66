/**
 * The floor in the browser against the real station (engine worker, host, store, media): every part of a folder
 * replay is NG (the model's threshold is set near zero), so the NG latches until the operator acknowledges it and
 * the NG-rate alarm (2 of the last 3) shows; the verdict strip opens a part; the shift counters survive a restart
 * of the station; a tiny image budget makes retention delete the images while every log row stays.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { existsSync, readdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { openStore } from '../../main/store/store.js';
import { ModelRegistry } from '../../main/services/model-registry.js';
import { trainPatchCore, savePatchCore } from '../../main/inference/patchcore/index.js';
import { screwImages } from '../helpers.js';
import { SMALL_CONFIG } from '../line/helpers.js';
import { buildRenderer, inCi, launchBrowser, missingPrerequisite, prepareFolders, removeTempDir, screenshot, SIZES, tempDir, type Browser } from './harness.js';
import { startStation, type RunningStation } from './station-process.js';

const missing = missingPrerequisite();
const skip = missing && !inCi() ? missing : null;

let root = '';
let dataDir = '';
let staticDir = '';
let live = '';
let parts = 0;
let station: RunningStation | null = null;
let browser: Browser | null = null;
let page: Page;

async function open(): Promise<void> {
  station = await startStation({ dataDir, staticDir });
  await page.goto(station.openUrl);
  await page.getByTestId('link-state').getByText('connected').waitFor();
}

before(async () => {
  if (skip) return;
  if (missing) throw new Error(`${missing}; CI=true: the browser end-to-end test must run, not skip`);
  // Retention passes every second here (default 30 s), so the test waits seconds, not minutes.
  process.env.STATION_RETENTION_INTERVAL_MS = '1000';
  process.env.STATION_RETENTION_KICK_MS = '200';
  root = tempDir('floor');
  dataDir = join(root, 'data');
  const folders = prepareFolders(join(root, 'folders'), SIZES.test);
  live = folders.live;
  parts = folders.liveGood + folders.liveDefect;
  // A small model, its threshold near zero: every part is NG.
  const store = openStore(join(dataDir, 'station.db'), { durability: 'normal' });
  const reg = new ModelRegistry(store, join(dataDir, 'models'));
  const { model } = await trainPatchCore({ images: screwImages('train').slice(0, 5), config: SMALL_CONFIG });
  const m = await reg.register(model, (d) => savePatchCore(model, d), { trainImages: 5, activate: true });
  store.setThreshold({ modelId: m.id, value: 1e-6, who: 'e2e', why: 'every part NG' });
  // One shift of 24 h whose start is 12 h away, so the run never crosses a shift change.
  const start = `${String((new Date().getHours() + 12) % 24).padStart(2, '0')}:00`;
  store.setSetting('floor.station', { shifts: [start] });
  store.updateProduct('default', { settings: { floor: { ngLatch: true, ngRate: { n: 2, m: 3 } } } });
  await reg.dispose();
  store.close();
  staticDir = await buildRenderer(join(root, 'renderer-dist'));
  browser = await launchBrowser(join(root, 'profile'));
  page = browser.page;
  page.setDefaultTimeout(30_000);
  await open();
});

after(async () => {
  await browser?.close().catch(() => undefined);
  await station?.close().catch(() => undefined);
  if (root) removeTempDir(root);
});

const attr = (id: string, name: string) => page.getByTestId(id).getAttribute(name);

test('floor: NG latch and acknowledge, NG-rate alarm, verdict strip, counters across a restart, retention keeps rows', { skip: skip ?? false, timeout: 300_000 }, async (t) => {
  await t.test('a folder of NG parts: the NG latches, the NG-rate alarm shows, the strip holds every part', async () => {
    await page.getByTestId('tab-live').click();
    await page.getByTestId('source-folder').click();
    await page.getByTestId('source-path').fill(live);
    await page.getByTestId('start').click();
    await page.waitForFunction((n) => Number(document.querySelector('[data-testid=shift-counts]')?.getAttribute('data-ng')) >= n, parts, { timeout: 120_000 });
    await page.getByTestId('ng-rate-alarm').waitFor();
    await page.getByTestId('ng-latch').waitFor();
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid=strip-part][data-verdict=NG]').length >= n, parts);
    assert.equal(await page.getByTestId('strip-part').count(), parts);
    assert.equal(await attr('shift-counts', 'data-total'), String(parts));
    // The latched NG is the newest part.
    const newest = Number(await attr('ng-latch', 'data-inspection'));
    assert.ok(newest >= parts);
    await screenshot(page, 'floor-live', join(root, 'shots'));
    // The strip opens a part with its frame.
    await page.getByTestId('strip-part').first().click();
    await page.getByTestId('part-dialog').getByRole('img', { name: /frame of part/ }).waitFor();
    await page.getByTestId('part-close').click();
    // The operator acknowledges: the latch clears; the alarm (a rate, not a latch) stays while the rate is high.
    await page.getByTestId('ng-ack').click();
    await page.getByTestId('ng-latch').waitFor({ state: 'detached' });
    assert.equal(await page.getByTestId('ng-rate-alarm').count(), 1);
    // The folder replay has ended; stop it so the restart does not replay it again.
    await page.waitForFunction(() => /ended/.test(document.querySelector('[data-testid=source-state]')?.textContent ?? ''));
    await page.getByTestId('stop').click();
  });

  await t.test('the shift counters, the acknowledgement and the alarm survive a restart of the station', async () => {
    await station!.close();
    await open();
    await page.getByTestId('tab-live').click();
    await page.waitForFunction((n) => Number(document.querySelector('[data-testid=shift-counts]')?.getAttribute('data-total')) === n, parts);
    assert.equal(await attr('shift-counts', 'data-ng'), String(parts));
    await page.getByTestId('ng-rate-alarm').waitFor();
    assert.equal(await page.getByTestId('ng-latch').count(), 0, 'acknowledged before the restart: stays acknowledged');
    assert.equal(await page.getByTestId('strip-part').count(), parts);
  });

  await t.test('a tiny image budget: retention deletes the images, every row stays', async () => {
    await page.getByTestId('floor-settings-toggle').click();
    await page.getByTestId('set-budget').fill('0.01'); // 10 kB: less than one part's images
    await page.getByTestId('floor-settings-save').click();
    await page.getByTestId('floor-settings').waitFor({ state: 'detached' });
    await page.waitForFunction((n) => new RegExp(`${n} pruned`).test(document.querySelector('[data-testid=retention-usage]')?.textContent ?? ''), parts, { timeout: 60_000 });
    // Every row is still in the log, each saying its images were pruned; the files are gone.
    const store = openStore(join(dataDir, 'station.db'), { readonly: true });
    try {
      const rows = store.queryInspections({ limit: 100 }).items;
      assert.equal(rows.length, parts);
      for (const r of rows) {
        assert.equal(r.verdict, 'NG');
        assert.ok(r.mediaPrunedAt, `row ${r.id} notes the pruning`);
        assert.equal(r.framePath, null);
      }
      assert.equal(store.mediaUsage().reduce((a, u) => a + u.files, 0), 0);
      for (const kind of ['frames', 'thumbs', 'heatmaps']) {
        const dir = join(dataDir, 'media', kind);
        const files = existsSync(dir) ? readdirSync(dir, { recursive: true }).filter((f) => /\.(jpg|png)$/.test(String(f))) : [];
        assert.deepEqual(files, [], `no ${kind} left`);
      }
    } finally {
      store.close();
    }
    await page.getByTestId('tab-log').click();
    await page.getByTestId('log-summary').getByText(String(parts), { exact: true }).first().waitFor();
    await page.getByTestId('tab-live').click();
    await page.getByTestId('strip-part').first().click();
    await page.getByTestId('part-pruned').getByText(/deleted by retention/).waitFor();
    await page.getByTestId('part-close').click();
    // Retention ran in its worker thread (the engine says so when it had to fall back to its own thread).
    assert.equal(await page.locator('.banner').getByText(/retention runs in the engine thread/).count(), 0);
  });

  await t.test('the shift report: a printable page with the chart, and a CSV', async () => {
    await page.getByTestId('shift-report').click();
    const href = await page.getByTestId('report-html').getAttribute('href');
    assert.ok(href);
    const report = await page.context().newPage();
    await report.goto(new URL(href!, page.url()).href);
    await report.getByTestId('rate-chart').waitFor();
    assert.match((await report.getByTestId('report-counts').textContent()) ?? '', new RegExp(`${parts}`));
    await report.close();
    const csvHref = await page.getByTestId('report-csv').getAttribute('href');
    const csv = await page.evaluate(async (u) => (await fetch(u)).text(), csvHref!);
    assert.match(csv, new RegExp(`counts,NG,${parts}`));
    // Only the reconnect attempts while the station restarted.
    assert.deepEqual(browser!.errors.filter((e) => !/ERR_CONNECTION_REFUSED/.test(e)), []);
  });
});
