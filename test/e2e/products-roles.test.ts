/**
 * Products and roles in a real browser against the real station (issue 10 items 1 and 2): a product created and
 * one cloned (with a copy of the model), switching between them on the Products screen and on Live, lots, the log
 * showing parts of both products with their lots; then accounts: the first administrator ends open mode, an
 * operator is refused a threshold change by the engine, an engineer makes it, and the audit trail shows who did
 * what (and exports it as CSV).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { buildRenderer, inCi, launchBrowser, missingPrerequisite, prepareFolders, screenshot, SIZES, tempDir, type Browser, type Folders } from './harness.js';
import { startStation, type RunningStation } from './station-process.js';

const missing = missingPrerequisite();
const skip = missing && !inCi() ? missing : null;
const T = { train: 240_000, live: 90_000, ui: 20_000 };

let root = '';
let folders: Folders;
let station: RunningStation | null = null;
let browser: Browser | null = null;
let page: Page;

before(async () => {
  if (skip) return;
  if (missing) throw new Error(`${missing}; CI=true: the browser end-to-end test must run, not skip`);
  root = tempDir('products');
  folders = prepareFolders(root, SIZES.test);
  const staticDir = await buildRenderer(join(root, 'renderer-dist'));
  station = await startStation({ dataDir: join(root, 'data'), staticDir });
  browser = await launchBrowser(join(root, 'profile'));
  page = browser.page;
  page.setDefaultTimeout(T.ui);
  await page.setViewportSize({ width: 1920, height: 1080 });
  await page.goto(station.openUrl);
  await page.getByTestId('link-state').getByText('connected').waitFor();
});

after(async () => {
  await browser?.close().catch(() => undefined);
  await station?.close().catch(() => undefined);
  if (root) rmSync(root, { recursive: true, force: true });
});

const shots = () => join(root, 'shots');

/** Replays the live folder once and waits until every image is accounted for. */
async function inspectLiveFolder(p: Page): Promise<void> {
  const total = folders.liveGood + folders.liveDefect;
  await p.getByTestId('tab-live').click();
  await p.getByTestId('source-folder').click();
  await p.getByTestId('source-path').fill(folders.live);
  await p.getByTestId('source-fps').fill('4');
  const before = Number(await p.getByTestId('live-view').getAttribute('data-runs'));
  await p.getByTestId('start').click();
  await p.waitForFunction((n) => Number(document.querySelector('[data-testid=live-view]')?.getAttribute('data-runs')) > n, before);
  await p.waitForFunction(
    (n) =>
      /ended/.test(document.querySelector('[data-testid=source-state]')?.textContent ?? '') &&
      ['count-ok', 'count-ng', 'count-error'].reduce((sum, id) => sum + Number(document.querySelector(`[data-testid=${id}]`)?.textContent ?? 0), 0) >= n,
    total,
    { timeout: T.live },
  );
}

async function setLot(p: Page, lot: string): Promise<void> {
  await p.getByTestId('tab-live').click();
  await p.getByTestId('lot-input').fill(lot);
  await p.getByTestId('lot-save').click();
  await p.waitForFunction((l) => (document.querySelector('[data-testid=lot-save]') as HTMLButtonElement | null)?.disabled === true && (document.querySelector('[data-testid=lot-input]') as HTMLInputElement).value === l, lot);
}

async function login(p: Page, name: string, secret: string): Promise<void> {
  if (await p.getByTestId('logout').isVisible()) await p.getByTestId('logout').click();
  await p.getByTestId('login-form').waitFor();
  await p.getByTestId('login-name').fill(name);
  await p.getByTestId('login-secret').fill(secret);
  await p.getByTestId('login-submit').click();
  await p.waitForFunction((n) => document.querySelector('[data-testid=account]')?.getAttribute('data-actor') === n, name);
}

