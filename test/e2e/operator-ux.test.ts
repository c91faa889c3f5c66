/**
 * The operator's rough edges, in a real browser against the real station (issue 10 item 5/6): Train and Evaluate
 * reachable at 1366 x 768 without scrolling, a training job shown on Live while there is no model (Start
 * disabled, no stale error), human metric labels, the folder browser (path entry, recent folders, opens at the
 * last folder), a hot folder's unreadable image as an ERROR row with its reason in the Log, a second tab showing
 * the running hot folder and its last part (not the demo), one banner for a lost folder that goes when the folder
 * is back, Annotate's shortcuts not typing into the folder field after a box is drawn, 44 px touch targets,
 * German throughout a screen and remembered. Screenshots of the main screens at 1920 x 1080 and 1366 x 768
 * (STATION_SCREENSHOTS=docs/screenshots writes them for the docs).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { copyImages, e2eSkip, openStationPage, screenshot, SCREW, startHotFolder, type StationPage } from './harness.js';

const skip = e2eSkip();
const T = { train: 240_000, live: 90_000, ui: 20_000 };
const SMALL = { width: 1366, height: 768 };
const LARGE = { width: 1920, height: 1080 };

let st: StationPage;
let page: Page;

before(async () => {
  if (skip) return;
  st = await openStationPage('ux', { viewport: SMALL, timeout: T.ui });
  page = st.page;
});

after(async () => {
  await st?.close();
});

const shotDir = () => st.shots;

/** Screenshots of the current screen at both sizes (back at 1366 x 768 after). */
async function shots(p: Page, name: string): Promise<void> {
  await p.setViewportSize(LARGE);
  await p.waitForTimeout(300); // layout settles (canvas fit, ResizeObserver)
  await screenshot(p, `${name}-1920x1080`, shotDir());
  await p.setViewportSize(SMALL);
  await p.waitForTimeout(300);
  await screenshot(p, `${name}-1366x768`, shotDir());
}

/** The element is on screen without scrolling: inside the viewport, and the screen is scrolled to the top. */
async function visibleWithoutScrolling(p: Page, testId: string): Promise<void> {
  await p.evaluate(() => document.querySelectorAll('main.screen, .live-side').forEach((el) => el.scrollTo(0, 0)));
  const box = await p.getByTestId(testId).boundingBox();
  const vp = p.viewportSize()!;
  assert.ok(box, `${testId} is rendered`);
  assert.ok(box.y >= 0 && box.y + box.height <= vp.height && box.x + box.width <= vp.width, `${testId} at ${JSON.stringify(box)} inside ${vp.width} x ${vp.height}`);
}

/** Visible controls smaller than 44 px in either direction (a checkbox counts with its label). */
async function smallTargets(p: Page): Promise<string[]> {
  return p.evaluate(() => {
    const out: string[] = [];
    for (const el of Array.from(document.querySelectorAll('button, select, input, a.btn, [role=tab]'))) {
      const target = (el as HTMLInputElement).type === 'checkbox' ? (el.closest('label') ?? el) : el;
      const r = target.getBoundingClientRect();
      if (r.width === 0 || r.height === 0 || (el as HTMLElement).closest('dialog:not([open])')) continue;
      if (r.height < 44 || r.width < 44) out.push(`${el.tagName.toLowerCase()}[${(el as HTMLElement).dataset.testid ?? (el.textContent ?? '').trim().slice(0, 20)}] ${Math.round(r.width)}x${Math.round(r.height)}`);
    }
    return out;
  });
}

