/**
 * The Log screen in the browser on a seeded log (no training needed): counts from the summary, keyset paging
 * (Older / Newer / Oldest / Newest keep their positions), a verdict filter, and a CSV export of the filtered rows.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { openStore } from '../../main/store/store.js';
import { e2eSkip, openStationPage, type StationPage } from './harness.js';

const skip = e2eSkip();
const ROWS = 600;
const NG = ROWS / 6; // every sixth row

let st: StationPage;
let page: Page;

/** A log of ROWS parts seeded into the store before the station starts. */
async function seed({ root, dataDir }: { root: string; dataDir: string }): Promise<void> {
  const store = openStore(join(dataDir, 'station.db'), { durability: 'normal' });
  store.createProduct({ id: 'default', name: 'Default product' });
  store.createModel({ id: 'pc-log', kind: 'patchcore', productId: 'default', name: 'Log model', artifactPath: join(root, 'no-model'), backbone: 'b' });
  store.recordInspections(
    Array.from({ length: ROWS }, (_, i) => ({
      time: new Date(Date.UTC(2026, 5, 1, 8) + i * 60_000).toISOString(),
      sourceId: `cam-${i % 2}`,
      sourceName: `cam-${i % 2}`,
      productId: 'default',
      modelId: 'pc-log',
      score: i % 6 === 0 ? 2 : 0.5,
      threshold: 1,
      verdict: i % 6 === 0 ? ('NG' as const) : ('OK' as const),
      latencyMs: 40,
      executionProvider: 'cpu',
    })),
  );
  store.close();
}

before(async () => {
  if (skip) return;
  st = await openStationPage('log', { prepare: seed });
  page = st.page;
});

after(async () => {
  await st?.close();
});

const pageInfo = () => page.getByTestId('page-info').textContent();
const firstTime = () => page.getByTestId('log-row').first().locator('td').nth(1).textContent();

test('Log screen: summary counts, keyset paging both ways, verdict filter, export', { skip, timeout: 180_000 }, async () => {
  await page.getByTestId('tab-log').click();
  await page.getByTestId('log-summary').getByText(String(ROWS), { exact: true }).waitFor();
  assert.equal(await page.getByTestId('log-row').count(), 25);
  assert.equal(await pageInfo(), `1–25 of ${ROWS}`);
  const newest = await firstTime();

  await page.getByTestId('page-next').click();
  await page.getByTestId('page-info').getByText(`26–50 of ${ROWS}`).waitFor();
  await page.getByTestId('page-next').click();
  await page.getByTestId('page-info').getByText(`51–75 of ${ROWS}`).waitFor();
  await page.getByTestId('page-prev').click();
  await page.getByTestId('page-info').getByText(`26–50 of ${ROWS}`).waitFor();
  await page.getByTestId('page-oldest').click();
  await page
    .getByTestId('page-info')
    .getByText(`${ROWS - 24}–${ROWS} of ${ROWS}`)
    .waitFor();
  assert.ok(await page.getByTestId('page-next').isDisabled(), 'nothing older than the oldest page');
  await page.getByTestId('page-newest').click();
  await page.getByTestId('page-info').getByText(`1–25 of ${ROWS}`).waitFor();
  assert.equal(await firstTime(), newest);

  await page.getByTestId('filter-verdict').selectOption('NG');
  await page.getByTestId('filter-apply').click();
  await page.waitForFunction((n) => document.querySelector('[data-testid=log-table]')?.getAttribute('data-total') === String(n), NG);
  const verdicts = await page.getByTestId('log-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-verdict')));
  assert.deepEqual(new Set(verdicts), new Set(['NG']));
  assert.equal(verdicts.length, 25);

  await page.getByTestId('export-csv').click();
  await page.getByTestId('export-done').waitFor({ timeout: 60_000 });
  const href = await page.getByTestId('export-download').getAttribute('href');
  const res = await page.request.get(href!);
  assert.equal(res.status(), 200);
  const lines = (await res.text()).trim().split(/\r?\n/);
  assert.equal(lines.length, NG + 1, 'header + every NG row');
  assert.deepEqual(st.browser.errors, []);
});
