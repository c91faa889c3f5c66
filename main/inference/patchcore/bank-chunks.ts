/**
 * Content-addressed storage of memory banks shared by model versions (issue 12): a bank is a list of segments,
 * each a run of rows of a chunk file named by the SHA-256 of its bytes (`<models>/.bank-chunks/<sha256>.f32`,
 * float32 little-endian, whole rows). A version made from another (learn-as-good, which keeps the parent's rows
 * in order around a few new ones) refers to the parent's chunks for the rows they share and writes only its new
 * rows; identical chunks are stored once whatever made them. A chunk is removed only when no model folder beside
 * the chunk store refers to it (collectBankChunks), so deleting a version never breaks another.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { StationFault } from '../../common/result.js';

/** Folder of the chunk store inside a models folder. */
export const CHUNK_DIR_NAME = '.bank-chunks';
/** Rows per chunk of a bank written from scratch (~230 KB at 224 dims): small enough that a change rewrites little. */
export const CHUNK_ROWS = 256;
/** A chunk younger than this is never collected: a save in progress may refer to it before its model.json exists. */
const COLLECT_GRACE_MS = 15 * 60_000;

export const SegmentSchema = z.object({
  chunk: z.string().regex(/^[0-9a-f]{64}$/),
  from: z.number().int().nonnegative(),
  rows: z.number().int().positive(),
});
export type Segment = z.infer<typeof SegmentSchema>;

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const chunkPath = (chunkDir: string, sha: string): string => join(chunkDir, `${sha}.f32`);
const view = (b: Uint8Array): Buffer => Buffer.from(b.buffer, b.byteOffset, b.byteLength);
const same = (a: Uint8Array, b: Uint8Array): boolean => view(a).equals(view(b));

/** Writes a chunk unless it is there already (then only its time is renewed: see COLLECT_GRACE_MS). */
async function putChunk(chunkDir: string, bytes: Uint8Array): Promise<string> {
  const sha = sha256(bytes);
  const path = chunkPath(chunkDir, sha);
  const st = await stat(path).catch(() => null);
  if (st && st.size === bytes.byteLength) {
    const now = new Date();
    await utimes(path, now, now);
    return sha;
  }
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  await writeFile(tmp, bytes);
  await rename(tmp, path);
  return sha;
}

/** The rows of one chunk store, read once each and checked against their name. */
class ChunkReader {
  private readonly cache = new Map<string, Buffer>();
  constructor(
    private readonly chunkDir: string,
    private readonly what: string,
  ) {}

  async get(sha: string): Promise<Buffer> {
    const hit = this.cache.get(sha);
    if (hit) return hit;
    const path = chunkPath(this.chunkDir, sha);
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch {
      throw new StationFault('bad-model', `${this.what}: memory bank chunk ${sha.slice(0, 12)}… is missing (${path}); restore the models folder or retrain`);
    }
    if (sha256(bytes) !== sha) throw new StationFault('bad-model', `${this.what}: memory bank chunk ${sha.slice(0, 12)}… is corrupt (checksum mismatch, ${path}); restore the models folder or retrain`);
    this.cache.set(sha, bytes);
    return bytes;
  }
}

/** Reassembles a bank's bytes from its segments (every chunk checked against its name). */
export async function readSegments(chunkDir: string, segments: readonly Segment[], dim: number, what: string): Promise<Uint8Array> {
  const rowBytes = dim * 4;
  const count = segments.reduce((n, s) => n + s.rows, 0);
  const out = new Uint8Array(count * rowBytes);
  const reader = new ChunkReader(chunkDir, what);
  let at = 0;
  for (const s of segments) {
    const bytes = await reader.get(s.chunk);
    const start = s.from * rowBytes;
    const end = start + s.rows * rowBytes;
    if (bytes.byteLength % rowBytes !== 0 || end > bytes.byteLength) {
      throw new StationFault('bad-model', `${what}: memory bank chunk ${s.chunk.slice(0, 12)}… has ${bytes.byteLength} bytes, fewer than rows ${s.from}..${s.from + s.rows} of ${dim} floats`);
    }
    out.set(bytes.subarray(start, end), at);
    at += end - start;
  }
  return out;
}

/** A bank version it may share rows with: its segments and bytes (rows in segment order). */
export interface BaseBank {
  readonly segments: readonly Segment[];
  readonly bytes: Uint8Array;
}

/**
 * Writes `bytes` (a bank of `dim` floats a row) into the chunk store and returns its segments. Rows found in
 * `base` (by content, in runs) refer to the base's chunks; the other rows are written as new chunks.
 */
