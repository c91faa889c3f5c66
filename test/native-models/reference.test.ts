/**
 * The converter's ONNX for the nsfwjs models against the reference conversions in
 * ../shared/models/reference, output by output, on real screw images: max |diff| must stay within 1e-4.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { sharedDir } from '../../main/node/paths.js';
import { decodeModel } from '../../main/inference/onnx/proto.js';
import { convertLayersModel } from '../../native-models/converter/convert.js';
import { NSFWJS_BACKBONES } from '../../native-models/converter/nsfwjs.js';
import { readTfjsLayersModel, type TfjsLayersModel } from '../../native-models/converter/tfjs-source.js';
import { buildBackbone, findNsfwjs } from '../../native-models/converter/build.js';
import { maxAbs, maxAbsDiff, screwTensor } from './helpers.js';

const TOL = 1e-4;
const nsfwjsDir = findNsfwjs();
const nsfwjsVersion = (JSON.parse(readFileSync(join(nsfwjsDir, 'package.json'), 'utf8')) as { version: string }).version;
const models = new Map<string, TfjsLayersModel>();
const references = new Map<string, ort.InferenceSession>();

function spec(id: string) {
  return NSFWJS_BACKBONES.find((s) => s.id === id)!;
}

function tfjsModel(id: string): TfjsLayersModel {
  if (!models.has(id)) models.set(id, readTfjsLayersModel(join(nsfwjsDir, 'dist', 'models', spec(id).bundle)));
  return models.get(id)!;
}

async function reference(id: string): Promise<ort.InferenceSession> {
  if (!references.has(id)) references.set(id, await ort.InferenceSession.create(sharedDir('models', 'reference', `${id}_qweights.onnx`)));
  return references.get(id)!;
}

/** Runs both models on `x`, compares `names`; returns max |diff| per name. */
async function compare(mine: ort.InferenceSession, ref: ort.InferenceSession, x: ort.Tensor, names: readonly string[]): Promise<Record<string, number>> {
  const a = await mine.run({ input: x }, [...names]);
  const b = await ref.run({ input: x }, [...names]);
  const diffs: Record<string, number> = {};
  for (const n of names) {
    assert.ok(maxAbs(b[n]!) > 0.01, `${n}: reference output is all ~0, the comparison would prove nothing`);
    diffs[n] = maxAbsDiff(a[n]!, b[n]!);
  }
  return diffs;
}

function assertWithin(diffs: Record<string, number>, what: string): void {
  for (const [n, d] of Object.entries(diffs)) assert.ok(d <= TOL, `${what}: ${n} differs from the reference by ${d}`);
}

test('MobileNetV2: full conversion equals the reference on every output (224 px, two screw images)', async (t) => {
  const t0 = performance.now();
  const conv = convertLayersModel(tfjsModel('nsfwjs_mobilenet_v2'), { outputs: spec('nsfwjs_mobilenet_v2').referenceOutputs });
  t.diagnostic(`conversion ${(performance.now() - t0).toFixed(0)} ms, ${conv.onnx.byteLength} bytes`);
  const ref = await reference('nsfwjs_mobilenet_v2');
  assert.deepEqual([...conv.outputs.map((o) => o.name)].sort(), [...ref.outputNames].sort(), 'same output names as the reference');
  const mine = await ort.InferenceSession.create(conv.onnx);
  for (const img of ['train/good/000.png', 'test/scratch_neck/000.png']) {
    const diffs = await compare(mine, ref, await screwTensor(img, 224, 224), ref.outputNames);
    t.diagnostic(`${img}: max |diff| ${Math.max(...Object.values(diffs)).toExponential(2)}`);
    assertWithin(diffs, img);
  }
  await mine.release();
});

test('MobileNetV2: the shipped feature-only graph matches the reference at an odd, non-square size', async (t) => {
  const { onnx, manifest } = buildBackbone(spec('nsfwjs_mobilenet_v2'), nsfwjsDir, nsfwjsVersion);
  const ops = new Set(decodeModel(onnx).graph!.node!.map((n) => n.opType));
  assert.ok(!ops.has('Gemm') && !ops.has('Softmax') && !ops.has('AveragePool'), 'classifier head cut off');
  const ref = await reference('nsfwjs_mobilenet_v2');
  const mine = await ort.InferenceSession.create(onnx);
  const [w, h] = [201, 168];
  const x = await screwTensor('test/scratch_neck/000.png', w, h);
  const shared = manifest.features.map((f) => f.name).filter((n) => ref.outputNames.includes(n));
  assert.equal(shared.length, 6);
  const diffs = await compare(mine, ref, x, shared);
  t.diagnostic(`max |diff| ${Math.max(...Object.values(diffs)).toExponential(2)}`);
  assertWithin(diffs, `${w}x${h}`);
  // Channels and stride in the manifest describe the maps: size / stride at multiples of 32.
  const out = await mine.run({ input: await screwTensor('test/scratch_neck/000.png', 224, 160) });
  for (const f of manifest.features) {
    assert.deepEqual(out[f.name]!.dims, [1, f.channels, 160 / f.stride, 224 / f.stride], f.name);
  }
  await mine.release();
});

test('InceptionV3: full conversion equals the reference on every output (299 px)', async (t) => {
  const t0 = performance.now();
  const conv = convertLayersModel(tfjsModel('nsfwjs_inception_v3'), { outputs: spec('nsfwjs_inception_v3').referenceOutputs });
  t.diagnostic(`conversion ${(performance.now() - t0).toFixed(0)} ms, ${conv.onnx.byteLength} bytes`);
  const ref = await reference('nsfwjs_inception_v3');
  assert.deepEqual([...conv.outputs.map((o) => o.name)].sort(), [...ref.outputNames].sort(), 'same output names as the reference');
  const mine = await ort.InferenceSession.create(conv.onnx);
  const diffs = await compare(mine, ref, await screwTensor('test/good/000.png', 299, 299), ref.outputNames);
  t.diagnostic(`max |diff| ${Math.max(...Object.values(diffs)).toExponential(2)}`);
  assertWithin(diffs, '299 px');
  await mine.release();
});

test('InceptionV3: the shipped feature-only graph matches the reference; map sizes follow the manifest formula', async (t) => {
  const { onnx, manifest } = buildBackbone(spec('nsfwjs_inception_v3'), nsfwjsDir, nsfwjsVersion);
  const ref = await reference('nsfwjs_inception_v3');
  const mine = await ort.InferenceSession.create(onnx);
  const [w, h] = [176, 161];
  const x = await screwTensor('train/good/001.png', w, h);
  const names = manifest.features.map((f) => f.name);
  const diffs = await compare(mine, ref, x, names);
  t.diagnostic(`max |diff| ${Math.max(...Object.values(diffs)).toExponential(2)}`);
  assertWithin(diffs, `${w}x${h}`);
  const out = await mine.run({ input: x });
  for (const f of manifest.features) {
    const size = (s: number) => (f.stride === 8 ? Math.floor((s - 19) / 8) : Math.floor((s - 27) / 16));
    assert.deepEqual(out[f.name]!.dims, [1, f.channels, size(h), size(w)], f.name);
  }
  await mine.release();
  for (const r of references.values()) await r.release();
});
