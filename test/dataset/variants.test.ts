import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { applyVariant, parseVariant } from '../../main/dataset/variants.js';
import type { CropParams } from '../../main/dataset/variants.js';
import { createRng } from '../../main/common/random.js';
import { decodeImage } from '../../main/node/image-io.js';
import { sharedDir } from '../../main/node/paths.js';
import { foregroundMask } from '../../main/imaging/segment.js';
import { StationFault } from '../../main/common/result.js';
import type { RawImage } from '../../main/common/types.js';

const screw = (...p: string[]) => sharedDir('datasets', 'mvtec-screw', ...p);
let image: RawImage; // test/manipulated_front/000.png: its defect (missing tip) reaches past the part
let mask: RawImage;
let good: RawImage;

before(async () => {
  image = await decodeImage(screw('test', 'manipulated_front', '000.png'), { channels: 1 });
  mask = await decodeImage(screw('ground_truth', 'manipulated_front', '000_mask.png'), { channels: 1 });
  good = await decodeImage(screw('train', 'good', '007.png'), { channels: 1 });
});

function mean(img: RawImage): number {
  let s = 0;
  for (const v of img.data) s += v;
  return s / img.data.length;
}

function centroid(m: RawImage): { x: number; y: number; n: number } {
  let sx = 0, sy = 0, n = 0;
  for (let y = 0; y < m.height; y++)
    for (let x = 0; x < m.width; x++)
      if (m.data[y * m.width + x]) { sx += x; sy += y; n++; }
  return { x: sx / n, y: sy / n, n };
}

test('parseVariant gives canonical names and rejects unknown or repeated transforms', () => {
  assert.deepEqual(parseVariant('original'), { name: 'original', transforms: [] });
  assert.equal(parseVariant('brightness+misalignment').name, 'misalignment+brightness');
  assert.deepEqual(parseVariant(' background + brightness ').transforms, ['brightness', 'background']);
  const invalid = (e: unknown) => e instanceof StationFault && e.kind === 'invalid-input';
  assert.throws(() => parseVariant('blur'), invalid);
  assert.throws(() => parseVariant('brightness+brightness'), invalid);
  assert.throws(() => parseVariant(''), invalid);
});

test('original leaves image and mask untouched', async () => {
  const r = await applyVariant(image, mask, parseVariant('original'), createRng(1));
  assert.deepEqual(r.params, {});
  assert.equal(r.image, image);
  assert.equal(r.mask, mask);
});

test('misalignment crops around the part and defect, and the mask moves with the image', async () => {
  const fgIn = foregroundMask(image);
  for (const seed of [1, 2, 3]) {
    const r = await applyVariant(image, mask, parseVariant('misalignment'), createRng(seed));
    const p = r.params.misalignment as CropParams;
    const { crop, keepBox } = p;
    assert.ok(crop.w >= 0.75 * 1024 - 1 && crop.w <= 1024, `crop ${JSON.stringify(crop)}`);
    assert.equal(crop.w, crop.h); // square source keeps its aspect
    assert.ok(crop.x >= 0 && crop.y >= 0 && crop.x + crop.w <= 1024 && crop.y + crop.h <= 1024);
    // The part's box and the defect are inside the crop.
    assert.ok(keepBox.x >= crop.x && keepBox.y >= crop.y, 'keepBox inside crop');
    assert.ok(keepBox.x + keepBox.w <= crop.x + crop.w && keepBox.y + keepBox.h <= crop.y + crop.h);
    const b = fgIn.bbox;
    assert.ok(b.x >= crop.x && b.y >= crop.y && b.x + b.w <= crop.x + crop.w && b.y + b.h <= crop.y + crop.h);

    assert.equal(r.image.width, 1024);
    assert.equal(r.image.channels, 1);
    const m = r.mask as RawImage;
    assert.equal(m.channels, 1);
    assert.ok(m.data.every((v) => v === 0 || v === 255), 'mask stays binary');
    // Defect pixels land where the crop sends them: c' = (c - crop.x) * sx (within a pixel of rounding).
    const cin = centroid(mask);
    const cout = centroid(m);
    assert.ok(Math.abs(cout.x - (cin.x - crop.x) * p.scale.sx) < 2, `x ${cout.x} vs ${(cin.x - crop.x) * p.scale.sx}`);
    assert.ok(Math.abs(cout.y - (cin.y - crop.y) * p.scale.sy) < 2, `y ${cout.y} vs ${(cin.y - crop.y) * p.scale.sy}`);
    // Area scales with the zoom; no defect pixel was cut off.
    assert.ok(Math.abs(cout.n / (cin.n * p.scale.sx * p.scale.sy) - 1) < 0.03, `area ${cout.n} vs ${cin.n}`);
    // The image moved the same way: the part's bbox in the output is the input's, mapped (segmentation is 4 px coarse).
    const fgOut = foregroundMask(r.image).bbox;
    const tol = 4 * fgIn.scale * p.scale.sx;
    assert.ok(Math.abs(fgOut.x - (b.x - crop.x) * p.scale.sx) <= tol, `bbox x ${fgOut.x}`);
    assert.ok(Math.abs(fgOut.y - (b.y - crop.y) * p.scale.sy) <= tol, `bbox y ${fgOut.y}`);
    assert.ok(Math.abs(fgOut.w - b.w * p.scale.sx) <= 2 * tol, `bbox w ${fgOut.w}`);
  }
});

