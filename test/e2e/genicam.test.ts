/**
 * The Live screen's Camera source in a real browser against the real station and Aravis's GigE Vision simulator:
 * discovery lists the camera, the feature browser reads a feature, a refused value shows the camera's limit, a
 * written value comes back, and an enumeration is offered as its list. Skipped (with the reason) where Chromium or
 * Aravis is missing; in CI a missing component fails.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { genicamAvailability } from '../../main/camera/genicam/native.js';
import { simulatorInstalled, startSimulator, type Simulator } from '../../main/camera/genicam/simulator.js';
import { buildRenderer, inCi, launchBrowser, missingPrerequisite, removeTempDir, screenshot, tempDir, type Browser } from './harness.js';
import { startStation, type RunningStation } from './station-process.js';

const a = genicamAvailability();
const missing = missingPrerequisite() ?? (!a.available ? a.reason : !simulatorInstalled() ? 'arv-fake-gv-camera-0.8 is not installed' : null);

let root = '';
let sim: Simulator | null = null;
let station: RunningStation | null = null;
let browser: Browser | null = null;

before(async () => {
  if (missing) return;
  root = tempDir('genicam');
  const staticDir = await buildRenderer(join(root, 'renderer'));
  sim = await startSimulator();
  station = await startStation({ dataDir: join(root, 'data'), staticDir });
  browser = await launchBrowser(join(root, 'profile'));
});

after(async () => {
  await browser?.close();
  await station?.close();
  await sim?.stop();
  if (root) removeTempDir(root);
});

test('Live → Camera: find the simulator, browse its features, a refused value shows the camera’s limit', { skip: missing && !inCi() ? missing : false }, async () => {
  assert.equal(missing, null, missing ?? '');
  const p = browser!.page;
  await p.goto(station!.openUrl);
  await p.getByTestId('link-state').getByText('connected').waitFor();
  await p.getByTestId('tab-live').click();
  await p.getByTestId('source-genicam').click();
  await p.getByTestId('genicam-discover').click();
  const select = p.getByTestId('genicam-camera');
  await p.waitForFunction(() => document.querySelector('[data-testid="genicam-camera"]')?.textContent?.includes('Aravis-Fake-GV01'), undefined, { timeout: 30_000 });
  assert.equal(await select.inputValue(), sim!.id);
  await p.getByTestId('genicam-browse').click();
  await p.getByTestId('genicam-feature-filter').fill('Width');
  await p.getByTestId('genicam-feature-filter').press('Enter');
  await p.getByTestId('genicam-feature').getByText('range 1 … 2048').waitFor({ timeout: 30_000 });
  await p.getByTestId('genicam-feature-value').fill('5000');
  await p.getByTestId('genicam-feature-write').click();
  await p.getByTestId('genicam-feature-error').getByText('[Width] 5000 is above the maximum 2048').waitFor({ timeout: 30_000 });
  await p.getByTestId('genicam-feature-value').fill('640');
  await p.getByTestId('genicam-feature-write').click();
  await p.waitForFunction(() => (document.querySelector('[data-testid="genicam-feature-value"]') as HTMLInputElement | null)?.value === '640', undefined, { timeout: 30_000 });
  assert.equal(await p.getByTestId('genicam-feature-error').count(), 0);
  // An enumeration is offered as its list.
  await p.getByTestId('genicam-feature-filter').fill('PixelFormat');
  await p.getByTestId('genicam-feature-filter').press('Enter');
  await p.waitForFunction(() => document.querySelectorAll('select[data-testid="genicam-feature-value"] option').length >= 5, undefined, { timeout: 30_000 });
  const options = await p.locator('select[data-testid="genicam-feature-value"] option').allTextContents();
  assert.ok(options.includes('Mono8') && options.includes('BayerRG8') && options.includes('RGB8'), options.join(','));
  await screenshot(p, 'genicam-features', join(root, 'shots'));
  assert.deepEqual(browser!.errors.filter((e) => !/favicon/.test(e)), []);
});
