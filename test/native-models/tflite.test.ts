/**
 * The TFLite -> ONNX converter against the reference conversion in ../shared/models/mobilenet_v2_imagenet,
 * output by output, on real screw images (max |diff| <= 1e-4); the install-time build of the shipped .tflite.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { nativeModelsDir, repoRoot, sharedDir } from '../../main/node/paths.js';
import { decodeModel } from '../../main/inference/onnx/proto.js';
import { BackboneManifestSchema } from '../../main/inference/backbone/manifest.js';
import { readTflite } from '../../native-models/converter/tflite-schema.js';
import { convertTflite, UnsupportedTfliteOpError } from '../../native-models/converter/tflite-convert.js';
import { buildTfliteBackbone, readSpecFile, tfliteSpec } from '../../native-models/converter/tflite.js';
import { maxAbs, maxAbsDiff, screwTensor } from './helpers.js';

const TOL = 1e-4;
const ID = 'mobilenet_v2_imagenet';
const spec = tfliteSpec(ID);
const tflite = readSpecFile(spec, nativeModelsDir());
const REFERENCE = sharedDir('models', ID, 'mobilenet_v2_1.0_224_quant_qweights.onnx');

async function compare(mine: ort.InferenceSession, ref: ort.InferenceSession, x: ort.Tensor, names: readonly string[]): Promise<Record<string, number>> {
  const a = await mine.run({ image: x }, [...names]);
  const b = await ref.run({ image: x }, [...names]);
  const diffs: Record<string, number> = {};
  for (const n of names) {
    assert.ok(maxAbs(b[n]!) > 0.01, `${n}: reference output is all ~0, the comparison would prove nothing`);
    diffs[n] = maxAbsDiff(a[n]!, b[n]!);
    assert.ok(diffs[n]! <= TOL, `${n} differs from the reference by ${diffs[n]}`);
  }
  return diffs;
}

test('TFLite MobileNetV2: full conversion equals the reference on every output (224 px and 201 x 168)', async (t) => {
  const t0 = performance.now();
  const conv = convertTflite(readTflite(tflite), { outputs: spec.referenceOutputs });
  t.diagnostic(`conversion ${(performance.now() - t0).toFixed(0)} ms, ${conv.onnx.byteLength} bytes, ${conv.operatorsConverted} operators`);
  const ref = await ort.InferenceSession.create(REFERENCE);
  const mine = await ort.InferenceSession.create(conv.onnx);
  try {
    assert.deepEqual(conv.outputs.map((o) => o.name).sort(), [...ref.outputNames].sort(), 'same output names as the reference');
    for (const [img, w, h] of [['train/good/000.png', 224, 224], ['test/scratch_neck/000.png', 224, 224], ['test/scratch_neck/000.png', 201, 168]] as const) {
      const diffs = await compare(mine, ref, await screwTensor(img, w, h), ref.outputNames);
      t.diagnostic(`${img} ${w}x${h}: max |diff| ${Math.max(...Object.values(diffs)).toExponential(2)} over ${Object.keys(diffs).length} outputs`);
    }
    // Channels and strides come from the file's static shapes.
    const byName = new Map(conv.outputs.map((o) => [o.name, o]));
    assert.deepEqual([byName.get('feat_s8')!.channels, byName.get('feat_s8')!.stride], [192, 8]);
    assert.deepEqual([byName.get('blk_s32')!.channels, byName.get('blk_s32')!.stride], [320, 32]);
    // Weights stay uint8 behind DequantizeLinear, as in the reference.
    const nodes = decodeModel(conv.onnx).graph!.node!;
    assert.equal(nodes.filter((n) => n.opType === 'DequantizeLinear').length, nodes.filter((n) => n.opType === 'Conv').length);
  } finally {
    await mine.release();
    await ref.release();
  }
});

test('TFLite MobileNetV2: the shipped feature-only graph has no head, matches the reference and its manifest', async (t) => {
  const { onnx, manifest } = buildTfliteBackbone(spec, tflite, `${ID}.onnx`, 1);
  const ops = new Set(decodeModel(onnx).graph!.node!.map((n) => n.opType));
  assert.ok(!ops.has('Softmax') && !ops.has('GlobalAveragePool'), 'classifier head cut off');
  const ref = await ort.InferenceSession.create(REFERENCE);
  const mine = await ort.InferenceSession.create(onnx);
  try {
    const diffs = await compare(mine, ref, await screwTensor('train/good/001.png', 256, 128), manifest.features.map((f) => f.name));
    t.diagnostic(`max |diff| ${Math.max(...Object.values(diffs)).toExponential(2)}`);
    const out = await mine.run({ image: await screwTensor('test/scratch_neck/000.png', 224, 160) });
    for (const f of manifest.features) assert.deepEqual(out[f.name]!.dims, [1, f.channels, 160 / f.stride, 224 / f.stride], f.name);
  } finally {
    await mine.release();
    await ref.release();
  }
});

test('postinstall builds the TFLite backbone; the committed manifest is what the build produces', () => {
  const out = mkdtempSync(join(tmpdir(), 'native-models-'));
  try {
    const r = spawnSync(process.execPath, ['scripts/postinstall.mjs', '--only', ID, '--out', out], { cwd: repoRoot, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`built ${ID} from ${spec.file}`));
    const manifest = BackboneManifestSchema.parse(JSON.parse(readFileSync(join(out, ID, 'manifest.json'), 'utf8')));
    assert.equal(createHash('sha256').update(readFileSync(join(out, ID, `${ID}.onnx`))).digest('hex'), manifest.sha256);
    const again = spawnSync(process.execPath, ['scripts/postinstall.mjs', '--only', ID, '--out', out], { cwd: repoRoot, encoding: 'utf8' });
    assert.match(again.stdout, new RegExp(`${ID} up to date`));
    assert.deepEqual(JSON.parse(readFileSync(nativeModelsDir(ID, 'manifest.json'), 'utf8')), JSON.parse(readFileSync(join(out, ID, 'manifest.json'), 'utf8')));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('TFLite reader and converter reject what they cannot handle with specific messages', () => {
  assert.throws(() => readTflite(new TextEncoder().encode('not a flatbuffer at all')), /not a TensorFlow Lite model/);
  const model = readTflite(tflite);
  assert.throws(() => convertTflite(model, { outputs: [{ tensor: 'MobilenetV2/no_such/Relu6', as: 'x' }] }), /no TFLite tensor named/);
  // A model whose only operator kind is unknown to the converter names that operator.
  const hacked = { ...model, operators: model.operators.map((op) => (op.index === 0 ? { ...op, opcode: 17 + 1000 } : op)) };
  assert.throws(() => convertTflite(hacked, { outputs: spec.features }), (e: Error) => e instanceof UnsupportedTfliteOpError && /operator 0 \(builtin 1017\)/.test(e.message));
});
