/**
 * The packaged app in a real Electron, driven by Playwright's `_electron.launch`: the window opens on the app
 * scheme, the preload bridge is there, the engine answers (the active model appears once first-run training is
 * done) and a live frame is shown. It needs the Electron binary (a plain `npm install` downloads it); where the
 * binary is absent (ELECTRON_SKIP_BINARY_DOWNLOAD=1, as on the build machines here and in CI) it is reported as
 * skipped with the reason: the only test allowed to be skipped in CI, because no binary can be had there.
 * better-sqlite3 for Electron is built into .electron-native/ (needs Electron's headers or the prebuilt).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../main/node/paths.js';

function electronBinary(): { path: string } | { why: string } {
  try {
    const p = createRequire(join(repoRoot, 'package.json'))('electron') as unknown;
    if (typeof p === 'string' && existsSync(p)) return { path: p };
    return { why: `the electron package points to ${String(p)}, which does not exist` };
  } catch (e) {
    return { why: `the Electron binary is not installed (${(e as Error).message.split('\n')[0]})` };
  }
}

const bin = electronBinary();
const skip = 'why' in bin ? `NOT RUN: ${bin.why}; the packaged app was not started in a real Electron` : false;
if (skip) console.log(`# electron smoke test ${skip}`);

test('packaged app in a real Electron (Playwright _electron.launch)', { skip, timeout: 900_000 }, async () => {
  if (!('path' in bin)) return;
  const { _electron } = await import('playwright-core');
  const { buildApp } = await import('../../scripts/packaging/build.js');
  const { distFor } = await import('../../scripts/packaging/dist.js');
  const work = mkdtempSync(join(tmpdir(), 'station-electron-'));
  try {
    const buildDir = join(work, 'build');
    await buildApp(repoRoot, buildDir);
    // The real Electron distribution that `npm install` unpacked next to the binary; better-sqlite3 for its ABI.
    const dist = await distFor({
      platform: process.platform as 'linux' | 'win32',
      arch: process.arch as 'x64' | 'arm64',
      dirOnly: true,
      electronDist: join(repoRoot, 'node_modules', 'electron', 'dist'),
      outDir: join(work, 'release'),
      buildDir,
    });
    assert.deepEqual(dist.problems, []);
    const appDir = join(dist.resources, '..');
    const exe = join(appDir, process.platform === 'win32' ? 'Inspection Station.exe' : 'inspection-station');
    if (process.platform !== 'win32') chmodSync(exe, 0o755);
    const app = await _electron.launch({
      executablePath: exe,
      args: process.platform === 'linux' ? ['--no-sandbox'] : [],
      env: { ...process.env, STATION_DATA_DIR: join(work, 'data') } as Record<string, string>,
      timeout: 120_000,
    });
    try {
      const page = await app.firstWindow();
      assert.match(page.url(), /^station-app:\/\/app\/index\.html/);
      assert.equal(await page.evaluate(() => typeof (window as unknown as { stationBridge?: unknown }).stationBridge), 'object');
      assert.equal(await page.evaluate(() => typeof (window as unknown as { require?: unknown }).require), 'undefined');
      // First run: the demo model trains, then the demo source goes live and frames arrive over the media scheme.
      await page.getByTestId('active-model').filter({ hasNotText: 'none' }).waitFor({ timeout: 600_000 });
      await page.locator('img[src^="station-media://"]').first().waitFor({ timeout: 120_000 });
    } finally {
      await app.close();
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
