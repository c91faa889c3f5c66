/**
 * `backbone import` on a shared ONNX network: an internal tensor becomes a feature output, the head is cut,
 * the manifest measures channels and stride, and bad requests fail clearly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { sharedDir } from '../../main/node/paths.js';
import { importBackbone } from '../../main/inference/backbone/import.js';
import { pruneToOutputs } from '../../main/inference/onnx/prune.js';
import { BackboneManifestSchema } from '../../main/inference/backbone/manifest.js';
import { decodeModel } from '../../main/inference/onnx/proto.js';
import { StationFault } from '../../main/common/result.js';
import { maxAbs, maxAbsDiff, screwTensor } from './helpers.js';

const MODEL = sharedDir('models', 'mobilenet_v2_imagenet', 'mobilenet_v2_1.0_224_quant_qweights.onnx');
// Internal tensors of that file: the residual sums of blocks 4 and 5 (block 5's is what the `blk_s8` output copies).
const BLOCK4 = 't86_MobilenetV2_expanded_conv_4_add';
const BLOCK5 = 't93_MobilenetV2_expanded_conv_5_add';

test('import exposes internal tensors as feature outputs, cuts the rest and writes a valid manifest', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'backbone-import-'));
  try {
    const manifest = await importBackbone({ file: MODEL, outputs: [BLOCK5, BLOCK4], id: 'mnv2_cut', outDir: dir });
    assert.deepEqual(BackboneManifestSchema.parse(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'))), manifest);
    assert.deepEqual(manifest.features, [
      { name: BLOCK5, channels: 32, stride: 8 },
      { name: BLOCK4, channels: 32, stride: 8 },
    ]);
    assert.equal(manifest.input.name, 'image');
    assert.equal(manifest.input.multipleOf, 8);
    const bytes = readFileSync(join(dir, manifest.model));
    assert.equal(createHash('sha256').update(bytes).digest('hex'), manifest.sha256);
    assert.ok(bytes.byteLength < readFileSync(MODEL).byteLength / 10, 'weights past block 5 dropped');
    const ops = new Set(decodeModel(bytes).graph!.node!.map((n) => n.opType));
    assert.ok(!ops.has('Softmax') && !ops.has('GlobalAveragePool'), 'classifier head dropped');

    // The exposed tensor holds what the original network computes there (its blk_s8 output copies it).
    const x = await screwTensor('test/scratch_neck/000.png', 256, 192);
    const cut = await ort.InferenceSession.create(bytes);
    const full = await ort.InferenceSession.create(MODEL);
    assert.deepEqual([...cut.outputNames], [BLOCK5, BLOCK4]);
    const a = await cut.run({ image: x });
    const b = await full.run({ image: x }, ['blk_s8']);
    assert.deepEqual(a[BLOCK5]!.dims, [1, 32, 24, 32]);
    assert.ok(maxAbs(b['blk_s8']!) > 0.1);
    assert.equal(maxAbsDiff(a[BLOCK5]!, b['blk_s8']!), 0);
    await cut.release();
    await full.release();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('import: unknown tensor names list candidates; a non-ONNX file is a bad-model fault', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'backbone-import-'));
  try {
    await assert.rejects(
      importBackbone({ file: MODEL, outputs: ['expanded_conv_4'], id: 'x', outDir: dir }),
      (e: unknown) => e instanceof StationFault && e.kind === 'invalid-input' && /no tensor named "expanded_conv_4"/.test(e.message) && e.message.includes(BLOCK4),
    );
    const junk = join(dir, 'junk.onnx');
    writeFileSync(junk, 'this is not a model\n'.repeat(10));
    await assert.rejects(importBackbone({ file: junk, outputs: ['a'], id: 'x', outDir: dir }), (e: unknown) => e instanceof StationFault && e.kind === 'bad-model' && /not an ONNX model/.test(e.message));
    await assert.rejects(importBackbone({ file: join(dir, 'missing.onnx'), outputs: ['a'], id: 'x', outDir: dir }), (e: unknown) => e instanceof StationFault && e.kind === 'not-found');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('pruneToOutputs keeps only what the requested outputs need', async () => {
  const original = readFileSync(MODEL);
  const pruned = pruneToOutputs(original, ['feat_s8', 'blk_s8']);
  const m = decodeModel(pruned);
  assert.deepEqual(m.graph!.output!.map((o) => o.name), ['feat_s8', 'blk_s8']);
  assert.ok(m.graph!.node!.length < decodeModel(original).graph!.node!.length / 2);
  const s = await ort.InferenceSession.create(pruned);
  const out = await s.run({ image: await screwTensor('train/good/000.png', 128, 128) });
  assert.deepEqual(out['feat_s8']!.dims, [1, 192, 16, 16]);
  await s.release();
});
