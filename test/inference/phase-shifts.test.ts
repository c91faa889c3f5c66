/**
 * Thread-phase copies (config.phaseShifts): the shifted extraction really moves the part along its axis, on a real
 * screw, and training with copies keeps the bank size; without them (the default) the bank is the parts' own patches.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { screwImages } from '../helpers.js';
import { decodeImage } from '../../main/node/image-io.js';
import { DEFAULT_PATCHCORE_CONFIG, resolveConfig } from '../../main/inference/patchcore/config.js';
import { PatchExtractor, foregroundRows } from '../../main/inference/patchcore/patch-extractor.js';
import { trainPatchCore } from '../../main/inference/patchcore/index.js';

test('a part moved 8 canvas pixels along its axis has the unshifted features one grid column over (real screw)', async () => {
  // The default feature layer (feat_s8: one grid column = 8 canvas pixels), no column tag.
  const ex = await PatchExtractor.create(resolveConfig({ layers: ['feat_s8'], positionWindow: 0 }));
  try {
    const img = await decodeImage(screwImages('train')[3]!, { channels: 1 });
    const a = await ex.extract(img);
    const b = await ex.extract(img, { shift: 8 });
    const half = await ex.extract(img, { shift: 4 });
    assert.equal(a.stride, 8);
    // The affine map moves with the canvas: canvas pixel x + 8 of the shifted part is pixel x of the unshifted one.
    const t = a.registered.toOriginal, s = b.registered.toOriginal;
    assert.ok(Math.abs(s.a * 108 + s.c - (t.a * 100 + t.c)) < 1e-9 && Math.abs(s.d * 108 + s.f - (t.d * 100 + t.f)) < 1e-9);
    let maxDiff = 0, maxAbs = 0, halfDiff = 0, compared = 0;
    // Interior columns only: the backbone's zero padding reaches 4-5 columns in from the canvas edges.
    for (let y = 0; y < a.h; y++) {
      for (let x = 4; x < a.w - 7; x++) {
        const i = y * a.w + x, j = y * a.w + x + 1;
        assert.equal(b.fg[j], a.fg[i], `patch (${y}, ${x}) on the part in one and not the other`);
        if (!a.fg[i]) continue;
        compared++;
        for (let c = 0; c < a.dim; c++) {
          const v = a.features[i * a.dim + c]!;
          maxDiff = Math.max(maxDiff, Math.abs(b.features[j * a.dim + c]! - v));
          halfDiff = Math.max(halfDiff, Math.abs(half.features[i * a.dim + c]! - v));
          maxAbs = Math.max(maxAbs, Math.abs(v));
        }
      }
    }
    assert.ok(compared > 200, `${compared} patches on the part compared`);
    assert.ok(maxDiff < 1e-5 * maxAbs, `max |shifted by 8, one column over - unshifted| = ${maxDiff} (max |feature| ${maxAbs})`);
    // Half a cell is a new phase: features the unshifted part does not have at any column.
    assert.ok(halfDiff > 0.05 * maxAbs, `shift by 4 changed features by at most ${halfDiff}`);
  } finally {
    await ex.dispose();
  }
});

test('phase shifts must be whole canvas pixels, not 0', async () => {
  assert.throws(() => resolveConfig({ phaseShifts: [0] }, ['feat_s8']), /phaseShifts/);
  assert.throws(() => resolveConfig({ phaseShifts: [2.5] }, ['feat_s8']), /phaseShifts/);
  assert.deepEqual(resolveConfig({ phaseShifts: [] }, ['feat_s8']).phaseShifts, []);
});

function hash(a: Float32Array): string {
  return createHash('sha256').update(Buffer.from(a.buffer, a.byteOffset, a.byteLength)).digest('hex');
}

test('training with phase copies: same bank size as without, copies chosen; none (the default) = only the parts themselves', async () => {
  const images = screwImages('train').slice(0, 4);
  // Small canvas keeps this quick; the copies exercise the position window's column tags too.
  const base = { registration: { width: 256, height: 128 }, positionWindow: 2 };
  assert.deepEqual(DEFAULT_PATCHCORE_CONFIG.phaseShifts, []);
  const plain = await trainPatchCore({ images, config: base });
  const shifted = await trainPatchCore({ images, config: { ...base, phaseShifts: [-2, 2] } });
  try {
    assert.equal(shifted.report.bankSize, plain.report.bankSize);
    assert.equal(shifted.report.candidatePatches, plain.report.candidatePatches);
    const ex = shifted.model.extractor;
    const seen = new Set<string>();
    for (const f of images) {
      const rows = foregroundRows(await ex.extract(await decodeImage(f))).rows;
      for (let i = 0; i < rows.length / ex.dim; i++) seen.add(hash(rows.subarray(i * ex.dim, (i + 1) * ex.dim)));
    }
    const copiesIn = (bank: { features: Float32Array; count: number; dim: number }): number => {
      let copies = 0;
      for (let m = 0; m < bank.count; m++) if (!seen.has(hash(bank.features.subarray(m * bank.dim, (m + 1) * bank.dim)))) copies++;
      return copies;
    };
    assert.equal(copiesIn(plain.model.bank), 0, 'without phase shifts the bank holds only the parts\' own patches');
    const copies = copiesIn(shifted.model.bank);
    assert.ok(copies > 0.1 * shifted.model.bank.count, `${copies} of ${shifted.model.bank.count} bank rows are phase copies`);
    assert.ok(copies < shifted.model.bank.count, 'unshifted patches are in the bank too');
    assert.ok(Number.isFinite(shifted.model.info.defaultThreshold) && shifted.model.info.defaultThreshold > 0);
  } finally {
    await Promise.all([plain.model.dispose(), shifted.model.dispose()]);
  }
});