/** Audit rows on the Audit screen as "actor action". */
async function auditRows(p: Page, action = ''): Promise<string[]> {
  await p.getByTestId('tab-audit').click();
  await p.getByTestId('audit-action').fill(action);
  await p.getByTestId('audit-refresh').click();
  await p.getByTestId('audit-table').waitFor();
  await p.waitForTimeout(300); // the refreshed page replaces the rows
  return p.$$eval('[data-testid=audit-row]', (rows) => rows.map((r) => `${r.getAttribute('data-actor')} ${r.getAttribute('data-action')}`));
}

test('products and roles end to end', { skip: skip ?? false, timeout: 600_000 }, async (t) => {
  await t.test('a model for the default product (open mode: no login)', async () => {
    assert.equal(await page.getByTestId('account').getAttribute('data-mode'), 'open');
    await page.getByTestId('tab-training').click();
    await page.getByTestId('train-folder').fill(folders.train);
    await page.getByTestId('train-validation').fill(folders.validation);
    await page.getByTestId('train-name').fill('Screw A model');
    await page.getByTestId('train-name').click();
    await page.getByTestId('train-start').click();
    await page.waitForFunction(
      () => /done|failed|cancelled/.test(document.querySelector('[data-testid=job-train]')?.getAttribute('data-state') ?? ''),
      undefined,
      { timeout: T.train },
    );
    assert.equal(await page.locator('[data-testid=job-train]').first().getAttribute('data-state'), 'done');
    await page.getByTestId('active-model').getByText('Screw A model').waitFor();
  });

  await t.test('create, clone and switch products; the log shows parts of both with their lots', async () => {
    await setLot(page, 'LOT-A');
    assert.equal(await page.getByTestId('product-select').inputValue(), 'default');
    await inspectLiveFolder(page);

    await page.getByTestId('tab-products').click();
    await page.getByTestId('product-new-name').fill('Bolt M8');
    await page.getByTestId('product-new-index').fill('3');
    await page.getByTestId('product-create').click();
    await page.getByTestId('product-row-bolt-m8').waitFor();
    await page.getByTestId('product-row-default').click();
    await page.getByTestId('product-clone-name').fill('Screw B');
    await page.getByTestId('product-clone').click();
    const rowB = page.getByTestId('product-row-screw-b');
    await rowB.waitFor();
    assert.match((await rowB.textContent()) ?? '', /Screw A model/, 'the clone has a copy of the active model');
    await page.getByTestId('product-use-screw-b').click();
    await page.waitForFunction(() => document.querySelector('[data-testid=product-row-screw-b]')?.getAttribute('data-current') === 'true');
    await screenshot(page, 'products', shots());

    await page.getByTestId('tab-live').click();
    await page.waitForFunction(() => (document.querySelector('[data-testid=product-select]') as HTMLSelectElement | null)?.value === 'screw-b');
    await setLot(page, 'LOT-B');
    await inspectLiveFolder(page);
    await page.evaluate(() => document.querySelectorAll('main.screen, .live-side').forEach((el) => el.scrollTo(0, 0)));
    await screenshot(page, 'live-product', shots());

    await page.getByTestId('tab-log').click();
    const n = folders.liveGood + folders.liveDefect;
    await page.waitForFunction((want) => document.querySelectorAll('[data-testid=row-product]').length >= want, Math.min(2 * n, 50));
    const cells = await page.$$eval('[data-testid=row-product]', (els) => els.map((e) => `${e.getAttribute('data-product')}/${e.getAttribute('data-lot')}`));
    assert.ok(cells.includes('screw-b/LOT-B'), `rows of Screw B: ${cells.join(' ')}`);
    assert.ok(cells.includes('default/LOT-A'), `rows of the default product: ${cells.join(' ')}`);
    assert.deepEqual([...new Set(cells)].sort(), ['default/LOT-A', 'screw-b/LOT-B']);

    // Back to the default product from the Live switcher.
    await page.getByTestId('tab-live').click();
    await page.getByTestId('product-select').selectOption('default');
    await page.waitForFunction(() => (document.querySelector('[data-testid=lot-input]') as HTMLInputElement | null)?.value === 'LOT-A');

    const rows = await auditRows(page, 'product.');
    for (const a of ['local product.create', 'local product.clone', 'local product.switch']) assert.ok(rows.includes(a), `${a} in ${rows.join(', ')}`);
    assert.ok((await auditRows(page, 'lot.set')).length >= 2);
  });

  await t.test('accounts: operator cannot change a threshold, engineer can; the audit trail shows it', async () => {
    await page.getByTestId('tab-users').click();
    const create = async (name: string, role: string, kind: 'pin' | 'password', secret: string) => {
      await page.getByTestId('user-new-name').fill(name);
      await page.getByTestId('user-new-role').selectOption(role);
      await page.getByTestId('user-new-kind').selectOption(kind);
      await page.getByTestId('user-new-secret').fill(secret);
      await page.getByTestId('user-create').click();
      await page.getByTestId(`user-row-${name}`).waitFor();
    };
    await create('admin', 'administrator', 'password', 'admin-pass-1');
    // The first administrator ends open mode; this screen is logged in as it.
    await page.waitForFunction(() => document.querySelector('[data-testid=account]')?.getAttribute('data-actor') === 'admin');
    assert.equal(await page.getByTestId('account').getAttribute('data-mode'), 'enforced');
    await create('eng', 'engineer', 'pin', '2468');
    await create('olga', 'operator', 'pin', '1357');
    await screenshot(page, 'users', shots());

    // Without kiosk mode, nothing works before a login.
    await page.getByTestId('logout').click();
    await page.getByTestId('login-form').waitFor();
    await login(page, 'olga', '1357');

    await page.getByTestId('tab-live').click();
    // An operator does not switch products (the switcher disables once it knows the role).
    await page.waitForFunction(() => (document.querySelector('[data-testid=product-select]') as HTMLSelectElement | null)?.disabled === true);
    await page.getByTestId('tab-threshold').click();
    await page.getByTestId('threshold-input').fill('0.4321');
    await page.getByTestId('save-threshold').click();
    assert.equal(await page.getByTestId('save-who').inputValue(), 'olga', 'who is the logged-in user');
    await page.getByTestId('save-reason').fill('operator tries');
    await page.getByTestId('save-confirm').click();
    await page.getByText(/olga \(operator\) may not change thresholds: it needs the engineer role/).first().waitFor();
    await page.keyboard.press('Escape');

    await login(page, 'eng', '2468');
    await page.getByTestId('tab-threshold').click();
    await page.getByTestId('threshold-input').fill('0.4321');
    await page.getByTestId('save-threshold').click();
    assert.equal(await page.getByTestId('save-who').inputValue(), 'eng');
    await page.getByTestId('save-reason').fill('engineer tunes');
    await page.getByTestId('save-confirm').click();
    await page.getByTestId('save-dialog').waitFor({ state: 'detached' });
    await page.getByTestId('threshold-history').getByText('engineer tunes').waitFor();

    const rows = await auditRows(page, 'threshold.set');
    assert.equal(rows[0], 'eng threshold.set', `newest threshold change by the engineer: ${rows.join(', ')}`);
    assert.ok(!rows.some((r) => r.startsWith('olga')), 'the refused change left no threshold entry');
    const first = page.getByTestId('audit-row').first();
    assert.match((await first.textContent()) ?? '', /0\.4321.*engineer tunes/);
    const all = await auditRows(page, 'auth.');
    assert.ok(all.includes('olga auth.login') && all.includes('eng auth.login'), all.join(', '));
    await page.getByTestId('audit-action').fill('');
    await page.getByTestId('audit-export').click();
    const link = page.getByTestId('audit-download');
    await link.waitFor();
    const href = await link.getAttribute('href');
    const csv = await page.evaluate(async (u) => (await fetch(u!)).text(), href);
    assert.match(csv.split('\r\n')[0]!, /^id,at,actor,action,target,old,new,reason,productId$/);
    assert.match(csv, /eng,threshold\.set,model:[^,]+,[^,]*,0\.4321,engineer tunes/);
    assert.ok(readFileSync(join(station!.dataDir, 'media', 'exports', href!.split('/exports/')[1]!.split('?')[0]!), 'utf8').includes('product.switch'));
    await screenshot(page, 'audit', shots());
  });
});
