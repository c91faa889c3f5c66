/**
 * Nearest-neighbour search against the memory bank M as an ONNX graph, so it runs on the backbone's
 * execution provider and uses its matrix kernels.
 *
 *   queries [Q, D], k [1] (int64)
 *   d²(q, m) = ‖q‖² − 2 q·m + ‖m‖²      with M stored transposed [D, |M|] and ‖m‖² precomputed [1, |M|]
 *   -> TopK smallest k per row -> dist [Q, k] = sqrt(max(d², 0)), idx [Q, k] (int64)
 */
import * as ort from 'onnxruntime-node';
import { GraphBuilder, attr, floatTensor } from '../onnx/graph-builder.js';
import { DataType } from '../onnx/proto.js';
import { createSession, type ProviderName } from '../execution-provider.js';

export function buildNearestNeighbourGraph(bank: Float32Array, count: number, dim: number): Uint8Array {
  const bankT = new Float32Array(dim * count);
  const sq = new Float32Array(count);
  for (let m = 0; m < count; m++) {
    let s = 0;
    for (let d = 0; d < dim; d++) {
      const v = bank[m * dim + d]!;
      bankT[d * count + m] = v;
      s += v * v;
    }
    sq[m] = s;
  }
  const g = new GraphBuilder('nearest_neighbours', 13);
  const q = g.input('queries', ['Q', dim]);
  const k = g.input('k', [1], DataType.INT64);
  const bt = g.initializer(floatTensor('bank_t', [dim, count], bankT));
  const bsq = g.initializer(floatTensor('bank_sq', [1, count], sq));
  const two = g.initializer(floatTensor('two', [], [2]));
  const qsq = g.op('ReduceSumSquare', [q], { axes: attr.ints([1]), keepdims: attr.int(1) });
  const cross = g.op('Mul', [g.op('MatMul', [q, bt]), two]);
  const d2 = g.op('Add', [g.op('Sub', [qsq, cross]), bsq]);
  const [vals, idx] = g.node('TopK', [d2, k], { axis: attr.int(1), largest: attr.int(0), sorted: attr.int(1) }, ['d2_topk', 'idx']);
  g.op('Sqrt', [g.op('Relu', [vals!])], {}, 'dist');
  g.output('dist', ['Q', 'K']);
  g.output(idx!, ['Q', 'K'], DataType.INT64);
  return g.build();
}

/** Exact k-nearest-neighbour search over a fixed bank. */
export class NearestNeighbourSearch {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly size: number,
    readonly dim: number,
    readonly executionProvider: ProviderName,
  ) {}

  static async create(bank: Float32Array, count: number, dim: number, provider?: ProviderName): Promise<NearestNeighbourSearch> {
    const { session, provider: used } = await createSession(buildNearestNeighbourGraph(bank, count, dim), provider);
    return new NearestNeighbourSearch(session, count, dim, used);
  }

  /**
   * @param queries [n, D] row-major
   * @returns dist [n, k] and idx [n, k], nearest first
   */
  async search(queries: Float32Array, n: number, k = 1): Promise<{ dist: Float32Array; idx: Int32Array }> {
    k = Math.min(k, this.size);
    const dist = new Float32Array(n * k);
    const idx = new Int32Array(n * k);
    // Chunks bound the [chunk, |M|] distance matrix's memory.
    const chunk = Math.max(1, Math.floor(2 ** 24 / this.size));
    const kTensor = new ort.Tensor('int64', BigInt64Array.from([BigInt(k)]), [1]);
    for (let start = 0; start < n; start += chunk) {
      const rows = Math.min(chunk, n - start);
      const q = new ort.Tensor('float32', queries.subarray(start * this.dim, (start + rows) * this.dim), [rows, this.dim]);
      const out = await this.session.run({ queries: q, k: kTensor });
      dist.set(out.dist!.data as Float32Array, start * k);
      const ix = out.idx!.data as BigInt64Array;
      for (let i = 0; i < ix.length; i++) idx[start * k + i] = Number(ix[i]);
    }
    return { dist, idx };
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}
