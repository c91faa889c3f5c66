/**
 * The greedy k-center coreset (coreset.ts) as one ONNX Loop, so that its n x k distance evaluations run in
 * onnxruntime's matrix kernels instead of a JavaScript loop (20 training images: 15.5 k candidates, 7.8 k picks,
 * 128-d projection: 30 s in JavaScript, about 1–2 s here on the same 2 cores).
 *
 *   proj = X · P [n, p]  (same Gaussian projection and seed as the JavaScript version)
 *   loop: c = proj[cur]; d² = ‖proj‖² − 2 proj·c + ‖c‖²; minD = min(minD, d²); minD[cur] = −1; cur = argmax minD
 *
 * Same algorithm, start and tie rule (first index of the maximum) as `greedyCoreset`; distances are computed as a
 * matrix-vector product in float32, so on data with near-ties an occasional pick can differ from the JavaScript
 * reference (on the screw training patches 99 % of the picks are the same set). A picked row is never picked again.
 */
import * as ort from 'onnxruntime-node';
import { GraphBuilder, attr, floatTensor, int64Tensor } from '../onnx/graph-builder.js';
import { DataType } from '../onnx/proto.js';
import { createSession, type ProviderName } from '../execution-provider.js';
import { gaussianMatrix, mulberry32 } from '../../common/random.js';

/** features [N, dim] -> proj [N, p] (or the features), its transpose [p, N] and squared norms [1, N]. */
export function buildProjectionGraph(dim: number, projection?: { matrix: Float32Array; outDim: number }): Uint8Array {
  const g = new GraphBuilder('coreset_projection', 13);
  const x = g.input('features', ['N', dim]);
  const proj = g.op(projection ? 'MatMul' : 'Identity', projection ? [x, g.initializer(floatTensor('cs_projection', [dim, projection.outDim], projection.matrix))] : [x], {}, 'proj');
  g.op('Transpose', [proj], { perm: attr.ints([1, 0]) }, 'proj_t');
  g.op('Transpose', [g.op('ReduceSumSquare', [proj], { axes: attr.ints([1]), keepdims: attr.int(1) })], { perm: attr.ints([1, 0]) }, 'sq');
  const p = projection?.outDim ?? dim;
  g.output('proj', ['N', p]);
  g.output('proj_t', [p, 'N']);
  g.output('sq', [1, 'N']);
  return g.build();
}

/**
 * The selection loop over fixed projected rows. They are initializers (constants), so onnxruntime packs the
 * [p, N] matrix once at load instead of at every step.
 */
export function buildCoresetGraph(proj: Float32Array, projT: Float32Array, sq: Float32Array, n: number, p: number): Uint8Array {
  const g = new GraphBuilder('greedy_coreset', 13);
  const trips = g.input('trips', [], DataType.INT64);
  const cond = g.input('cond', [], DataType.BOOL);
  const minD0 = g.input('min_d', [1, n]);
  const start = g.input('start', [1], DataType.INT64);
  const rows = g.initializer(floatTensor('cs_proj', [n, p], proj));
  const rowsT = g.initializer(floatTensor('cs_proj_t', [p, n], projT));
  const norms = g.initializer(floatTensor('cs_sq', [1, n], sq));
  const minus2 = g.initializer(floatTensor('cs_minus2', [], [-2]));
  const taken = g.initializer(floatTensor('cs_taken', [1, 1], [-1]));
  const axis0 = g.initializer(int64Tensor('cs_axis0', [1], [0]));

  const b = new GraphBuilder('greedy_coreset_step', 13);
  b.input('it', [], DataType.INT64);
  b.input('cond_in', [], DataType.BOOL);
  b.input('min_d_in', [1, n]);
  b.input('cur', [1], DataType.INT64);
  b.op('Identity', ['cond_in'], {}, 'cond_out');
  b.op('Identity', ['cur'], {}, 'picked');
  const c = b.op('Gather', [rows, 'cur'], { axis: attr.int(0) }); // [1, p]
  const csq = b.op('Gather', [norms, 'cur'], { axis: attr.int(1) }); // [1, 1]
  const d2 = b.op('Add', [b.op('Add', [b.op('Mul', [b.op('MatMul', [c, rowsT]), minus2]), norms]), csq]); // [1, N]
  const m = b.op('Min', ['min_d_in', d2]);
  const minDOut = b.op('ScatterElements', [m, b.op('Unsqueeze', ['cur', axis0]), taken], { axis: attr.int(1) }, 'min_d_out');
  b.op('ArgMax', [minDOut], { axis: attr.int(1), keepdims: attr.int(0) }, 'next');
  b.output('cond_out', [], DataType.BOOL);
  b.output('min_d_out', [1, n]);
  b.output('next', [1], DataType.INT64);
  b.output('picked', [1], DataType.INT64);

  g.node('Loop', [trips, cond, minD0, start], { body: attr.graph(b.subgraph()) }, ['min_d_final', 'last', 'selected']);
  g.output('min_d_final', [1, n]);
  g.output('last', [1], DataType.INT64);
  g.output('selected', ['K', 1], DataType.INT64);
  return g.build();
}

