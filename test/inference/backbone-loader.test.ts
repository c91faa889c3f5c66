import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Backbone, readBackboneManifest } from '../../main/inference/backbone/loader.js';
import { nativeModelsDir } from '../../main/node/paths.js';
import { decodeImage } from '../../main/node/image-io.js';
import { screwImages } from '../helpers.js';

const kindIs = (kind: string, re?: RegExp) => (e: Error & { kind?: string }) => e.kind === kind && (!re || re.test(e.message));

const made: string[] = [];
after(() => Promise.all(made.map((d) => rm(d, { recursive: true, force: true }))));

/** A temp folder removed when the file's tests end. */
async function tempFolder(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'backbone-'));
  made.push(dir);
  return dir;
}

async function copyManifest(edit: (m: Record<string, unknown>) => void): Promise<string> {
  const dir = await tempFolder();
  const m = JSON.parse(await readFile(nativeModelsDir('mobilenet_v2_imagenet', 'manifest.json'), 'utf8'));
  m.model = nativeModelsDir('mobilenet_v2_imagenet', m.model as string);
  edit(m);
  await writeFile(join(dir, 'manifest.json'), JSON.stringify(m));
  return dir;
}

test('the shipped mobilenet_v2_imagenet manifest loads and gives feature maps at its strides', async () => {
  const b = await Backbone.load('mobilenet_v2_imagenet', ['feat_s8', 'feat_s16']);
  try {
    const img = await decodeImage(screwImages('train')[0]!);
    const { default: sharp } = await import('sharp');
    const small = await sharp(Buffer.from(img.data), { raw: { width: img.width, height: img.height, channels: 3 } }).resize(256, 128, { fit: 'fill' }).raw().toBuffer();
    const maps = await b.extract({ width: 256, height: 128, channels: 3, data: small });
    assert.deepEqual(maps.map((m) => [m.name, m.channels, m.height, m.width]), [['feat_s8', 192, 16, 32], ['feat_s16', 576, 8, 16]]);
    assert.ok(maps[0]!.data.some((v) => v !== 0));
    assert.ok(['cpu', 'cuda', 'webgpu', 'dml', 'coreml'].includes(b.executionProvider));
  } finally {
    await b.dispose();
  }
});

test('manifest and model mismatches are bad-model faults that say what is wrong', async () => {
  await assert.rejects(readBackboneManifest('no_such_backbone'), kindIs('not-found', /no_such_backbone/));
  const badJson = await tempFolder();
  await writeFile(join(badJson, 'manifest.json'), '{ nope');
  await assert.rejects(readBackboneManifest(badJson), kindIs('bad-model', /not valid JSON/));
  const noInput = await copyManifest((m) => delete m.input);
  await assert.rejects(readBackboneManifest(noInput), kindIs('bad-model', /input/));
  const wrongSha = await copyManifest((m) => (m.sha256 = '0'.repeat(64)));
  await assert.rejects(Backbone.load(wrongSha, ['feat_s8']), kindIs('bad-model', /sha256/));
  const wrongName = await copyManifest((m) => ((m.input as Record<string, unknown>).name = 'pixels'));
  await assert.rejects(Backbone.load(wrongName, ['feat_s8']), kindIs('bad-model', /'pixels' is not an input/));
  const wrongChannels = await copyManifest((m) => ((m.features as { channels: number }[])[1]!.channels = 7));
  await assert.rejects(Backbone.load(wrongChannels, ['feat_s8']), kindIs('bad-model', /192 channels, the manifest says 7/));
  const notOnnx = await copyManifest((m) => (m.sha256 = undefined));
  const fake = join(notOnnx, 'fake.onnx');
  await writeFile(fake, 'this is not a protobuf');
  const j = JSON.parse(await readFile(join(notOnnx, 'manifest.json'), 'utf8'));
  j.model = 'fake.onnx';
  await writeFile(join(notOnnx, 'manifest.json'), JSON.stringify(j));
  await assert.rejects(Backbone.load(notOnnx, ['feat_s8']), kindIs('bad-model', /not an ONNX model/));
  const missing = await copyManifest((m) => { m.model = 'gone.onnx'; delete m.sha256; });
  await assert.rejects(Backbone.load(missing, ['feat_s8']), kindIs('not-found', /gone\.onnx/));
  await assert.rejects(Backbone.load('mobilenet_v2_imagenet', ['feat_s3']), kindIs('invalid-input', /feat_s3/));
});
