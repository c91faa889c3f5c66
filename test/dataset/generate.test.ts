import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { generateDataset, MANIFEST_FILE } from '../../main/dataset/generate.js';
import type { GenerateManifest } from '../../main/dataset/generate.js';
import { listMvtec } from '../../main/dataset/mvtec.js';
import { decodeImage } from '../../main/node/image-io.js';
import { sharedDir } from '../../main/node/paths.js';
import { StationFault } from '../../main/common/result.js';
import type { Progress } from '../../main/common/types.js';

const screw = (...p: string[]) => sharedDir('datasets', 'mvtec-screw', ...p);
const SIDE = 384; // real screw images, downscaled so the test stays fast
let tmp: string;
let src: string;

/** A small MVTec-layout copy: 2 train, 1 good test, 2 defects with masks, 1 corrupt file, 1 text file. */
before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'gen-ds-'));
  src = join(tmp, 'src');
  const copy = async (from: string, to: string, mask = false) => {
    await mkdir(join(src, to, '..'), { recursive: true });
    await sharp(screw(from)).resize(SIDE, SIDE, { kernel: mask ? 'nearest' : 'lanczos3' }).toColourspace('b-w').png().toFile(join(src, to));
  };
  await copy('train/good/000.png', 'train/good/000.png');
  await copy('train/good/001.png', 'train/good/001.png');
  await copy('test/good/000.png', 'test/good/000.png');
  await copy('test/scratch_head/000.png', 'test/scratch_head/000.png');
  await copy('ground_truth/scratch_head/000_mask.png', 'ground_truth/scratch_head/000_mask.png', true);
  await copy('test/manipulated_front/000.png', 'test/manipulated_front/000.png');
  await copy('ground_truth/manipulated_front/000_mask.png', 'ground_truth/manipulated_front/000_mask.png', true);
  // A truncated PNG: the header decodes, the pixels do not.
  const real = await readFile(join(src, 'test/good/000.png'));
  await writeFile(join(src, 'test/good/001.png'), real.subarray(0, 200));
  await writeFile(join(src, 'train/good/002.png'), Buffer.from('garbage bytes, not a png at all'));
  await writeFile(join(src, 'train/good/readme.txt'), 'ignored');
});

after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const VARIANTS = ['original', 'misalignment', 'brightness', 'background', 'brightness+misalignment'];

async function bytesOf(out: string, m: GenerateManifest): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const img of m.images) {
    files.set(img.output, await readFile(join(out, img.output)));
    if (img.mask) files.set(img.mask, await readFile(join(out, img.mask)));
  }
  return files;
}

