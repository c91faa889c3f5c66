/** Seeded randomness, so training is reproducible. */

/** mulberry32: small, fast 32-bit PRNG; returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** [rows, cols] matrix of N(0, 1/cols) entries (Box-Muller), row-major. */
export function gaussianMatrix(rows: number, cols: number, seed: number): Float32Array {
  const rnd = mulberry32(seed);
  const out = new Float32Array(rows * cols);
  const scale = 1 / Math.sqrt(cols);
  for (let i = 0; i < out.length; i += 2) {
    const u = Math.max(rnd(), 1e-12);
    const v = rnd();
    const r = Math.sqrt(-2 * Math.log(u));
    out[i] = r * Math.cos(2 * Math.PI * v) * scale;
    if (i + 1 < out.length) out[i + 1] = r * Math.sin(2 * Math.PI * v) * scale;
  }
  return out;
}
