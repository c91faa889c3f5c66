import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, mkdir, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sharedDir } from '../../main/node/paths.js';
import { HotFolderSource } from '../../main/camera/hot-folder-source.js';
import { FolderSource } from '../../main/camera/folder-source.js';
import { renderDemoPart } from '../../main/camera/demo-parts.js';
import { createVideoSource, globToRegExp } from '../../main/camera/video-source.js';
import { JpegStreamSplitter } from '../../main/camera/ffmpeg.js';
import { PauseGate, type SourceFrame, type SourceStatusUpdate } from '../../main/camera/source.js';

const screw = (n: string) => sharedDir('datasets', 'mvtec-screw', 'train', 'good', n);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('hot folder: a file written slowly is emitted once, only after it is complete, and decodes', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'station-hot-'));
  await copyFile(screw('000.png'), join(dir, 'existing.png')); // present before start: ignored
  const src = new HotFolderSource({ path: dir, settleMs: 150, pollMs: 40 });
  const frames: SourceFrame[] = [];
  src.start((f) => void frames.push(f));
  try {
    await sleep(120);
    const bytes = await readFile(screw('001.png'));
    const fh = await open(join(dir, 'part-001.png'), 'w');
    const chunk = Math.ceil(bytes.length / 5);
    for (let i = 0; i < 5; i++) {
      await fh.write(bytes.subarray(i * chunk, (i + 1) * chunk));
      await sleep(80); // slower than one poll, shorter than settleMs
      assert.equal(frames.length, 0, `emitted while still being written (chunk ${i})`);
    }
    await fh.close();
    // a temp name renamed into place also counts once
    await copyFile(screw('002.png'), join(dir, 'part-002.png.tmp'));
    await sleep(250);
    assert.deepEqual(frames.map((f) => f.name), ['part-001.png']);
    await rename(join(dir, 'part-002.png.tmp'), join(dir, 'part-002.png'));
    await sleep(400);
    assert.deepEqual(frames.map((f) => f.name), ['part-001.png', 'part-002.png']);
    const img = await frames[0].read();
    assert.equal(img.width, 1024);
    assert.equal(img.channels, 3);
  } finally {
    await src.stop();
    await rm(dir, { recursive: true, force: true });
  }
});

test('hot folder: a deleted folder is reported as lost, retried with backoff, and resumes when it returns', async () => {
  const base = await mkdtemp(join(tmpdir(), 'station-hot-lost-'));
  const dir = join(base, 'cam');
  await mkdir(dir);
  const src = new HotFolderSource({ path: dir, settleMs: 50, pollMs: 30, retryBaseMs: 40, retryMaxMs: 200 });
  const statuses: SourceStatusUpdate[] = [];
  const frames: SourceFrame[] = [];
  src.onStatus((s) => statuses.push(s));
  src.start((f) => void frames.push(f));
  try {
    await sleep(80);
    await rm(dir, { recursive: true });
    await sleep(300);
    const lost = statuses.filter((s) => s.state === 'lost');
    assert.ok(lost.length >= 2, 'retried more than once');
    assert.ok(lost[1].retry!.inMs > lost[0].retry!.inMs, 'backoff grows');
    assert.match(lost[0].message ?? '', /gone|not found|ENOENT/i);
    await mkdir(dir);
    await sleep(450);
    assert.equal(statuses.at(-1)?.state, 'running');
    await copyFile(screw('003.png'), join(dir, 'after.png'));
    await sleep(300);
    assert.deepEqual(frames.map((f) => f.name), ['after.png']);
  } finally {
    await src.stop();
    await rm(base, { recursive: true, force: true });
  }
});

