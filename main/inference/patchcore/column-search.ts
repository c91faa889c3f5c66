/**
 * Exact position-restricted nearest neighbour (config.positionWindow) as one onnxruntime graph: the bank is split by
 * grid column, and a query patch of column c is compared only with the bank patches of columns c − w … c + w.
 *
 * The window holds about (2w + 1) / columns of the bank (5/64 for the default), so this exact search does about a
 * twelfth of the multiply-adds of one full search, and needs neither the coarse cover's pruning nor the K-nearest
 * fallback of `WindowedSearch` (which stays for training, where rows of the image left out must be excluded).
 *
 * Graph, one branch per column c whose window holds bank rows (W_c = those rows, in bank order):
 *   q_c [n_c, D] -> e = q_c · (−2 W_cᵀ) + ‖W_c‖²   (one Gemm, [n_c, |W_c|]; e = d²(q, m) − ‖q‖²)
 *   idx_c = ArgMin(e) [n_c] (first index on ties: the lowest bank row, as TopK in nn-graph.ts)
 * Scaling by −2 is exact in float32, so e orders the window's rows as d² does (to float32 rounding). The distance to
 * the row found, ‖q − m‖, is then summed here in double: cheaper than more operators per branch (each one a
 * dispatch; with 63 branches the dispatches cost as much as the products), and free of the cancellation in
 * e + ‖q‖². A column without queries is fed zero rows. Memory: the window's rows are stored once per column,
 * (2w + 1) × the bank.
 */
import * as ort from 'onnxruntime-node';
import { GraphBuilder, attr, floatTensor } from '../onnx/graph-builder.js';
import { DataType } from '../onnx/proto.js';
import { createSession, type ProviderName } from '../execution-provider.js';

/** Column of row `i` of a [n, dim] feature matrix whose last coordinate is weight × column (patch-extractor.ts). */
export function columnOfRow(rows: Float32Array, i: number, dim: number, weight: number): number {
  return Math.max(0, Math.round(rows[i * dim + dim - 1]! / weight));
}

export interface ColumnWindows {
  /** Bank rows in the window of column c, ascending; empty when the window holds none. */
  readonly rows: readonly Int32Array[];
}

/** Bank rows by window: rows[c] = the bank rows whose column lies within `window` of c, for c = 0 … maxColumn + window. */
export function columnWindows(bank: Float32Array, count: number, dim: number, window: number, weight: number): ColumnWindows {
  const column = new Int32Array(count);
  let maxCol = 0;
  for (let m = 0; m < count; m++) {
    column[m] = columnOfRow(bank, m, dim, weight);
    if (column[m]! > maxCol) maxCol = column[m]!;
  }
  const rows: Int32Array[] = [];
  for (let c = 0; c <= maxCol + window; c++) {
    const pick: number[] = [];
    for (let m = 0; m < count; m++) if (Math.abs(column[m]! - c) <= window) pick.push(m);
    rows.push(Int32Array.from(pick));
  }
  return { rows };
}

export function buildColumnSearchGraph(bank: Float32Array, dim: number, windows: ColumnWindows): Uint8Array {
  const g = new GraphBuilder('column_window_nearest_neighbour', 13);
  for (const [c, win] of windows.rows.entries()) {
    if (win.length === 0) continue;
    const bt = new Float32Array(dim * win.length);
    const sq = new Float32Array(win.length);
    win.forEach((m, j) => {
      let s = 0;
      for (let d = 0; d < dim; d++) {
        const v = bank[m * dim + d]!;
        bt[d * win.length + j] = -2 * v;
        s += v * v;
      }
      sq[j] = s;
    });
    const q = g.input(`q${c}`, [`n${c}`, dim]);
    const e = g.op('Gemm', [q, g.initializer(floatTensor(`bt${c}`, [dim, win.length], bt)), g.initializer(floatTensor(`sq${c}`, [1, win.length], sq))]);
    g.op('ArgMin', [e], { axis: attr.int(1), keepdims: attr.int(0) }, `idx${c}`);
    g.output(`idx${c}`, [`n${c}`], DataType.INT64);
  }
  return g.build();
}

/** Exact nearest bank row inside each query's column window, in one onnxruntime run per image. */
export class ColumnWindowSearch {
  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly windows: ColumnWindows,
    private readonly bank: Float32Array,
    readonly dim: number,
    private readonly weight: number,
  ) {}

  static async create(bank: Float32Array, count: number, dim: number, window: number, weight: number, provider?: ProviderName): Promise<ColumnWindowSearch> {
    if (!(weight > 0)) throw new Error('column search needs the column coordinate (column weight > 0)');
    const windows = columnWindows(bank, count, dim, window, weight);
    // One thread: a pool thread woken for each of ~60 small products costs more than it shares (median 4.95 vs
    // 5.82 ms per screw, interleaved), and leaves the other core to the decode thread.
    const { session } = await createSession(buildColumnSearchGraph(bank, dim, windows), provider, { intraOpNumThreads: 1 });
    return new ColumnWindowSearch(session, windows, bank.subarray(0, count * dim), dim, weight);
  }

  /**
   * @param rows [n, D] queries, the column in the last coordinate
   * @returns dist [n] and idx [n] (bank row); for a query whose window holds no bank row (the part reaches columns
   *   no training part did) dist is NaN and idx −1, for the caller to decide
   */
  async search(rows: Float32Array, n: number): Promise<{ dist: Float32Array; idx: Int32Array }> {
    const D = this.dim;
    const dist = new Float32Array(n).fill(Number.NaN);
    const idx = new Int32Array(n).fill(-1);
    const byColumn: number[][] = this.windows.rows.map(() => []);
    for (let i = 0; i < n; i++) {
      const c = columnOfRow(rows, i, D, this.weight);
      if (c < byColumn.length && this.windows.rows[c]!.length > 0) byColumn[c]!.push(i);
    }
    const feeds: Record<string, ort.Tensor> = {};
    for (const [c, win] of this.windows.rows.entries()) {
      if (win.length === 0) continue;
      const members = byColumn[c]!;
      // Every branch's input must be fed; a column without queries gets zero rows.
      const q = new Float32Array(members.length * D);
      members.forEach((i, j) => q.set(rows.subarray(i * D, (i + 1) * D), j * D));
      feeds[`q${c}`] = new ort.Tensor('float32', q, [members.length, D]);
    }
    const out = await this.session.run(feeds);
    const bank = this.bank;
    for (const [c, win] of this.windows.rows.entries()) {
      const members = byColumn[c]!;
      if (win.length === 0 || members.length === 0) continue;
      const ic = out[`idx${c}`]!.data as BigInt64Array;
      members.forEach((i, j) => {
        const m = win[Number(ic[j])]!;
        let s = 0;
        for (let d = 0, qi = i * D, mi = m * D; d < D; d++) {
          const t = rows[qi + d]! - bank[mi + d]!;
          s += t * t;
        }
        dist[i] = Math.sqrt(s);
        idx[i] = m;
      });
    }
    return { dist, idx };
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}
