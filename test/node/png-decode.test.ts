/**
 * The PNG fast path (main/node/png-decode.ts) returns exactly sharp's pixels for the files it takes, leaves every
 * other file to sharp, and keeps sharp's faults for broken files.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import { spawnSync } from 'node:child_process';
import sharp from 'sharp';
import { decodedOnThread, decodeImage, decodeWithSharp, MAX_IMAGE_PIXELS } from '../../main/node/image-io.js';
import { decodePngFastSync } from '../../main/node/png-decode.js';
import { SCREW } from '../helpers.js';

function tempDir(t: { after(fn: () => void): void }): string {
  const d = mkdtempSync(join(tmpdir(), 'station-png-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

function chunk(type: string, body: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(body.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body, crc32(head.subarray(4))), 0);
  return Buffer.concat([head, body, crc]);
}

/** PNG colour type by samples per pixel. */
const COLOUR: Record<number, number> = { 1: 0, 2: 4, 3: 2, 4: 6 };

/**
 * A PNG written here, row y filtered with filter `filters[y % filters.length]` (0 None .. 4 Paeth), so every
 * filter meets every pixel size; extra chunks go before IDAT, whose data is split into `parts` chunks.
 */
function encodePng(px: Uint8Array, width: number, height: number, samples: number, opts: { filters?: number[]; extra?: Buffer[]; parts?: number } = {}): Buffer {
  const filters = opts.filters ?? [0, 1, 2, 3, 4];
  const stride = width * samples;
  const raw = new Uint8Array((stride + 1) * height);
  const at = (y: number, x: number) => (y < 0 || x < 0 ? 0 : px[y * stride + x]!);
  for (let y = 0; y < height; y++) {
    const f = filters[y % filters.length]!;
    raw[y * (stride + 1)] = f;
    for (let x = 0; x < stride; x++) {
      const a = at(y, x - samples), b = at(y - 1, x), c = at(y - 1, x - samples);
      const p = a + b - c;
      const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
      const pred = [0, a, b, (a + b) >> 1, pa <= pb && pa <= pc ? a : pb <= pc ? b : c][f]!;
      raw[y * (stride + 1) + 1 + x] = (px[y * stride + x]! - pred) & 255;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, COLOUR[samples]!, 0, 0, 0], 8);
  const z = deflateSync(raw);
  const parts = opts.parts ?? 3;
  const idat = Array.from({ length: parts }, (_, i) => chunk('IDAT', z.subarray(Math.floor((i * z.length) / parts), Math.floor(((i + 1) * z.length) / parts))));
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([sig, chunk('IHDR', ihdr), ...(opts.extra ?? []), ...idat, chunk('IEND', new Uint8Array(0))]);
}

function withoutChunk(png: Buffer, type: string): Buffer {
  const kept = [png.subarray(0, 8)];
  for (let p = 8; p < png.length; ) {
    const end = p + 12 + png.readUInt32BE(p);
    if (png.toString('latin1', p + 4, p + 8) !== type) kept.push(png.subarray(p, end));
    p = end;
  }
  return Buffer.concat(kept);
}

/** Smooth gradients plus noise: predictors are wrong in every direction, and sums wrap past 255. */
function pattern(width: number, height: number, samples: number, seed: number): Uint8Array {
  const px = new Uint8Array(width * height * samples);
  let s = seed;
  for (let i = 0; i < px.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    const x = Math.floor(i / samples) % width, y = Math.floor(i / samples / width);
    px[i] = (x * 7 + y * 3 + (i % samples) * 60 + (s >>> 24) / 4) & 255;
  }
  return px;
}

/** decodeImage and sharp alone agree: the same pixels, or the same fault. */
async function assertSameAsSharp(input: string | Uint8Array, channels: 1 | 3, what: string): Promise<void> {
  const settle = async (p: Promise<{ width: number; height: number; channels: number; data: Uint8Array }>) => {
    try {
      const r = await p;
      return { ok: true, width: r.width, height: r.height, channels: r.channels, data: Buffer.from(r.data).toString('base64') };
    } catch (e) {
      return { ok: false, kind: (e as { kind?: string }).kind, message: (e as Error).message };
    }
  };
  const got = await settle(decodeImage(input, { channels }));
  const ref = await settle(decodeWithSharp(input, { channels }));
  assert.deepEqual(got, ref, `${what}, ${channels} channel(s)`);
}

test('shared screw images and masks: the fast path takes them and returns exactly sharp pixels', async () => {
  const files = [
    ...['train/good', 'test/good', 'test/scratch_neck', 'test/thread_side'].flatMap((d) =>
      readdirSync(join(SCREW, d)).sort().filter((_, i) => i % 8 === 0).map((n) => join(SCREW, d, n)),
    ),
    join(SCREW, 'ground_truth', 'scratch_neck', readdirSync(join(SCREW, 'ground_truth', 'scratch_neck')).sort()[0]!),
  ];
  assert.ok(files.length >= 10);
  for (const f of files) {
    const fast = decodePngFastSync(readFileSync(f), 1, MAX_IMAGE_PIXELS);
    assert.ok(fast, `fast path taken for ${f}`);
    await assertSameAsSharp(f, 1, f);
    await assertSameAsSharp(f, 3, f);
  }
});