async function allFiles(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

test('generates every variant in MVTec layout with a manifest, skipping corrupt images', async () => {
  const out = join(tmp, 'out-a');
  const progress: Progress[] = [];
  const m = await generateDataset({ source: src, out, variants: VARIANTS, seed: 7, onProgress: (p) => progress.push(p) });

  assert.deepEqual(m.variants, ['original', 'misalignment', 'brightness', 'background', 'misalignment+brightness']);
  assert.equal(m.seed, 7);
  assert.equal(m.toolVersion, JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')).version);
  assert.ok(Date.now() - Date.parse(m.createdAt) < 120_000);
  // 2 corrupt files skipped for all variants, with a reason.
  assert.deepEqual(m.skipped.map((s) => [s.source, s.kind, s.variant]), [
    ['train/good/002.png', 'corrupt-image', undefined],
    ['test/good/001.png', 'corrupt-image', undefined],
  ]);
  assert.ok(m.skipped.every((s) => /cannot decode/.test(s.reason)));
  for (const v of m.variants) assert.deepEqual(m.counts[v], { train: 2, test: 3, masks: 2, skipped: 2 });
  assert.equal(m.images.length, 5 * 5);

  // Progress per source image (7 listed: the text file is not one).
  assert.deepEqual(progress.map((p) => p.done), [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.ok(progress.every((p) => p.total === 7));

  // The manifest on disk is the one returned.
  assert.deepEqual(JSON.parse(await readFile(join(out, MANIFEST_FILE), 'utf8')), JSON.parse(JSON.stringify(m)));
  // No temp files left behind.
  assert.deepEqual((await allFiles(out)).filter((f) => f.includes('.tmp-')), []);

  // Each variant folder reads back as an MVTec dataset, masks paired.
  for (const v of m.variants) {
    const l = await listMvtec(join(out, v));
    assert.deepEqual(l.train.map((i) => i.name), ['000.png', '001.png']);
    assert.deepEqual(l.test.map((i) => `${i.defectType}/${i.name}`), ['good/000.png', 'manipulated_front/000.png', 'scratch_head/000.png']);
    assert.deepEqual(l.test.map((i) => !!i.maskPath), [false, true, true]);
  }
  const orig = await decodeImage(join(out, 'original/test/scratch_head/000.png'), { channels: 1 });
  const srcImg = await decodeImage(join(src, 'test/scratch_head/000.png'), { channels: 1 });
  assert.ok(Buffer.from(orig.data).equals(Buffer.from(srcImg.data)), 'original is pixel-identical');
  const bg = await sharp(join(out, 'background/train/good/000.png')).metadata();
  assert.equal(bg.channels, 3); // coloured squares
  assert.equal((await sharp(join(out, 'misalignment/train/good/000.png')).metadata()).channels, 1);

  // Per-image params are recorded.
  const mis = m.images.find((i) => i.variant === 'misalignment+brightness' && i.source === 'test/scratch_head/000.png')!;
  assert.equal(mis.mask, 'misalignment+brightness/ground_truth/scratch_head/000_mask.png');
  assert.ok(mis.params.misalignment && mis.params.brightness && !mis.params.background);
  assert.ok(m.images.filter((i) => i.variant === 'background').every((i) => (i.params.background?.squares.length ?? 0) >= 5));
  const mask = await decodeImage(join(out, mis.mask), { channels: 1 });
  assert.ok(mask.data.some((v) => v === 255) && mask.data.every((v) => v === 0 || v === 255));

  // Determinism: same seed -> identical bytes, in any variant order; another seed -> different outputs.
  const out2 = join(tmp, 'out-b');
  const m2 = await generateDataset({ source: src, out: out2, variants: [...VARIANTS].reverse(), seed: 7 });
  const a = await bytesOf(out, m);
  const b = await bytesOf(out2, m2);
  assert.equal(a.size, b.size);
  for (const [k, v] of a) assert.ok(v.equals(b.get(k)!), `${k} differs between runs`);

  const out3 = join(tmp, 'out-c');
  const m3 = await generateDataset({ source: src, out: out3, variants: VARIANTS, seed: 8, limit: { train: 1, test: 2 } });
  assert.deepEqual(m3.counts.original, { train: 1, test: 2, masks: 1, skipped: 0 });
  const c = await bytesOf(out3, m3);
  assert.equal(c.size, 5 * 3 + 5);
  for (const [k, v] of c) {
    const variant = k.split('/')[0];
    // Only the crop moves a mask; the original copies its source whatever the seed.
    if (variant === 'original' || (k.includes('/ground_truth/') && !variant.includes('misalignment'))) {
      assert.ok(v.equals(a.get(k)!), `${k} must not depend on the seed`);
    } else assert.ok(!v.equals(a.get(k)!), `${k} same for seeds 7 and 8`);
  }
});

test('bad requests fail early with clear faults', async () => {
  const fault = (kind: string, re: RegExp) => (e: unknown) => e instanceof StationFault && e.kind === kind && re.test(e.message);
  await assert.rejects(generateDataset({ source: join(tmp, 'missing'), out: join(tmp, 'x'), variants: ['original'], seed: 1 }), fault('not-found', /dataset folder not found/));
  await assert.rejects(generateDataset({ source: src, out: join(src, 'variants'), variants: ['original'], seed: 1 }), fault('invalid-input', /inside/));
  await assert.rejects(generateDataset({ source: src, out: src, variants: ['original'], seed: 1 }), fault('invalid-input', /inside/));
  await assert.rejects(generateDataset({ source: src, out: join(tmp, 'x'), variants: ['blur'], seed: 1 }), fault('invalid-input', /unknown dataset variant 'blur'/));
  await assert.rejects(generateDataset({ source: src, out: join(tmp, 'x'), variants: ['brightness+background', 'background+brightness'], seed: 1 }), fault('invalid-input', /twice/));
  await assert.rejects(generateDataset({ source: src, out: join(tmp, 'x'), variants: [], seed: 1 }), fault('invalid-input', /no dataset variants/));
  await assert.rejects(generateDataset({ source: src, out: join(tmp, 'x'), variants: ['original'], seed: 1, limit: { train: -1 } }), fault('invalid-input', /limit.train/));
});

test('cancelling stops between images and writes no manifest', async () => {
  const out = join(tmp, 'out-cancel');
  const ac = new AbortController();
  await assert.rejects(
    generateDataset({ source: src, out, variants: ['original', 'brightness'], seed: 1, signal: ac.signal, onProgress: (p) => p.done === 2 && ac.abort() }),
    (e: unknown) => e instanceof StationFault && e.kind === 'cancelled',
  );
  const files = (await allFiles(out)).map((f) => f.slice(out.length + 1)).sort();
  // Only the first two source images (the corrupt train/good/002 is the third) were written, each whole.
  assert.deepEqual(files, ['brightness/train/good/000.png', 'brightness/train/good/001.png', 'original/train/good/000.png', 'original/train/good/001.png']);
});
