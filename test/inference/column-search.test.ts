import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mulberry32 } from '../../main/common/random.js';
import { ColumnWindowSearch, columnWindows } from '../../main/inference/patchcore/column-search.js';
import { COLUMN_TAG } from '../../main/inference/patchcore/patch-extractor.js';

/** Rows of d-1 random features plus the column coordinate, as the patch extractor lays them out. */
function rows(n: number, d: number, columns: number, seed: number, colOf?: (i: number) => number): { x: Float32Array; col: Int32Array } {
  const r = mulberry32(seed);
  const x = new Float32Array(n * d);
  const col = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    col[i] = colOf ? colOf(i) : Math.floor(r() * columns);
    for (let j = 0; j < d - 1; j++) x[i * d + j] = r() - 0.5;
    x[i * d + d - 1] = col[i]! * COLUMN_TAG;
  }
  return { x, col };
}

function bruteForce(q: Float32Array, i: number, bank: Float32Array, bankCol: Int32Array, qCol: number, d: number, window: number): { dist: number; idx: number } {
  let best = Infinity, idx = -1;
  for (let m = 0; m < bankCol.length; m++) {
    if (Math.abs(bankCol[m]! - qCol) > window) continue;
    let s = 0;
    for (let j = 0; j < d; j++) s += (q[i * d + j]! - bank[m * d + j]!) ** 2;
    if (s < best) { best = s; idx = m; }
  }
  return { dist: Math.sqrt(best), idx };
}

test('column search: the exact nearest bank row inside each query window, in one run', async () => {
  const d = 17, columns = 40, window = 2;
  // Columns 20-25 have no bank rows: queries there have an empty window only at 22-23.
  const bank = rows(3000, d, columns, 1, (i) => { const c = i % columns; return c >= 20 && c <= 25 ? c - 6 : c; });
  const q = rows(500, d, columns + 3, 2);
  const cs = await ColumnWindowSearch.create(bank.x, 3000, d, window, COLUMN_TAG);
  try {
    const { dist, idx } = await cs.search(q.x, 500);
    let empty = 0;
    for (let i = 0; i < 500; i++) {
      const ref = bruteForce(q.x, i, bank.x, bank.col, q.col[i]!, d, window);
      if (ref.idx < 0) {
        empty++;
        assert.equal(idx[i], -1, `query ${i} at column ${q.col[i]} has an empty window`);
        assert.ok(Number.isNaN(dist[i]!));
        continue;
      }
      assert.equal(idx[i], ref.idx, `query ${i} (column ${q.col[i]})`);
      assert.ok(Math.abs(dist[i]! - ref.dist) < 1e-4, `query ${i}: ${dist[i]} vs ${ref.dist}`);
    }
    // Empty windows: columns 22, 23 (no bank rows within 2) and 42 (beyond the last bank column + window).
    assert.ok(empty > 0, 'some queries fall in empty windows');
    // A query set without some columns: their branches get zero rows and answer nothing.
    const one = await cs.search(q.x.subarray(0, d), 1);
    assert.equal(one.idx.length, 1);
  } finally {
    await cs.dispose();
  }
});

test('column windows hold each bank row in the 2w + 1 windows around its column', () => {
  const d = 3;
  const bank = rows(10, d, 5, 3, (i) => i % 5);
  const w = columnWindows(bank.x, 10, d, 1, COLUMN_TAG);
  assert.equal(w.rows.length, 6, 'columns 0..maxColumn + window');
  assert.deepEqual([...w.rows[0]!], [0, 1, 5, 6]);
  assert.deepEqual([...w.rows[5]!], [4, 9]);
  // 2 rows per column; windows at the edges (0, 4, and 5 beyond the last column) see fewer columns.
  assert.deepEqual(w.rows.map((r) => r.length), [4, 6, 6, 6, 4, 2]);
});
