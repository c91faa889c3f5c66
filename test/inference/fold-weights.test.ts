/**
 * The converted backbones keep uint8 weights behind DequantizeLinear; feature sessions fold them into float weights
 * at creation (SessionTuning.foldQuantizedWeights), which lets onnxruntime use its blocked-layout convolutions
 * (features 17.0 -> 10.1 ms per screw; `npm run bench`). Folding must change nothing but float rounding.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { createSession } from '../../main/inference/execution-provider.js';
import { loadBackboneGraph, readBackboneManifest, toInputTensor } from '../../main/inference/backbone/loader.js';
import { decodeModel, encodeModel } from '../../main/inference/onnx/proto.js';
import { register } from '../../main/inference/registration.js';
import { DEFAULT_PATCHCORE_CONFIG } from '../../main/inference/patchcore/config.js';
import { decodeImage } from '../../main/node/image-io.js';
import { SCREW } from '../helpers.js';

function countOps(file: string, op: string): number {
  return decodeModel(readFileSync(file)).graph!.node!.filter((n) => n.opType === op).length;
}

test('feature sessions fold the backbone\'s quantized weights: no DequantizeLinear left, same features to float rounding', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'station-fold-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const files = await readBackboneManifest('mobilenet_v2_imagenet');
  const bytes = encodeModel(await loadBackboneGraph(files, ['feat_s8']));
  const folded = await createSession(bytes, 'cpu', { foldQuantizedWeights: true, optimizedModelFilePath: join(dir, 'folded.onnx') });
  const kept = await createSession(bytes, 'cpu', { optimizedModelFilePath: join(dir, 'kept.onnx') });
  try {
    assert.ok(countOps(join(dir, 'kept.onnx'), 'DequantizeLinear') > 0, 'without folding onnxruntime keeps the DequantizeLinear nodes');
    assert.equal(countOps(join(dir, 'folded.onnx'), 'DequantizeLinear'), 0, 'folded: float weights only');

    const cfg = DEFAULT_PATCHCORE_CONFIG.registration;
    const canvas = register(await decodeImage(join(SCREW, 'test', 'thread_side', '000.png'), { channels: 1 }), cfg).image;
    const input = new ort.Tensor('float32', toInputTensor(canvas, files.manifest.input), [1, 3, canvas.height, canvas.width]);
    const a = (await folded.session.run({ [files.manifest.input.name]: input })).feat_s8!.data as Float32Array;
    const b = (await kept.session.run({ [files.manifest.input.name]: input })).feat_s8!.data as Float32Array;
    assert.equal(a.length, 192 * (canvas.height / 8) * (canvas.width / 8));
    let maxDiff = 0, maxAbs = 0;
    for (let i = 0; i < a.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(a[i]! - b[i]!));
      maxAbs = Math.max(maxAbs, Math.abs(b[i]!));
    }
    assert.ok(maxAbs > 1, `features are not trivial (max ${maxAbs})`);
    assert.ok(maxDiff <= 1e-4, `folded features differ by ${maxDiff}`);
  } finally {
    await folded.session.release();
    await kept.session.release();
  }
});
