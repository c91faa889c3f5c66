/**
 * Item 7: model.json is validated by a schema and a checksum of itself; absurd values get a clear error at load
 * (not "internal: ...toFixed" after inference), and an absurd canvas is refused before training.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPatchCore, resolveConfig, savePatchCore } from '../../main/inference/patchcore/index.js';
import type { PatchCoreModel } from '../../main/inference/patchcore/model.js';
import { readSupervisedArtifact, saveSupervisedModel } from '../../main/inference/supervised/artifact.js';
import type { SupervisedModel } from '../../main/inference/supervised/model.js';
import { SUPERVISED_FORMAT_VERSION } from '../../main/inference/supervised/model.js';
import { documentChecksum } from '../../main/inference/artifact-json.js';

const info = (kind: string, formatVersion: number, defaultThreshold: number) => ({
  id: 'm1',
  kind,
  formatVersion,
  backbone: 'nsfwjs_mobilenet_v2',
  createdAt: '2026-01-01T00:00:00Z',
  trainImages: 3,
  defaultThreshold,
  params: {},
});

function tempDir(t: { after(fn: () => void): void }): string {
  const d = mkdtempSync(join(tmpdir(), 'station-modeljson-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

/** A PatchCore artifact with a small random bank (no training needed to test the file format). */
async function savedPatchCore(dir: string): Promise<string> {
  const config = resolveConfig({ backbone: 'nsfwjs_mobilenet_v2', layers: ['feat_block_6_expand_relu'], projectionDim: 0, positionWindow: 0 });
  const dim = 192;
  const features = new Float32Array(16 * dim).map((_, i) => Math.sin(i));
  const model = { bank: { features, count: 16, dim }, info: info('patchcore', 2, 1.5), config } as unknown as PatchCoreModel;
  const out = join(dir, 'pc');
  await savePatchCore(model, out);
  return out;
}

function edit(path: string, f: (doc: Record<string, any>) => void, keepChecksum = true): void {
  const doc = JSON.parse(readFileSync(path, 'utf8')) as Record<string, any>;
  f(doc);
  if (!keepChecksum) doc.checksum = documentChecksum(doc);
  writeFileSync(path, JSON.stringify(doc, null, 2));
}

test('PatchCore model.json: checksum written; the untouched model loads', async (t) => {
  const dir = await savedPatchCore(tempDir(t));
  const doc = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  assert.match(doc.checksum, /^[0-9a-f]{64}$/);
  assert.equal(doc.formatVersion, 2);
  const m = await loadPatchCore(dir);
  assert.equal(m.info.defaultThreshold, 1.5);
  await m.dispose();
});

test('PatchCore model.json: bad threshold, negative threshold, huge canvas and hand edits are refused with clear errors', async (t) => {
  const root = tempDir(t);
  const cases: [string, (d: Record<string, any>) => void, boolean, RegExp][] = [
    ['threshold "abc"', (d) => (d.info.defaultThreshold = 'abc'), false, /info\.defaultThreshold/],
    ['threshold -5', (d) => (d.info.defaultThreshold = -5), false, /info\.defaultThreshold/],
    ['canvas 2048 x 2048', (d) => ((d.config.registration.width = 2048), (d.config.registration.height = 2048)), false, /at most 1048576 pixels/],
    ['bank file outside the folder', (d) => (d.bank.file = '../../etc/passwd'), false, /bank\.file/],
    ['a plausible hand edit', (d) => (d.info.defaultThreshold = 0.3), true, /checksum mismatch/],
    ['checksum removed', (d) => delete d.checksum, true, /checksum mismatch/],
  ];
  for (const [name, f, keep, why] of cases) {
    const dir = await savedPatchCore(join(root, name.replace(/\W+/g, '-')));
    edit(join(dir, 'model.json'), f, keep);
    await assert.rejects(loadPatchCore(dir), (e: { kind: string; message: string }) => {
      assert.equal(e.kind, 'bad-model', name);
      assert.match(e.message, why, name);
      return true;
    });
  }
  const notJson = await savedPatchCore(join(root, 'notjson'));
  writeFileSync(join(notJson, 'model.json'), 'root:SECRET:0:0');
  await assert.rejects(loadPatchCore(notJson), (e: Error) => /not valid JSON/.test(e.message) && !/SECRET/.test(e.message));
});

test('an absurd registration canvas is refused before training, with a clear error', () => {
  assert.throws(
    () => resolveConfig({ registration: { width: 2048, height: 2048 } }, ['feat_s8']),
    (e: { kind: string; message: string }) => e.kind === 'invalid-input' && /at most 1048576 pixels/.test(e.message),
  );
  assert.equal(resolveConfig({ registration: { width: 1024, height: 1024 } }, ['feat_s8']).registration.width, 1024);
});

test('supervised model.json: schema + checksum', async (t) => {
  const dir = join(tempDir(t), 'sup');
  const dims = 4;
  const classifier = {
    dims,
    hidden: 0,
    b2: 0.1,
    mean: new Float32Array(dims),
    std: new Float32Array(dims).fill(1),
    w1: new Float32Array(dims),
    b1: new Float32Array(1),
    w2: new Float32Array(0),
  };
  const params = { layers: ['x'], inputSize: 224, sigma: 2, boxThreshold: 0.5, label: 'defect', hidden: 0, dims };
  const model = { classifier, info: { ...info('supervised', SUPERVISED_FORMAT_VERSION, 0.5), params } } as unknown as SupervisedModel;
  await saveSupervisedModel(model, dir);
  assert.equal(readSupervisedArtifact(dir).info.defaultThreshold, 0.5);
  edit(join(dir, 'model.json'), (d) => (d.info.defaultThreshold = 0.4));
  assert.throws(() => readSupervisedArtifact(dir), /checksum mismatch/);
  edit(join(dir, 'model.json'), (d) => (d.info.defaultThreshold = 'abc'), false);
  assert.throws(() => readSupervisedArtifact(dir), /info\.defaultThreshold/);
  edit(join(dir, 'model.json'), (d) => (d.info.defaultThreshold = 7), false);
  assert.throws(() => readSupervisedArtifact(dir), /info\.defaultThreshold/);
});