test('folder source: replays in name order, ends without loop, reports a missing folder as lost', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'station-folder-'));
  for (const n of ['010.png', '002.png', '001.png']) await copyFile(screw(n === '010.png' ? '010.png' : n), join(dir, n));
  await writeFile(join(dir, 'notes.txt'), 'x');
  const src = new FolderSource({ path: dir, fps: 50, loop: false });
  const names: string[] = [];
  const states: string[] = [];
  src.onStatus((s) => states.push(s.state));
  src.start((f) => void names.push(f.name!));
  await sleep(200);
  assert.deepEqual(names, ['001.png', '002.png', '010.png']);
  assert.equal(states.at(-1), 'ended');
  await src.stop();

  const missing = new FolderSource({ path: join(dir, 'nope'), fps: 50, loop: false, retryBaseMs: 30 });
  const st: SourceStatusUpdate[] = [];
  missing.onStatus((s) => st.push(s));
  missing.start(() => {});
  await sleep(150);
  await missing.stop();
  assert.ok(st.some((s) => s.state === 'lost' && /not found/.test(s.message ?? '')));
  await rm(dir, { recursive: true, force: true });
});

test('demo parts: deterministic, dark part on bright background, defects change pixels', async () => {
  const a = await renderDemoPart(7, 3, { defect: null });
  const b = await renderDemoPart(7, 3, { defect: null });
  assert.deepEqual(a.image.data, b.image.data);
  assert.equal(a.image.width, 384);
  let dark = 0;
  let bright = 0;
  for (let i = 0; i < a.image.data.length; i += 3) {
    if (a.image.data[i] < 90) dark++;
    else if (a.image.data[i] > 170) bright++;
  }
  const n = a.image.data.length / 3;
  assert.ok(dark / n > 0.03 && dark / n < 0.3, `part covers ${((dark / n) * 100).toFixed(1)}%`);
  assert.ok(bright / n > 0.6);
  const s = await renderDemoPart(7, 3, { defect: 'scratch' });
  assert.equal(s.defect, 'scratch');
  let diff = 0;
  for (let i = 0; i < s.image.data.length; i += 3) if (Math.abs(s.image.data[i] - a.image.data[i]) > 60) diff++;
  assert.ok(diff > 30, `scratch changed ${diff} pixels`);
});

test('video source: globs and JPEG stream splitting; a video file without ffmpeg is a clear error', async () => {
  assert.ok(globToRegExp('frame_*.png').test('frame_001.png'));
  assert.ok(!globToRegExp('frame_*.png').test('frame_001.jpg'));
  const sp = new JpegStreamSplitter();
  const j1 = Buffer.from([0xff, 0xd8, 1, 2, 0xff, 0xd9]);
  const j2 = Buffer.from([0xff, 0xd8, 3, 0xff, 0x00, 0xff, 0xd9]);
  const all = Buffer.concat([j1, j2]);
  const out = [...sp.push(all.subarray(0, 4)), ...sp.push(all.subarray(4, 9)), ...sp.push(all.subarray(9))];
  assert.deepEqual(out, [j1, j2]);
  const prev = process.env.STATION_FFMPEG;
  process.env.STATION_FFMPEG = '/nonexistent/ffmpeg-for-test';
  try {
    // findFfmpeg caches; only assert the error when it really is missing here
    const { findFfmpeg } = await import('../../main/camera/ffmpeg.js');
    if (!findFfmpeg()) await assert.rejects(createVideoSource({ path: '/tmp/x.mp4', fps: 2, loop: false }), /needs ffmpeg/);
  } finally {
    if (prev === undefined) delete process.env.STATION_FFMPEG;
    else process.env.STATION_FFMPEG = prev;
  }
});

test('pause gate: while paused only the newest pushed frame is held; step releases it once', () => {
  const states: string[] = [];
  const got: string[] = [];
  const gate = new PauseGate((u) => states.push(u.state));
  const frame = (name: string) => ({ source: 's', name, capturedAt: 0, read: async () => { throw new Error('unused'); } });
  const emit = (f: SourceFrame): void => void got.push(f.name ?? '');
  assert.equal(gate.offer(frame('a'), emit), true);
  gate.pause();
  assert.equal(gate.offer(frame('b'), emit), false);
  gate.offer(frame('c'), emit);
  gate.step(emit);
  gate.step(emit);
  gate.resume();
  gate.offer(frame('d'), emit);
  assert.deepEqual(got, ['a', 'c', 'd']);
  assert.deepEqual(states, ['paused', 'running']);
});