test('operator rough edges: layout, first model, folders, hot folder errors, second tab, banners, keys, touch, German', { skip, timeout: 600_000 }, async (t) => {
  await t.test('Training at 1366 x 768: Train and Evaluate without scrolling; folder browser with path entry and recent folders', async () => {
    await page.getByTestId('tab-training').click();
    await page.getByTestId('train-folder').fill(st.folders.train);
    await page.getByTestId('train-validation').fill(st.folders.validation);
    await page.getByTestId('eval-folder').fill(st.folders.validation);
    await page.getByTestId('train-name').fill('UX screws');
    await page.getByTestId('train-name').click(); // leaves the folder fields (they remember the folder on blur)
    await visibleWithoutScrolling(page, 'train-start');
    await visibleWithoutScrolling(page, 'eval-start');

    // The browser opens at the field's folder, lists the recent folders, and takes a typed path.
    await page.getByTestId('eval-folder-browse').click();
    const path = page.getByTestId('folder-browser-path');
    await page.waitForFunction((v) => (document.querySelector('[data-testid=folder-browser-path]') as HTMLInputElement | null)?.value === v, st.folders.validation);
    await page.getByTestId('folder-recent').getByText(st.folders.train).waitFor();
    await path.fill(join(st.folders.validation, 'good'));
    await page.getByTestId('folder-browser-go').click();
    await page.getByTestId('folder-browser-count').getByText(/6 images here/).waitFor();
    await page.getByTestId('folder-browser-use').click();
    assert.equal(await page.getByTestId('eval-folder').inputValue(), join(st.folders.validation, 'good'));
    // An empty field's browser opens at the last folder used.
    await page.getByTestId('train-annotated').waitFor({ state: 'detached' }).catch(() => undefined);
    await page.getByTestId('eval-folder').fill('');
    await page.getByTestId('eval-folder-browse').click();
    await page.waitForFunction((v) => (document.querySelector('[data-testid=folder-browser-path]') as HTMLInputElement | null)?.value === v, join(st.folders.validation, 'good'));
    await page.keyboard.press('Escape');
    await page.getByTestId('folder-browser').waitFor({ state: 'detached' });
    await page.getByTestId('eval-folder').fill(st.folders.validation);
  });

  await t.test('while the first model trains, Live shows the job and Start waits; no stale error afterwards', async () => {
    await page.getByTestId('train-start').click();
    await page.getByTestId('tab-live').click();
    await page.getByTestId('first-model-job').waitFor();
    assert.ok(await page.getByTestId('start').isDisabled(), 'Start waits for the model');
    assert.match((await page.getByTestId('source-model').textContent()) ?? '', /being trained/);
    await page.getByTestId('first-model-job').waitFor({ state: 'detached', timeout: T.train });
    await page.waitForFunction(() => document.querySelector('[data-testid=active-model]')?.textContent === 'UX screws');
    assert.equal(await page.locator('.banner.error').count(), 0, `no error banner: ${await page.locator('.banner').allTextContents()}`);
  });

  await t.test('evaluation labels are words, not keys', async () => {
    await page.getByTestId('tab-training').click();
    await page.getByTestId('eval-start').click();
    await page.getByTestId('grid-heat').first().waitFor({ timeout: T.live });
    const labels = await page.getByTestId('metric-label').allTextContents();
    assert.ok(labels.length >= 3, `metrics: ${labels}`);
    for (const l of labels) assert.doesNotMatch(l, /\.|bestF1/, `a human label: ${l}`);
    assert.ok(labels.includes('Image AUROC'), `${labels}`);
    await shots(page, 'training');
  });

  const hot = () => join(st.root, 'hot');
  await t.test('hot folder: an unreadable image is an ERROR row with its reason in the Log', async () => {
    await startHotFolder(page, hot());
    writeFileSync(join(hot(), 'broken.png'), 'this is not a PNG');
    copyFileSync(join(st.folders.live, 'b_defect_000.png'), join(hot(), 'part-1.png'));
    await page.waitForFunction(
      () => Number(document.querySelector('[data-testid=count-error]')?.textContent) === 1 && Number(document.querySelector('[data-testid=count-ok]')?.textContent) + Number(document.querySelector('[data-testid=count-ng]')?.textContent) === 1,
      undefined,
      { timeout: T.live },
    );
    await page.getByTestId('frame-name').getByText('part-1.png').waitFor();
    await shots(page, 'live');
    await page.getByTestId('tab-log').click();
    const row = page.locator('[data-testid=log-row][data-verdict=ERROR]');
    await row.waitFor();
    assert.equal(await row.getAttribute('data-name'), 'broken.png');
    assert.match((await row.getByTestId('row-error').textContent()) ?? '', /broken\.png|decode|corrupt|unsupported|image/i);
    await shots(page, 'log');
  });

  await t.test('a second tab shows the running hot folder and its last part, and offers no switch to the demo', async () => {
    const second = await st.browser.context.newPage();
    try {
      await second.setViewportSize(SMALL);
      // This browser last chose the demo: the running source must win over that memory.
      await second.addInitScript(() => localStorage.setItem('station.ui.live.kind', '"demo"'));
      await second.goto(st.station.openUrl);
      await second.getByTestId('tab-live').click();
      await second.getByTestId('frame-name').getByText('part-1.png').waitFor();
      await second.waitForFunction(() => document.querySelector('[data-testid=source-hotfolder]')?.getAttribute('aria-checked') === 'true');
      assert.equal(await second.getByTestId('source-demo').getAttribute('aria-checked'), 'false');
      assert.equal(await second.getByTestId('source-path').inputValue(), hot());
      assert.equal(await second.getByTestId('start').getAttribute('data-switch'), 'false');
      assert.match((await second.getByTestId('start').textContent()) ?? '', /Restart/);
      assert.doesNotMatch((await second.getByTestId('start').textContent()) ?? '', /demo/i);
    } finally {
      await second.close();
    }
  });

  await t.test('a lost hot folder is one banner that updates, and it goes when the folder is back', async () => {
    await page.getByTestId('tab-live').click();
    rmSync(hot(), { recursive: true, force: true });
    const banner = page.locator('[data-testid=notice][data-key=source]');
    await banner.waitFor({ timeout: T.live });
    // Several retries later (the source's own counter), still one banner for it.
    await page.waitForFunction(() => /retry [3-9]/.test(document.querySelector('[data-testid=source-state]')?.textContent ?? ''), undefined, { timeout: T.live });
    assert.equal(await banner.count(), 1, `banners: ${await page.locator('.banner').allTextContents()}`);
    assert.equal(await page.getByTestId('notice').filter({ hasText: 'lost' }).count(), 1, `banners: ${await page.locator('.banner').allTextContents()}`);
    await visibleWithoutScrolling(page, 'tab-live');
    mkdirSync(hot(), { recursive: true });
    await banner.waitFor({ state: 'detached', timeout: T.live });
    await page.waitForFunction(() => /running/.test(document.querySelector('[data-testid=source-state]')?.textContent ?? ''));
    await page.getByTestId('stop').click();
    // Nothing runs: Start is on screen at 1366 x 768 without scrolling.
    await page.getByTestId('source-panel').and(page.locator('.idle')).waitFor();
    await visibleWithoutScrolling(page, 'start');
  });

  await t.test('Annotate: after drawing a box, → and G act on the images, not in the folder field', async () => {
    const cat = join(st.root, 'annotate');
    copyImages(join(SCREW, 'test', 'scratch_neck'), cat, 3);
    await page.getByTestId('tab-annotate').click();
    await page.getByTestId('annotate-folder').fill(cat);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=annotate-item]').length === 3);
    await page.waitForFunction(() => document.querySelector('[data-testid=save-state]')?.getAttribute('data-state') === 'saved');
    // The folder field still has the focus (the operator just typed the path); then a box is drawn.
    await page.getByTestId('annotate-folder').focus();
    const r = (await page.getByTestId('annotate-canvas').boundingBox())!;
    await page.mouse.move(r.x + r.width * 0.3, r.y + r.height * 0.3);
    await page.mouse.down();
    await page.mouse.move(r.x + r.width * 0.5, r.y + r.height * 0.5, { steps: 8 });
    await page.mouse.up();
    await page.waitForFunction(() => document.querySelector('[data-testid=annotate-canvas]')?.getAttribute('data-boxes') === '1');
    await page.waitForFunction(() => document.querySelector('[data-testid=save-state]')?.getAttribute('data-state') === 'saved');
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=annotate-item]')[1]?.getAttribute('aria-current') === 'true');
    await page.waitForFunction(() => document.querySelector('[data-testid=save-state]')?.getAttribute('data-state') === 'saved');
    await page.keyboard.press('g');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=annotate-item]')[1]?.getAttribute('data-state') === 'good');
    assert.equal(await page.getByTestId('annotate-folder').inputValue(), cat, 'the folder field was not typed into');
    assert.equal(await page.getByTestId('annotate-item').count(), 3, 'the list stays');
    assert.equal(await page.getByTestId('annotate-item').first().getAttribute('data-state'), 'defect');
    await page.keyboard.press('ArrowLeft');
    await page.waitForFunction(() => document.querySelector('[data-testid=annotate-canvas]')?.getAttribute('data-boxes') === '1');
    await shots(page, 'annotate');
  });

  await t.test('touch targets are at least 44 px on every screen; threshold and integration screenshots', async () => {
    const small: string[] = [];
    for (const screen of ['live', 'threshold', 'annotate', 'training', 'log', 'integration']) {
      await page.getByTestId(`tab-${screen}`).click();
      await page.locator(`main[data-screen=${screen}]`).waitFor();
      await page.waitForTimeout(500);
      if (screen === 'threshold' || screen === 'integration') await shots(page, screen);
      small.push(...(await smallTargets(page)).map((s) => `${screen}: ${s}`));
    }
    assert.deepEqual(small, []);
  });

  await t.test('German: the Training screen in German, remembered after a reload', async () => {
    await page.getByTestId('tab-training').click();
    await page.getByTestId('language').selectOption('de');
    await page.getByTestId('train-start').getByText('Modell trainieren').waitFor();
    await page.getByTestId('tab-log').getByText('Protokoll').waitFor();
    await page.reload();
    await page.getByTestId('link-state').getByText('verbunden').waitFor();
    await page.getByTestId('train-start').getByText('Modell trainieren').waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'de');
    await shots(page, 'training-de');
    await page.getByTestId('language').selectOption('en');
    await page.getByTestId('train-start').getByText('Train model').waitFor();
    assert.deepEqual(st.browser.errors, []);
  });
});
