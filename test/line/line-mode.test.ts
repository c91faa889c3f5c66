/**
 * Line mode with real components: the live side (LiveService), the SQLite store, a small PatchCore model on the
 * real screw images, real files in real folders. No mocks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { LineResult, LineSignals } from '../../main/common/line-io.js';
import { LINE_ERROR_CODES } from '../../main/common/line-io.js';
import { screwImages } from '../helpers.js';
import { openStation, sleep, until } from './helpers.js';

const images = [...screwImages('test', 'good'), ...screwImages('test', 'scratch_neck')];

test('hot folder fed at 12 files/s for 10 s: 120 parts, 120 rows, none dropped, each file exactly once', { timeout: 300_000 }, async (t) => {
  const st = await openStation();
  t.after(() => st.close());
  const hot = join(st.root, 'hot');
  await mkdir(hot);
  const results: LineResult[] = [];
  st.live.line.onResult((r) => results.push(r));
  await st.live.start({ source: { kind: 'hotfolder', path: hot, settleMs: 200 }, store: false });
  assert.equal(st.live.state().line?.delivery, 'every-part');
  await sleep(500);
  // 12 files per second for 10 s, each copied in place (so some are seen while still being written).
  const t0 = Date.now();
  for (let i = 0; i < 120; i++) {
    const due = t0 + (i * 1000) / 12;
    if (due > Date.now()) await sleep(due - Date.now());
    await copyFile(images[i % images.length]!, join(hot, `part-${String(i).padStart(3, '0')}.png`));
  }
  const fedS = (Date.now() - t0) / 1000;
  assert.ok(await until(() => results.length >= 120, 240_000), `only ${results.length} of 120 parts decided`);
  await sleep(1000); // nothing more may come
  assert.equal(results.length, 120);
  assert.equal(st.store.countInspections(), 120);
  const ids = results.map((r) => r.partId).sort();
  assert.deepEqual(ids, Array.from({ length: 120 }, (_, i) => `part-${String(i).padStart(3, '0')}.png`));
  assert.ok(results.every((r) => r.verdict === 'OK' || r.verdict === 'NG'), 'every part decided');
  assert.deepEqual(results.map((r) => r.sequence), [...results.map((r) => r.sequence)].sort((a, b) => a - b), 'results in order');
  const state = st.live.state();
  assert.equal(state.stats.dropped, 0);
  assert.equal(state.line?.queueDepth, 0);
  assert.equal(st.store.countPendingLineParts(), 0);
  console.log(`fed 120 files in ${fedS.toFixed(1)} s; all decided`);
});

test('a file that cannot be read gets an ERROR row with the reason, and the error reaches onResult', { timeout: 120_000 }, async (t) => {
  const st = await openStation();
  t.after(() => st.close());
  const hot = join(st.root, 'hot');
  await mkdir(hot);
  const results: LineResult[] = [];
  st.live.line.onResult((r) => results.push(r));
  await st.live.start({ source: { kind: 'hotfolder', path: hot, settleMs: 100 }, store: true });
  await sleep(300);
  await writeFile(join(hot, 'broken.png'), 'this is not a PNG');
  await copyFile(images[0]!, join(hot, 'good.png'));
  assert.ok(await until(() => results.length >= 2, 60_000), `${results.length} results`);
  const broken = results.find((r) => r.partId === 'broken.png')!;
  assert.equal(broken.verdict, 'ERROR');
  assert.equal(broken.errorCode, LINE_ERROR_CODES.unreadableImage);
  assert.equal(broken.score, null);
  assert.match(broken.errorMessage ?? '', /broken\.png|decode|corrupt|unsupported/i);
  const row = st.store.getInspection(broken.sequence)!;
  assert.equal(row.verdict, 'ERROR');
  assert.equal(row.errorMessage, broken.errorMessage);
  assert.equal(st.store.countInspections({ verdict: 'ERROR' }), 1);
  assert.equal(results.find((r) => r.partId === 'good.png')?.errorCode, 0);
  assert.equal(st.live.state().line?.lastError?.partId, 'broken.png');
  assert.equal(st.live.state().stats.errors, 1);
});

test('media folder not writable: every part still has its row (paths empty, reason kept) and an alarm is raised', { timeout: 120_000 }, async (t) => {
  const st = await openStation();
  t.after(async () => {
    await chmod(st.media.root, 0o755).catch(() => {});
    await st.close();
  });
  const src = join(st.root, 'parts');
  await mkdir(src);
  for (const f of images.slice(0, 3)) await copyFile(f, join(src, basename(f)));
  // Read-only for a normal user; and since root ignores modes, `frames` is a file, so no frame can be written.
  await mkdir(st.media.root, { recursive: true });
  await rm(join(st.media.root, 'frames'), { recursive: true, force: true });
  await writeFile(join(st.media.root, 'frames'), 'not a folder');
  await chmod(st.media.root, 0o555);
  const results: LineResult[] = [];
  st.live.line.onResult((r) => results.push(r));
  await st.live.start({ source: { kind: 'folder', path: src, fps: 20, loop: false }, store: true });
  assert.ok(await until(() => results.length >= 3, 60_000), `${results.length} of 3 parts recorded`);
  assert.equal(st.store.countInspections(), 3);
  for (const r of results) {
    assert.ok(r.verdict === 'OK' || r.verdict === 'NG', `${r.partId}: ${r.verdict}`);
    const row = st.store.getInspection(r.sequence)!;
    assert.equal(row.framePath, null);
    assert.equal(row.heatmapPath, null);
    assert.match(row.errorMessage ?? '', /frame not saved/);
  }
  const alarms = st.live.state().line?.alarms ?? [];
  assert.ok(alarms.some((a) => a.code === 'media-not-saved'), JSON.stringify(alarms));
  assert.ok(st.notices.some((n) => /not being saved/.test(n)));
});

test('trigger source and handshake: TriggerReady/Busy/ResultsReady, acknowledge, results in order; busy policy reject', { timeout: 120_000 }, async (t) => {
  const st = await openStation();
  t.after(() => st.close());
  const src = join(st.root, 'parts');
  await mkdir(src);
  for (const f of images.slice(0, 4)) await copyFile(f, join(src, basename(f)));
  const line = st.live.line;
  assert.deepEqual(await line.trigger('test'), { accepted: false, reason: 'not-running', message: 'no line source is running' });
  await st.live.start({ source: { kind: 'trigger', from: 'folder', path: src }, store: true });
  const seen: LineSignals[] = [];
  line.onSignals((s) => seen.push(s));
  assert.equal(line.signals().triggerReady, true);
  await line.setLotName('test', 'LOT-42');
  const replies = [await line.trigger('test', 'A'), await line.trigger('test', 'B'), await line.trigger('test', 'C')];
  assert.deepEqual(replies.map((r) => r.accepted), [true, true, true], 'queued while busy (default policy)');
  assert.equal(line.signals().triggerReady, false);
  assert.ok(await until(() => line.signals().resultsReady, 30_000));
  const got: string[] = [];
  const seqs: number[] = [];
  for (let i = 0; i < 3; i++) {
    assert.ok(await until(() => line.signals().resultsReady, 30_000), `result ${i} presented`);
    const s = line.signals();
    assert.ok(s.resultOk !== s.resultNg && !s.error);
    got.push(s.partId);
    seqs.push(s.sequence);
    line.acknowledge('test');
    assert.equal(line.signals().resultsReady, false);
  }
  assert.deepEqual(got, ['A', 'B', 'C']);
  assert.ok(await until(() => line.signals().triggerReady, 5000), 'TriggerReady back after the last acknowledge');
  assert.ok(seen.some((s) => s.busy) && seen.some((s) => !s.triggerReady));
  const rows = seqs.map((q) => st.store.getInspection(q)!);
  assert.deepEqual(rows.map((r) => [r.partId, r.lotName]), [['A', 'LOT-42'], ['B', 'LOT-42'], ['C', 'LOT-42']]);
  assert.deepEqual(line.resultsSince(seqs[0]!, 10).map((r) => r.partId), ['B', 'C']);
  // Products: index 0 is the active model; others must be configured first.
  assert.equal((await line.selectProduct('test', 3)).ok, false);
  st.store.setLineProduct(3, st.reg.activeId()!, 'M6');
  assert.equal((await line.selectProduct('test', 3)).ok, true);
  assert.equal(line.signals().productIndex, 3);
  // Busy policy reject: a trigger while the result waits for its acknowledgement is answered busy.
  line.busyPolicy = 'reject';
  assert.equal((await line.trigger('test', 'D')).accepted, true);
  const busy = await line.trigger('test', 'E');
  assert.equal(busy.accepted, false);
  assert.equal(busy.accepted === false && busy.reason, 'busy');
  assert.ok(await until(() => line.signals().resultsReady, 30_000));
  assert.equal(st.store.getInspection(line.signals().sequence)?.productIndex, 3);
  line.acknowledge('test');
  assert.equal(st.store.countInspections(), 4, 'a refused trigger makes no row');
});

test('a full queue raises the alarm and the queueFull signal; the source waits and no part is dropped', { timeout: 180_000 }, async (t) => {
  const st = await openStation({ queueCapacity: 3 });
  t.after(() => st.close());
  const hot = join(st.root, 'hot');
  await mkdir(hot);
  const results: LineResult[] = [];
  let sawFull = false;
  let sawAlarm = false;
  st.live.line.onResult((r) => results.push(r));
  st.live.line.onSignals((s) => (sawFull ||= s.queueFull && s.queueDepth === 3));
  st.live.onState((s) => (sawAlarm ||= !!s.line?.alarms.some((a) => a.code === 'queue-full')));
  await st.live.start({ source: { kind: 'hotfolder', path: hot, settleMs: 100 }, store: true });
  await sleep(300);
  for (let i = 0; i < 10; i++) await copyFile(images[i]!, join(hot, `burst-${i}.png`));
  assert.ok(await until(() => results.length >= 10, 120_000), `${results.length} of 10`);
  assert.ok(sawFull, 'queueFull signal raised');
  assert.ok(sawAlarm, 'queue-full alarm shown');
  assert.ok(st.notices.some((n) => /queue full/.test(n)));
  assert.deepEqual(results.map((r) => r.partId).sort(), Array.from({ length: 10 }, (_, i) => `burst-${i}.png`).sort());
  assert.equal(st.store.countInspections(), 10);
  assert.equal(st.live.state().stats.dropped, 0);
  assert.ok(await until(() => !st.live.line.signals().queueFull, 5000), 'the alarm clears once the queue drains');
  assert.deepEqual(st.live.state().line?.alarms, []);
});