/** Picks per session run: between runs the caller's signal is checked and progress reported. */
const CHUNK = 1024;

/**
 * Greedy k-center selection on onnxruntime. Same contract as `greedyCoreset`.
 * @returns indices of the `count` selected rows, in selection order
 */
export async function greedyCoresetOnnx(
  features: Float32Array,
  n: number,
  dim: number,
  count: number,
  opts: { projectionDim: number; seed: number; signal?: AbortSignal; provider?: ProviderName; onProgress?: (done: number, total: number) => void },
): Promise<Int32Array> {
  if (count >= n) return Int32Array.from({ length: n }, (_, i) => i);
  const p = Math.min(opts.projectionDim, dim);
  const projection = p < dim ? { matrix: gaussianMatrix(dim, p, opts.seed + 1), outDim: p } : undefined;
  const pre = await createSession(buildProjectionGraph(dim, projection), opts.provider);
  let projected: ort.InferenceSession.OnnxValueMapType;
  try {
    projected = await pre.session.run({ features: new ort.Tensor('float32', features.subarray(0, n * dim), [n, dim]) });
  } finally {
    await pre.session.release();
  }
  const data = (k: string): Float32Array => projected[k]!.data as Float32Array;
  // One thread: each step is small (a [1, p] x [p, N] product and a few [1, N] ops), so splitting it costs more
  // in synchronisation than it saves, and the other core stays free for live inspection.
  const { session } = await createSession(buildCoresetGraph(data('proj'), data('proj_t'), data('sq'), n, p), opts.provider, { intraOpNumThreads: Number(process.env.STATION_CORESET_THREADS) || 1 });
  try {
    const selected = new Int32Array(count);
    const cond = new ort.Tensor('bool', Uint8Array.from([1]), []);
    let minD: Float32Array = new Float32Array(n).fill(Infinity);
    let current = BigInt(Math.floor(mulberry32(opts.seed)() * n));
    for (let done = 0; done < count; ) {
      if (opts.signal?.aborted) throw opts.signal.reason ?? new DOMException('cancelled', 'AbortError');
      const trips = Math.min(CHUNK, count - done);
      const out = await session.run({
        trips: new ort.Tensor('int64', BigInt64Array.from([BigInt(trips)]), []),
        cond,
        min_d: new ort.Tensor('float32', minD, [1, n]),
        start: new ort.Tensor('int64', BigInt64Array.from([current]), [1]),
      });
      const picks = out.selected!.data as BigInt64Array;
      for (let i = 0; i < trips; i++) selected[done + i] = Number(picks[i]);
      minD = out.min_d_final!.data as Float32Array;
      current = (out.last!.data as BigInt64Array)[0]!;
      done += trips;
      opts.onProgress?.(done, count);
    }
    return selected;
  } finally {
    await session.release();
  }
}
