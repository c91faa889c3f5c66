/**
 * The evaluation job on real screw images: besides scores and metrics it renders a few good and defect images
 * (spread over defect types) like live frames, frame + heatmap PNG under the media root, on the fixed scale
 * relative to the threshold in force, and gives every score its server path.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import sharp from 'sharp';
import { openStore } from '../../main/store/store.js';
import type { StationStore } from '../../main/store/interface.js';
import { ModelRegistry } from '../../main/services/model-registry.js';
import { runEvaluation, runTraining, pickPreviews } from '../../main/services/training.js';
import { MediaStore } from '../../main/pipeline/media-store.js';
import { EvaluateRequestSchema, TrainRequestSchema } from '../../main/common/api.js';
import { HEATMAP_LUT } from '../../main/pipeline/heatmap.js';
import { screwImages } from '../helpers.js';
import type { JobContext } from '../../main/services/jobs.js';

let root: string;
let store: StationStore;
let reg: ModelRegistry;
let media: MediaStore;
const ctx: JobContext = { signal: new AbortController().signal, progress: () => {} };
const DEFECTS = ['scratch_neck', 'thread_top', 'manipulated_front'];

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'eval-previews-'));
  const link = async (src: string, dir: string) => {
    await mkdir(dir, { recursive: true });
    await symlink(src, join(dir, basename(src)));
  };
  for (const f of screwImages('train').slice(0, 6)) await link(f, join(root, 'good-images'));
  for (const f of screwImages('test', 'good').slice(0, 3)) await link(f, join(root, 'labelled', 'good'));
  for (const d of DEFECTS) for (const f of screwImages('test', d).slice(0, 2)) await link(f, join(root, 'labelled', d));
  store = openStore(join(root, 'station.db'));
  reg = new ModelRegistry(store, join(root, 'models'));
  media = new MediaStore(join(root, 'media'));
  // A small model: few images, small canvas, small bank.
  await runTraining(
    reg,
    TrainRequestSchema.parse({ goodFolder: join(root, 'good-images'), config: { registration: { width: 320, height: 128 }, coreset: { ratio: 0.1 } } }),
    ctx,
  );
});

after(async () => {
  await reg?.dispose();
  store?.close();
  await rm(root, { recursive: true, force: true });
});

test('evaluation previews: good row and defect row with frame + heatmap media on the fixed scale', { timeout: 60_000 }, async () => {
  const req = EvaluateRequestSchema.parse({ folder: join(root, 'labelled'), previewsPerClass: 2 });
  const r = await runEvaluation(reg, req, ctx, media);
  assert.equal(r.images, 9);
  assert.ok(r.scores.every((s) => s.path && s.path.endsWith(s.name.split('/').pop()!)), 'every score carries its server path');
  const previews = r.previews ?? [];
  const good = previews.filter((p) => p.label === 0);
  const bad = previews.filter((p) => p.label === 1);
  assert.equal(good.length, 2);
  assert.equal(bad.length, 2);
  assert.equal(new Set(bad.map((p) => p.defectType)).size, 2, 'defects come from different defect types');
  const threshold = reg.thresholdOf(reg.get(r.modelId));
  for (const p of previews) {
    assert.equal(p.threshold, threshold);
    assert.deepEqual([p.width, p.height], [1024, 1024]);
    // Same image, same bank: the preview's score is the scored pass's score.
    const scored = r.scores.find((s) => s.name === p.name)!;
    assert.ok(Math.abs(scored.score - p.score) <= 1e-4 * Math.max(1, scored.score), `${p.name}: ${scored.score} vs ${p.score}`);
    const frame = await sharp(media.pathOf(p.frame)).metadata();
    assert.equal(frame.format, 'jpeg');
    assert.ok(p.heatmap, `${p.name} has a heatmap`);
    const { data, info } = await sharp(media.pathOf(p.heatmap)).raw().toBuffer({ resolveWithObject: true });
    assert.equal(info.channels, 4);
    // Every heatmap pixel is an entry of the station's fixed LUT (no per-image normalisation).
    const lut = new Set<number>();
    const lutView = new DataView(HEATMAP_LUT.buffer, HEATMAP_LUT.byteOffset, HEATMAP_LUT.byteLength);
    for (let q = 0; q < 256; q++) lut.add(lutView.getUint32(q * 4, true));
    for (let i = 0; i < data.length; i += 4 * 97) assert.ok(lut.has(data.readUInt32LE(i)), `${p.name}: pixel ${i / 4} is off the fixed scale`);
  }
  // The defect row is hotter than the good row on this scale (max alpha = how far above the threshold).
  const hottest = async (ref: string) => {
    const { data } = await sharp(media.pathOf(ref)).raw().toBuffer({ resolveWithObject: true });
    let a = 0;
    for (let i = 3; i < data.length; i += 4) a = Math.max(a, data[i]);
    return a;
  };
  const goodHeat = Math.max(...(await Promise.all(good.map((p) => hottest(p.heatmap!)))));
  const badHeat = Math.max(...(await Promise.all(bad.map((p) => hottest(p.heatmap!)))));
  assert.ok(badHeat > goodHeat, `defect heat ${badHeat} > good heat ${goodHeat}`);
  // Boxes only where the map crosses the threshold: an NG preview has one, an OK one has none.
  for (const p of previews) assert.equal(p.boxes.length > 0, p.score >= threshold, `${p.name}: score ${p.score}, boxes ${p.boxes.length}`);

  // A second and third evaluation keep only the newest few preview sets per model.
  await runEvaluation(reg, EvaluateRequestSchema.parse({ folder: join(root, 'labelled'), previewsPerClass: 1 }), ctx, media);
  const none = await runEvaluation(reg, EvaluateRequestSchema.parse({ folder: join(root, 'labelled'), previewsPerClass: 0 }), ctx, media);
  assert.equal(none.previews, undefined);
  await stat(media.pathOf(previews[0].frame)); // still there (newest 3 kept)
});

test('pickPreviews: good spread over the list, defects round-robin over types', () => {
  const s = (name: string, label: 0 | 1, defectType?: string) => ({ name, score: 0, label, ...(defectType ? { defectType } : {}) });
  const scores = [...Array.from({ length: 10 }, (_, i) => s(`good/${i}`, 0)), s('a/0', 1, 'a'), s('a/1', 1, 'a'), s('a/2', 1, 'a'), s('b/0', 1, 'b'), s('c/0', 1, 'c')];
  const p = pickPreviews(scores, 4);
  assert.deepEqual(p.filter((x) => x.label === 0).map((x) => x.name), ['good/0', 'good/3', 'good/6', 'good/9']);
  assert.deepEqual(p.filter((x) => x.label === 1).map((x) => x.name), ['a/0', 'b/0', 'c/0', 'a/1']);
  assert.deepEqual(pickPreviews(scores, 0), []);
});