test('every row filter at every pixel size (gray, gray+alpha, RGB, RGBA; odd sizes) decodes as sharp does', async (t) => {
  const dir = tempDir(t);
  for (const samples of [1, 2, 3, 4]) {
    for (const [w, h] of [[37, 23], [16, 64]] as const) {
      for (const filters of [[0, 1, 2, 3, 4], [4], [3, 4, 1]]) {
        const file = join(dir, `s${samples}-${w}x${h}-${filters.join('')}.png`);
        writeFileSync(file, encodePng(pattern(w, h, samples, w * samples), w, h, samples, { filters }));
        // RGB asked for gray is sharp's colour conversion: the fast path declines it.
        const wanted: (1 | 3)[] = samples >= 3 ? [3] : [1, 3];
        for (const ch of wanted) assert.ok(decodePngFastSync(readFileSync(file), ch, MAX_IMAGE_PIXELS), `fast path taken for ${file}`);
        if (samples >= 3) assert.equal(decodePngFastSync(readFileSync(file), 1, MAX_IMAGE_PIXELS), null);
        await assertSameAsSharp(file, 1, file);
        await assertSameAsSharp(file, 3, file);
      }
    }
  }
});

test('PNGs sharp writes (adaptive filters, several levels) and the ones the fast path leaves to sharp', async (t) => {
  const dir = tempDir(t);
  const w = 40, h = 30;
  const base = sharp(Buffer.from(pattern(w, h, 3, 5)), { raw: { width: w, height: h, channels: 3 } });
  const cases: [string, Buffer, boolean][] = [
    ['adaptive-gray', await base.clone().grayscale().png({ adaptiveFiltering: true, compressionLevel: 9 }).toBuffer(), true],
    ['adaptive-rgb', await base.clone().png({ adaptiveFiltering: true, compressionLevel: 1 }).toBuffer(), true],
    ['rgba', await base.clone().ensureAlpha(0.5).png().toBuffer(), true],
    ['palette', await base.clone().png({ palette: true }).toBuffer(), false],
    ['16-bit', await base.clone().toColourspace('rgb16').png().toBuffer(), false],
    ['interlaced', await base.clone().png({ progressive: true }).toBuffer(), false],
    ['with-icc', await base.clone().withIccProfile('p3').png().toBuffer(), false],
    // sharp writes an sRGB profile with the EXIF block; without it the file differs from a plain one only by eXIf.
    ['exif-orientation', withoutChunk(await base.clone().withMetadata({ orientation: 6 }).png().toBuffer(), 'iCCP'), false],
  ];
  assert.equal((await sharp(cases.at(-1)![1]).metadata()).orientation, 6);
  for (const [name, bytes, fast] of cases) {
    const file = join(dir, `${name}.png`);
    writeFileSync(file, bytes);
    assert.equal((decodePngFastSync(bytes, 3, MAX_IMAGE_PIXELS)) !== null, fast, `${name}: fast path ${fast ? 'taken' : 'declined'}`);
    await assertSameAsSharp(file, 1, name);
    await assertSameAsSharp(file, 3, name);
    await assertSameAsSharp(bytes, 3, `${name} (bytes)`);
  }
});

test('broken PNGs keep sharp faults: a flipped bit, a bad CRC, truncated, data beyond the image, trailing bytes, a missing file', async (t) => {
  const dir = tempDir(t);
  const w = 32, h = 24;
  const good = encodePng(pattern(w, h, 1, 9), w, h, 1);
  const idatAt = good.indexOf('IDAT') + 4;
  const flipped = Buffer.from(good);
  flipped[idatAt + 5]! ^= 0x40;
  // Intact image data under a wrong checksum: only the CRC tells.
  const badCrc = Buffer.from(good);
  badCrc[idatAt + badCrc.readUInt32BE(idatAt - 8) + 3]! ^= 0x01;
  // Image data for one row more than the header says, with valid CRCs.
  const tooLong = encodePng(pattern(w, h + 1, 1, 9), w, h + 1, 1);
  tooLong.writeUInt32BE(h, 16 + 4);
  tooLong.writeUInt32BE(crc32(tooLong.subarray(12, 29)), 29);
  const cases: [string, Buffer][] = [
    ['flipped-bit', flipped],
    ['bad-crc', badCrc],
    ['truncated', good.subarray(0, good.length - 40)],
    ['too-long', tooLong],
    ['trailing', Buffer.concat([good, Buffer.from('junk')])],
    ['empty', Buffer.alloc(0)],
  ];
  for (const [name, bytes] of cases) {
    assert.equal(decodePngFastSync(bytes, 1, MAX_IMAGE_PIXELS), null, `${name}: left to sharp`);
    const file = join(dir, `${name}.png`);
    writeFileSync(file, bytes);
    await assertSameAsSharp(file, 1, name);
  }
  await assert.rejects(decodeImage(join(dir, 'missing.png')), { kind: 'not-found', message: /image not found: .*missing\.png/ });
});

test('PNG files decoded ahead go to the decode thread, which never keeps a process alive or lets it exit early', async () => {
  const file = join(SCREW, 'test', 'good', '000.png');
  const before = decodedOnThread();
  const img = await decodeImage(file, { channels: 1, ahead: true });
  assert.equal(decodedOnThread(), before + 1);
  assert.deepEqual(Buffer.from(img.data), Buffer.from((await decodeWithSharp(file, { channels: 1 })).data));
  const gray = await decodeImage(file, { channels: 3, keepGray: true, ahead: true });
  assert.deepEqual([gray.channels, Buffer.compare(Buffer.from(gray.data), Buffer.from(img.data))], [1, 0]);
  await decodeImage(file, { channels: 1 });
  assert.equal(decodedOnThread(), before + 2, 'a decode awaited at once stays on this thread');
  // A script whose only pending work is a decode on that thread: it must print the size and exit by itself.
  const script = `import { decodeImage } from ${JSON.stringify(new URL('../../main/node/image-io.ts', import.meta.url).href)};
const img = await decodeImage(${JSON.stringify(file)}, { channels: 1, ahead: true });
console.log(img.width + 'x' + img.height);`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.signal, null, 'exited by itself');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), '1024x1024');
});
