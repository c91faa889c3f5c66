/**
 * Greedy k-center coreset selection (Roth et al. 2022, Algorithm 1): picks M_C ⊂ M so that every patch
 * feature in M is close to some element of M_C, which keeps rare normal patterns that random sampling loses.
 * Distances are computed on a random projection ψ: R^D -> R^d' (Johnson-Lindenstrauss) for speed.
 */
import { mulberry32, gaussianMatrix } from '../../common/random.js';

/**
 * @param features [n, dim] row-major
 * @returns indices of the `count` selected rows, in selection order
 */
export function greedyCoreset(
  features: Float32Array,
  n: number,
  dim: number,
  count: number,
  opts: { projectionDim: number; seed: number; signal?: AbortSignal },
): Int32Array {
  if (count >= n) return Int32Array.from({ length: n }, (_, i) => i);
  const p = Math.min(opts.projectionDim, dim);
  let proj = features;
  if (p < dim) {
    const P = gaussianMatrix(dim, p, opts.seed + 1); // [dim, p]
    proj = new Float32Array(n * p);
    for (let i = 0; i < n; i++) {
      const row = i * dim;
      const out = i * p;
      for (let d = 0; d < dim; d++) {
        const v = features[row + d]!;
        if (v === 0) continue;
        const pr = d * p;
        for (let j = 0; j < p; j++) proj[out + j]! += v * P[pr + j]!;
      }
    }
  }
  const minDist = new Float32Array(n).fill(Infinity);
  const selected = new Int32Array(count);
  let current = Math.floor(mulberry32(opts.seed)() * n);
  for (let it = 0; it < count; it++) {
    if (opts.signal?.aborted) throw opts.signal.reason ?? new DOMException('cancelled', 'AbortError');
    selected[it] = current;
    const c = current * p;
    let best = -1;
    let bestD = -1;
    for (let i = 0; i < n; i++) {
      const r = i * p;
      let s = 0;
      for (let j = 0; j < p; j++) {
        const diff = proj[r + j]! - proj[c + j]!;
        s += diff * diff;
      }
      if (s < minDist[i]!) minDist[i] = s;
      if (minDist[i]! > bestD) {
        bestD = minDist[i]!;
        best = i;
      }
    }
    current = best;
  }
  return selected;
}
