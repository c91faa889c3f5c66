/**
 * Products and roles in a real browser against the real station (issue 10 items 1 and 2): a product created and
 * one cloned (with a copy of the model), switching between them on the Products screen and on Live, lots, the log
 * showing parts of both products with their lots; then accounts: the first administrator ends open mode, an
 * operator is refused a threshold change by the engine, an engineer makes it, and the audit trail shows who did
 * what (and exports it as CSV).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { auditRows, e2eSkip, login, openStationPage, replayFolder, screenshot, type StationPage } from './harness.js';

const skip = e2eSkip();
const T = { train: 240_000, live: 90_000, ui: 20_000 };

let st: StationPage;
let page: Page;

before(async () => {
  if (skip) return;
  st = await openStationPage('products', { viewport: { width: 1920, height: 1080 }, timeout: T.ui });
  page = st.page;
});

after(async () => {
  await st?.close();
});

const shots = () => st.shots;

/** Replays the live folder once and waits until every image is accounted for. */
async function inspectLiveFolder(p: Page): Promise<void> {
  await replayFolder(p, st.folders.live, st.folders.liveGood + st.folders.liveDefect, { fps: 4, timeout: T.live });
}

async function setLot(p: Page, lot: string): Promise<void> {
  await p.getByTestId('tab-live').click();
  await p.getByTestId('lot-input').fill(lot);
  await p.getByTestId('lot-save').click();
  await p.waitForFunction((l) => (document.querySelector('[data-testid=lot-save]') as HTMLButtonElement | null)?.disabled === true && (document.querySelector('[data-testid=lot-input]') as HTMLInputElement).value === l, lot);
}

/** Waits until the threshold save dialog names `name` as who (read-only: the logged-in user). */
async function whoIs(p: Page, name: string): Promise<void> {
  await p.waitForFunction((n) => (document.querySelector('[data-testid=save-who]') as HTMLInputElement | null)?.value === n, name);
  assert.equal(await p.getByTestId('save-who').getAttribute('readonly'), '', 'who cannot be typed over');
}

test('products and roles end to end', { skip, timeout: 600_000 }, async (t) => {
  await t.test('a model for the default product (open mode: no login)', async () => {
    assert.equal(await page.getByTestId('account').getAttribute('data-mode'), 'open');
    await page.getByTestId('tab-training').click();
    await page.getByTestId('train-folder').fill(st.folders.train);
    await page.getByTestId('train-validation').fill(st.folders.validation);
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
    const n = st.folders.liveGood + st.folders.liveDefect;
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
    // Who is the logged-in user (the dialog asks the station for the login state when it opens).
    await whoIs(page, 'olga');
    await page.getByTestId('save-reason').fill('operator tries');
    await page.getByTestId('save-confirm').click();
    await page.getByText(/olga \(operator\) may not change thresholds: it needs the engineer role/).first().waitFor();
    await page.keyboard.press('Escape');

    await login(page, 'eng', '2468');
    await page.getByTestId('tab-threshold').click();
    await page.getByTestId('threshold-input').fill('0.4321');
    await page.getByTestId('save-threshold').click();
    await whoIs(page, 'eng');
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
    assert.ok(readFileSync(join(st.dataDir, 'media', 'exports', href!.split('/exports/')[1]!.split('?')[0]!), 'utf8').includes('product.switch'));
    await screenshot(page, 'audit', shots());
  });
});
