/** Per-feature mean and standard deviation over n rows of dim features (row-major). */
export function fitStandardizer(x: Float32Array, n: number, dim: number): { mean: Float32Array; std: Float32Array } {
  const mean = new Float64Array(dim);
  const sq = new Float64Array(dim);
  for (let i = 0; i < n; i++) {
    const row = i * dim;
    for (let j = 0; j < dim; j++) {
      const v = x[row + j];
      mean[j] += v;
      sq[j] += v * v;
    }
  }
  const m = new Float32Array(dim);
  const s = new Float32Array(dim);
  for (let j = 0; j < dim; j++) {
    m[j] = mean[j] / n;
    s[j] = Math.sqrt(Math.max(0, sq[j] / n - (mean[j] / n) ** 2));
  }
  return { mean: m, std: s };
}

/** (x - mean) / std per feature, into `out` (a new array, or x itself); constant features (std ~ 0) become 0. */
export function applyStandardizer(x: Float32Array, dim: number, st: { mean: Float32Array; std: Float32Array }, out: Float32Array = new Float32Array(x.length)): Float32Array {
  for (let i = 0; i < x.length; i++) {
    const j = i % dim;
    const sd = st.std[j];
    out[i] = sd > 1e-6 ? (x[i] - st.mean[j]) / sd : 0;
  }
  return out;
}