export async function writeSegments(chunkDir: string, bytes: Uint8Array, dim: number, base?: BaseBank): Promise<Segment[]> {
  await mkdir(chunkDir, { recursive: true });
  const rowBytes = dim * 4;
  const count = bytes.byteLength / rowBytes;
  const row = (b: Uint8Array, i: number) => b.subarray(i * rowBytes, (i + 1) * rowBytes);
  // Where each base row lives: base row k -> (chunk, row in chunk); a map from row content to the first base row.
  const loc: { chunk: string; at: number }[] = [];
  const byContent = new Map<string, number>();
  if (base) {
    for (const s of base.segments) for (let r = 0; r < s.rows; r++) loc.push({ chunk: s.chunk, at: s.from + r });
    for (let k = 0; k < loc.length; k++) {
      const key = createHash('sha1').update(row(base.bytes, k)).digest('base64');
      if (!byContent.has(key)) byContent.set(key, k);
    }
  }
  const out: Segment[] = [];
  let fresh: number[] = []; // indices of new rows not yet written
  const flushFresh = async () => {
    for (let i = 0; i < fresh.length; i += CHUNK_ROWS) {
      const part = fresh.slice(i, i + CHUNK_ROWS);
      const buf = new Uint8Array(part.length * rowBytes);
      part.forEach((r, j) => buf.set(row(bytes, r), j * rowBytes));
      out.push({ chunk: await putChunk(chunkDir, buf), from: 0, rows: part.length });
    }
    fresh = [];
  };
  let prevBase = -2; // base row of the previous new-bank row when it was shared
  for (let i = 0; i < count; i++) {
    const r = row(bytes, i);
    let k = -1;
    const next = prevBase + 1;
    if (base && prevBase >= 0 && next < loc.length && same(row(base.bytes, next), r)) k = next;
    else if (base) {
      const hit = byContent.get(createHash('sha1').update(r).digest('base64'));
      if (hit !== undefined && same(row(base.bytes, hit), r)) k = hit;
    }
    if (k < 0) {
      fresh.push(i);
      prevBase = -2;
      continue;
    }
    if (fresh.length) await flushFresh();
    const last = out[out.length - 1];
    if (k === prevBase + 1 && last && last.chunk === loc[k]!.chunk && last.from + last.rows === loc[k]!.at) {
      out[out.length - 1] = { ...last, rows: last.rows + 1 };
    } else out.push({ chunk: loc[k]!.chunk, from: loc[k]!.at, rows: 1 });
    prevBase = k;
  }
  await flushFresh();
  // Shared chunks get a fresh time too: a collection running meanwhile must not take them.
  const now = new Date();
  for (const sha of new Set(out.map((s) => s.chunk))) await utimes(chunkPath(chunkDir, sha), now, now).catch(() => {});
  return out;
}

/** Bytes of the chunk files a list of segments refers to (each file once). */
export async function chunkBytes(chunkDir: string, segments: readonly Segment[]): Promise<number> {
  let n = 0;
  for (const sha of new Set(segments.map((s) => s.chunk))) n += (await stat(chunkPath(chunkDir, sha)).catch(() => ({ size: 0 }))).size;
  return n;
}

/**
 * Removes the chunks no model folder in `modelsDir` refers to (and older than the grace period). When any
 * model.json there cannot be read, nothing is removed: an unreadable description might refer to any chunk.
 * Returns the number of chunk files removed.
 */
export async function collectBankChunks(modelsDir: string, graceMs = COLLECT_GRACE_MS): Promise<number> {
  const chunkDir = join(modelsDir, CHUNK_DIR_NAME);
  if (!existsSync(chunkDir)) return 0;
  const used = new Set<string>();
  for (const e of await readdir(modelsDir, { withFileTypes: true })) {
    if (!e.isDirectory() || e.name === CHUNK_DIR_NAME) continue;
    const json = join(modelsDir, e.name, 'model.json');
    if (!existsSync(json)) continue;
    let doc: { bank?: { segments?: unknown } };
    try {
      doc = JSON.parse(await readFile(json, 'utf8')) as typeof doc;
    } catch {
      return 0;
    }
    const segs = doc.bank?.segments;
    if (Array.isArray(segs)) for (const s of segs) if (typeof (s as Segment).chunk === 'string') used.add((s as Segment).chunk);
  }
  let removed = 0;
  const cutoff = Date.now() - graceMs;
  for (const name of await readdir(chunkDir)) {
    const m = /^([0-9a-f]{64})\.f32$/.exec(name);
    const path = join(chunkDir, name);
    if (m && used.has(m[1]!)) continue;
    const st = await stat(path).catch(() => null);
    if (!st || st.mtimeMs > cutoff) continue;
    await (m ? unlink(path) : rm(path, { force: true })).catch(() => {});
    removed++;
  }
  return removed;
}