test('brightness shifts the mean by the drawn amount and leaves the mask alone', async () => {
  const before = mean(good);
  let ups = 0;
  for (const seed of [11, 12, 13, 14, 15, 16]) {
    const r = await applyVariant(good, null, parseVariant('brightness'), createRng(seed));
    const p = r.params.brightness!;
    assert.ok(p.contrast >= 0.7 && p.contrast < 1.3 && Math.abs(p.brightness) >= 10 && Math.abs(p.brightness) < 40);
    assert.equal(r.mask, null);
    const after = mean(r.image);
    // Contrast pivots on the mean, so the mean moves by the brightness shift (less where pixels clip at 255).
    assert.ok(Math.sign(after - before) === Math.sign(p.brightness), `${before} -> ${after}, b ${p.brightness}`);
    assert.ok(Math.abs(after - before - p.brightness) < 0.25 * Math.abs(p.brightness) + 1, `${before} -> ${after}, b ${p.brightness}`);
    if (p.brightness > 0) ups++;
  }
  assert.ok(ups > 0 && ups < 6, 'both signs drawn');
  const withMask = await applyVariant(image, mask, parseVariant('brightness'), createRng(3));
  assert.equal(withMask.mask, mask);
});

test('background squares are coloured and never touch the part or the defect', async () => {
  const fg = foregroundMask(image);
  for (const seed of [21, 22, 23]) {
    const r = await applyVariant(image, mask, parseVariant('background'), createRng(seed));
    const { squares, unplaced } = r.params.background!;
    assert.equal(r.image.channels, 3);
    assert.ok(squares.length + unplaced >= 5 && squares.length + unplaced <= 15);
    assert.ok(squares.length >= 5, `only ${squares.length} placed`);
    assert.equal(r.mask, mask);
    let changed = 0;
    for (const s of squares) {
      const [cr, cg, cb] = s.rgb;
      assert.ok(Math.max(cr, cg, cb) - Math.min(cr, cg, cb) > 40, `colourful: ${s.rgb}`);
      for (let y = s.y; y < s.y + s.size; y++)
        for (let x = s.x; x < s.x + s.size; x++) {
          const fy = Math.min(fg.height - 1, Math.floor(y / fg.scale));
          const fx = Math.min(fg.width - 1, Math.floor(x / fg.scale));
          assert.equal(fg.mask[fy * fg.width + fx], 0, `square ${JSON.stringify(s)} on the part at ${x},${y}`);
          assert.equal(mask.data[y * 1024 + x], 0, 'square on the defect');
        }
      // Its centre has its colour unless a later square covers it.
      const [mx, my] = [s.x + (s.size >> 1), s.y + (s.size >> 1)];
      const later = squares.slice(squares.indexOf(s) + 1);
      if (!later.some((o) => mx >= o.x && mx < o.x + o.size && my >= o.y && my < o.y + o.size)) {
        const c = 3 * (my * 1024 + mx);
        assert.deepEqual([...r.image.data.subarray(c, c + 3)], [cr, cg, cb]);
      }
    }
    // Off the squares the picture is the original gray in all three channels.
    const inSquare = (x: number, y: number) => squares.some((s) => x >= s.x && x < s.x + s.size && y >= s.y && y < s.y + s.size);
    for (let i = 0; i < 1024 * 1024; i += 97) {
      const x = i % 1024, y = (i / 1024) | 0;
      const px = [r.image.data[3 * i], r.image.data[3 * i + 1], r.image.data[3 * i + 2]];
      if (inSquare(x, y)) changed++;
      else assert.deepEqual(px, [image.data[i], image.data[i], image.data[i]]);
    }
    assert.ok(changed > 0);
  }
});

test('same seed gives the same result, another seed another one', async () => {
  const spec = parseVariant('background+misalignment+brightness');
  const a = await applyVariant(image, mask, spec, createRng(5));
  const b = await applyVariant(image, mask, spec, createRng(5));
  const c = await applyVariant(image, mask, spec, createRng(6));
  assert.deepEqual(a.params, b.params);
  assert.ok(Buffer.from(a.image.data).equals(Buffer.from(b.image.data)));
  assert.ok(Buffer.from(a.mask!.data).equals(Buffer.from(b.mask!.data)));
  assert.notDeepEqual(a.params, c.params);
  assert.ok(!Buffer.from(a.image.data).equals(Buffer.from(c.image.data)));
  assert.equal(a.image.channels, 3);
  assert.ok(a.params.background && a.params.misalignment && a.params.brightness);
});

test('a mask of another size is refused', async () => {
  const small: RawImage = { width: 10, height: 10, channels: 1, data: new Uint8Array(100) };
  await assert.rejects(
    applyVariant(image, small, parseVariant('misalignment'), createRng(1)),
    (e: unknown) => e instanceof StationFault && e.kind === 'invalid-input' && /mask is 10x10/.test(e.message),
  );
});
