/**
 * Versions share unchanged memory-bank rows on disk: a model saved into the chunk store and a version learned from
 * it load back byte for byte, the learned one writes only its new rows, whole-file folders still load, deleting a
 * version never takes a chunk another one uses, and a missing or corrupt chunk is refused with a clear error.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trainPatchCore, PatchCoreModel, savePatchCore, loadPatchCore } from '../../main/inference/patchcore/index.js';
import { learnGood } from '../../main/inference/patchcore/incremental.js';
import { CHUNK_DIR_NAME, collectBankChunks, readSegments, writeSegments } from '../../main/inference/patchcore/bank-chunks.js';
import { decodeImage } from '../../main/node/image-io.js';
import { screwImages } from '../helpers.js';

const config = { registration: { width: 384, height: 160 }, coreset: { ratio: 0.7, max: 3000 } };
let root: string;
let model: PatchCoreModel;
let learned: PatchCoreModel | null = null;
const loaded: PatchCoreModel[] = [];

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'station-chunks-'));
  ({ model } = await trainPatchCore({ images: screwImages('train').slice(0, 10), config }));
});

after(async () => {
  for (const m of loaded) await m.dispose().catch(() => {});
  await learned?.disposeSearch();
  await model?.dispose();
  rmSync(root, { recursive: true, force: true });
});

const bytesOf = (m: PatchCoreModel) => Buffer.from(m.bank.features.buffer, m.bank.features.byteOffset, m.bank.count * m.bank.dim * 4);
const dirBytes = (dir: string) => readdirSync(dir).reduce((n, f) => n + statSync(join(dir, f)).size, 0);
const chunkFiles = (models: string) => new Set(readdirSync(join(models, CHUNK_DIR_NAME)));

test('a learned version stores only its new rows; both load byte for byte; whole-file folders still load', { timeout: 180_000 }, async () => {
  const models = join(root, 'models');
  const chunkDir = join(models, CHUNK_DIR_NAME);
  const v1 = join(models, 'v1');
  await savePatchCore(model, v1, { chunkDir });
  const afterV1 = chunkFiles(models);
  const doc1 = JSON.parse(readFileSync(join(v1, 'model.json'), 'utf8')) as { formatVersion: number; bank: { chunkDir: string; segments: unknown[] } };
  assert.equal(doc1.formatVersion, 3);
  assert.equal(doc1.bank.chunkDir, `../${CHUNK_DIR_NAME}`);

  const part = await decodeImage(screwImages('train')[40]!, { channels: 1 });
  const r = await learnGood(model, [part], { id: 'learned-1' });
  learned = r.model;
  const v2 = join(models, 'v2');
  await savePatchCore(learned, v2, { chunkDir, base: v1 });
  const added = [...chunkFiles(models)].filter((f) => !afterV1.has(f));
  const newBytes = added.reduce((n, f) => n + statSync(join(chunkDir, f)).size, 0);
  const rowBytes = learned.bank.dim * 4;
  const wholeBank = learned.bank.count * rowBytes;
  const doc2 = JSON.parse(readFileSync(join(v2, 'model.json'), 'utf8')) as { bank: { segments: { rows: number }[] } };
  console.log(
    `bank ${learned.bank.count} x ${learned.bank.dim}: whole file ${wholeBank} B; learned version writes ${newBytes} B of chunks + model.json ${dirBytes(v2)} B ` +
      `(${doc2.bank.segments.length} segments)`,
  );
  // Only the rows the part added are written (the rest of the bank refers to the parent's chunks).
  assert.ok(r.report.added > 0);
  assert.equal(newBytes, r.report.added * rowBytes, `new chunk bytes for ${r.report.added} added rows`);
  assert.equal(readdirSync(v2).includes('bank.f32'), false);

  const back1 = await loadPatchCore(v1);
  const back2 = await loadPatchCore(v2);
  loaded.push(back1, back2);
  assert.ok(bytesOf(back1).equals(bytesOf(model)), 'trained version reassembled byte for byte');
  assert.ok(bytesOf(back2).equals(bytesOf(learned)), 'learned version reassembled byte for byte');

  // A standalone folder (no chunk store) is the whole-file format 2, as before, and loads.
  const whole = join(root, 'standalone');
  await savePatchCore(model, whole);
  assert.deepEqual(readdirSync(whole).sort(), ['bank.f32', 'model.json']);
  const back3 = await loadPatchCore(whole);
  loaded.push(back3);
  assert.ok(bytesOf(back3).equals(bytesOf(model)));
});

test('deleting a version keeps every chunk another uses; missing or corrupt chunks are named', { timeout: 60_000 }, async () => {
  const models = join(root, 'gc');
  const chunkDir = join(models, CHUNK_DIR_NAME);
  const dim = 8;
  const rows = (n: number, seed: number) => Float32Array.from({ length: n * dim }, (_, i) => Math.sin(seed * 1000 + i));
  const a = new Uint8Array(rows(600, 1).buffer);
  // b: a's first 100 rows, 7 new rows, a's rows 100..511 (the tail dropped), like a learned bank.
  const fresh = new Uint8Array(rows(7, 2).buffer);
  const rb = dim * 4;
  const b = Buffer.concat([a.subarray(0, 100 * rb), fresh, a.subarray(100 * rb, 512 * rb)]);
  const segA = await writeSegments(chunkDir, a, dim);
  const segB = await writeSegments(chunkDir, b, dim, { segments: segA, bytes: a });
  assert.deepEqual(segB.map((s) => s.rows), [100, 7, 156, 256]);
  assert.ok(Buffer.from(await readSegments(chunkDir, segB, dim, 'b')).equals(b));
  const mk = (name: string, segments: unknown) => {
    const dir = join(models, name);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'model.json'), JSON.stringify({ bank: { segments } }));
  };
  mk('a', segA);
  mk('b', segB);
  assert.equal(await collectBankChunks(models, 0), 0, 'everything is in use');
  rmSync(join(models, 'a'), { recursive: true });
  // a's last chunk (rows 512..599) is used by no one now; the rest is b's.
  assert.equal(await collectBankChunks(models, 0), 1);
  assert.ok(Buffer.from(await readSegments(chunkDir, segB, dim, 'b')).equals(b), 'b intact after a is deleted');
  // An unreadable model.json might use anything: nothing is collected.
  mk('broken', []);
  writeFileSync(join(models, 'broken', 'model.json'), '{not json');
  rmSync(join(models, 'b'), { recursive: true });
  assert.equal(await collectBankChunks(models, 0), 0);
  rmSync(join(models, 'broken'), { recursive: true });

  const victim = segB[1]!.chunk;
  const path = join(chunkDir, `${victim}.f32`);
  const good = readFileSync(path);
  const bad = Buffer.from(good);
  bad[3] = bad[3]! ^ 0xff;
  writeFileSync(path, bad);
  await assert.rejects(readSegments(chunkDir, segB, dim, 'version b'), new RegExp(`version b: memory bank chunk ${victim.slice(0, 12)}… is corrupt`));
  rmSync(path);
  await assert.rejects(readSegments(chunkDir, segB, dim, 'version b'), new RegExp(`version b: memory bank chunk ${victim.slice(0, 12)}… is missing`));
});
