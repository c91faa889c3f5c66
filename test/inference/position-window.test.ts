import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mulberry32 } from '../../main/common/random.js';
import { NearestNeighbourSearch } from '../../main/inference/patchcore/nn-graph.js';
import { WindowedSearch } from '../../main/inference/patchcore/position-window.js';
import { COLUMN_TAG } from '../../main/inference/patchcore/patch-extractor.js';

/** Rows of d-1 random features plus the column coordinate (column x COLUMN_TAG), as the patch extractor lays them out. */
function rowsWithColumns(n: number, d: number, columns: number, seed: number): { x: Float32Array; col: Int32Array } {
  const r = mulberry32(seed);
  const x = new Float32Array(n * d);
  const col = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    col[i] = Math.floor(r() * columns);
    // Features that ignore the column, so the K nearest over the whole bank often lie outside the window.
    for (let j = 0; j < d - 1; j++) x[i * d + j] = r() - 0.5;
    x[i * d + d - 1] = col[i]! * COLUMN_TAG;
  }
  return { x, col };
}

function bruteForce(q: Float32Array, i: number, bank: Float32Array, bankCol: Int32Array, qCol: number, d: number, window: number, exclude?: (m: number) => boolean): number {
  let best = Infinity;
  for (let m = 0; m < bankCol.length; m++) {
    if (Math.abs(bankCol[m]! - qCol) > window || exclude?.(m)) continue;
    let s = 0;
    for (let j = 0; j < d; j++) s += (q[i * d + j]! - bank[m * d + j]!) ** 2;
    best = Math.min(best, s);
  }
  return Math.sqrt(best);
}

test('position window: each query gets its exact nearest bank patch within the window (onnxruntime K-NN, exact fallback)', async () => {
  const d = 9, columns = 64, window = 2;
  const bank = rowsWithColumns(3000, d, columns, 1);
  const q = rowsWithColumns(400, d, columns, 2);
  const nn = await NearestNeighbourSearch.create(bank.x, 3000, d);
  try {
    const ws = new WindowedSearch(nn, bank.x, 3000, d, window, COLUMN_TAG);
    const { dist, idx } = await ws.search(q.x, 400);
    let outside = 0;
    for (let i = 0; i < 400; i++) {
      assert.ok(Math.abs(bank.col[idx[i]!]! - q.col[i]!) <= window, `query ${i}: match at column ${bank.col[idx[i]!]} for column ${q.col[i]}`);
      assert.ok(Math.abs(dist[i]! - bruteForce(q.x, i, bank.x, bank.col, q.col[i]!, d, window)) < 1e-3, `query ${i}`);
      // How often the unrestricted nearest lies outside the window: the restriction must actually change answers.
      const free = (await nn.search(q.x.subarray(i * d, (i + 1) * d), 1, 1)).idx[0]!;
      if (Math.abs(bank.col[free]! - q.col[i]!) > window) outside++;
    }
    assert.ok(outside > 200, `only ${outside} of 400 unrestricted matches lay outside the window`);
    // With an exclusion (leave-one-image-out in training): still the exact nearest among the allowed rows.
    const exclude = (m: number): boolean => m % 3 === 0;
    const ex = await ws.search(q.x, 400, exclude);
    for (let i = 0; i < 400; i++) {
      assert.ok(!exclude(ex.idx[i]!));
      assert.ok(Math.abs(ex.dist[i]! - bruteForce(q.x, i, bank.x, bank.col, q.col[i]!, d, window, exclude)) < 1e-3, `query ${i} (excluded rows)`);
    }
  } finally {
    await nn.dispose();
  }
});
