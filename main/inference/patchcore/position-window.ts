/**
 * Position-restricted nearest neighbour (config.positionWindow): a query patch is matched only with bank patches
 * at most `window` grid columns away along the registered part. Each patch feature carries its column as its last
 * coordinate (patch-extractor.ts, columnWeight), so the bank needs no extra file and an updated bank keeps it.
 *
 * The onnxruntime search gives the K nearest over the whole bank; the first of them inside the window is the answer.
 * When none is (rare: the K nearest all lie elsewhere along the part), the patch is searched exactly, in plain
 * TypeScript, among the bank patches of the columns in its window only. Either way the result is the exact
 * nearest neighbour inside the window, so a subset bank (the coarse cover) still gives an upper bound.
 */
import type { NearestNeighbourSearch } from './nn-graph.js';

/**
 * Neighbours asked of onnxruntime before falling back to the exact search in the window: more from a small bank (the
 * coarse cover, ~1/8 of the bank), whose few rows per column rarely put one inside the window among the first 16.
 */
function neighboursAsked(count: number): number {
  return Math.min(count, count <= 4096 ? 64 : 16);
}

export class WindowedSearch {
  /** Bank rows by column: rows of column c are byColumn[start[c] .. start[c + 1]). */
  private readonly start: Int32Array;
  private readonly byColumn: Int32Array;
  private readonly column: Int16Array;

  constructor(
    private readonly nn: NearestNeighbourSearch,
    private readonly bank: Float32Array,
    private readonly count: number,
    private readonly dim: number,
    private readonly window: number,
    /** Scale of the column coordinate (the last of `dim`). */
    private readonly weight: number,
  ) {
    this.column = new Int16Array(count);
    let maxCol = 0;
    for (let m = 0; m < count; m++) {
      const c = Math.max(0, Math.round(bank[m * dim + dim - 1]! / weight));
      this.column[m] = c;
      if (c > maxCol) maxCol = c;
    }
    this.start = new Int32Array(maxCol + 2);
    for (let m = 0; m < count; m++) this.start[this.column[m]! + 1]!++;
    for (let c = 0; c <= maxCol; c++) this.start[c + 1]! += this.start[c]!;
    const fill = this.start.slice(0, maxCol + 1);
    this.byColumn = new Int32Array(count);
    for (let m = 0; m < count; m++) this.byColumn[fill[this.column[m]!]!++] = m;
  }

  /** Column of a feature row (its last coordinate). */
  columnOf(rows: Float32Array, i: number): number {
    return Math.max(0, Math.round(rows[i * this.dim + this.dim - 1]! / this.weight));
  }

  /**
   * Nearest bank patch inside each query's window (and, when `exclude` is given, not excluded).
   * @returns dist [n] and idx [n]
   */
  async search(rows: Float32Array, n: number, exclude?: (m: number) => boolean): Promise<{ dist: Float32Array; idx: Int32Array }> {
    const k = neighboursAsked(this.count);
    const { dist: dk, idx: ik } = await this.nn.search(rows, n, k);
    const dist = new Float32Array(n);
    const idx = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const c = this.columnOf(rows, i);
      let found = -1;
      for (let j = 0; j < k; j++) {
        const m = ik[i * k + j]!;
        if (Math.abs(this.column[m]! - c) <= this.window && !exclude?.(m)) { found = j; break; }
      }
      if (found >= 0) {
        dist[i] = dk[i * k + found]!;
        idx[i] = ik[i * k + found]!;
      } else {
        const r = this.exact(rows, i, c, exclude);
        // An empty window (the part reaches columns no training part did): the K-th neighbour anywhere, a lower bound.
        dist[i] = r.idx >= 0 ? r.dist : dk[i * k + k - 1]!;
        idx[i] = r.idx >= 0 ? r.idx : ik[i * k + k - 1]!;
      }
    }
    return { dist, idx };
  }

  private exact(rows: Float32Array, i: number, c: number, exclude?: (m: number) => boolean): { dist: number; idx: number } {
    const d = this.dim;
    const q = i * d;
    let best = Infinity;
    let bestM = -1;
    const lo = Math.max(0, c - this.window);
    const hi = Math.min(this.start.length - 2, c + this.window);
    for (let col = lo; col <= hi; col++) {
      for (let p = this.start[col]!; p < this.start[col + 1]!; p++) {
        const m = this.byColumn[p]!;
        if (exclude?.(m)) continue;
        const b = m * d;
        let s = 0;
        for (let j = 0; j < d; j++) {
          const diff = rows[q + j]! - this.bank[b + j]!;
          s += diff * diff;
        }
        if (s < best) { best = s; bestM = m; }
      }
    }
    return { dist: Math.sqrt(best), idx: bestM };
  }
}
