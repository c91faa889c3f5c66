/**
 * Importing an exported detector (manifest.json + ONNX) as a station model of kind 'detector': copied into the
 * models folder (its ONNX path rewritten to sit beside the manifest), registered, validation-scored, activatable.
 * The detector is a tiny RTMDet-shaped ONNX graph built in code whose output is a known constant.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GraphBuilder, floatTensor, int64Tensor, attr } from '../../main/inference/onnx/graph-builder.js';
import { DataType } from '../../main/inference/onnx/proto.js';
import { createEngine, type Engine } from '../../main/services/engine.js';
import { SCREW } from '../helpers.js';

function rtmdetConstant(): Uint8Array {
  const g = new GraphBuilder('const-rtmdet');
  g.input('input', [1, 3, 'h', 'w']);
  const mean = g.op('ReduceMean', ['input'], { axes: attr.ints([1, 2, 3]), keepdims: attr.int(0) });
  g.initializer(floatTensor('zero', [1], [0]));
  const z = g.op('Mul', [mean, 'zero']);
  g.initializer(floatTensor('dets_c', [1, 1, 5], [8, 8, 24, 24, 0.9]));
  g.op('Add', ['dets_c', z], {}, 'dets');
  g.output('dets', [1, 1, 5]);
  g.initializer(int64Tensor('labels_c', [1, 1], [0]));
  g.op('Identity', ['labels_c'], {}, 'labels');
  g.output('labels', [1, 1], DataType.INT64);
  return g.build();
}

let root: string | undefined;
let engine: Engine | undefined;
after(async () => {
  await engine?.dispose();
  if (root) rmSync(root, { recursive: true, force: true });
});

test('a detector folder is imported as a model of kind detector', async () => {
  root = mkdtempSync(join(tmpdir(), 'station-detector-'));
  const exp = join(root, 'export');
  mkdirSync(join(exp, 'onnx'), { recursive: true });
  mkdirSync(join(exp, 'det'), { recursive: true });
  writeFileSync(join(exp, 'onnx', 'end2end.onnx'), rtmdetConstant());
  writeFileSync(join(exp, 'det', 'manifest.json'), JSON.stringify({ format: 'rtmdet', model: '../onnx/end2end.onnx', inputSize: [64, 64], classes: ['scratch'], defaultThreshold: 0.4 }));
  const val = join(root, 'val');
  for (const [sub, from] of [['good', join(SCREW, 'test', 'good', '000.png')], ['scratch_neck', join(SCREW, 'test', 'scratch_neck', '000.png')]] as const) {
    mkdirSync(join(val, sub), { recursive: true });
    copyFileSync(from, join(val, sub, '000.png'));
  }
  engine = await createEngine({ dataDir: join(root, 'data'), shell: 'browser', bootstrap: false });
  const api = engine.api;

  const m = await api.models.importDetector({ folder: join(exp, 'det'), name: 'RTMDet line 2', validationFolder: val, activate: true });
  assert.deepEqual([m.kind, m.name, m.backbone, m.active, m.defaultThreshold, m.threshold], ['detector', 'RTMDet line 2', 'rtmdet', true, 0.4, 0.4]);
  const dir = join(root, 'data', 'models', m.id);
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  assert.equal(manifest.model, 'end2end.onnx');
  assert.ok(existsSync(join(dir, 'end2end.onnx')));
  const v = await api.thresholds.validationScores({ modelId: m.id });
  assert.deepEqual(v.scores.map((s) => [s.label, Number(s.score.toFixed(4))]).sort(), [[0, 0.9], [1, 0.9]]);
  // activating again loads the copy (not the export folder, which may go away)
  rmSync(exp, { recursive: true, force: true });
  await api.models.activate({ id: m.id });
  assert.equal((await api.models.active())?.id, m.id);

  await assert.rejects(async () => api.models.importDetector({ folder: join(root!, 'nothing-here'), activate: false }), { kind: 'not-found' });
  assert.equal((await api.models.list()).length, 1);
});
