import type { GramPanels } from './gram-wasm-kernel';

/**
 * The Gram-matrix kernel behind the Pearson correlation, G[a][b] = sum_r X[r][a] * X[r][b] over
 * the variables label, pixel1..pixel784 (padded with zero variables to a multiple of 4).
 *
 * The inputs are uint8, so every product and every sum here is an integer below 2^53: the
 * float64 accumulation is exact, whatever the order of the additions.
 *
 * Layout: rows are taken in panels of `kc`; each panel is transposed into `panel`
 * (variable-major, kc float64 per variable) so that one 4x4 block of variables reads 8
 * contiguous runs; the 4 "a" runs (8 KB at kc = 256) stay in L1 while the "b" runs stream from
 * L2. Only blocks bj >= bi (the upper triangle) are computed.
 *
 * Padding variable 785 is the constant 1, so G[i][785] is the column sum of variable i.
 *
 * This function must stay self-contained (no imports, nothing from the enclosing scope): it is
 * also shipped to worker threads as source text.
 */
export function gramKernel(
  images: Uint8Array,
  labels: Uint8Array,
  n: number,
  blockRows: Int32Array,
  kc: number,
): GramPanels {
  const P = 784;
  const VP = 788; // 785 variables padded to 197 blocks of 4
  const NB = 197;
  const G = new Float64Array(VP * VP);
  const panel = new Float64Array(VP * kc);
  for (let r = 0; r < kc; r++) panel[785 * kc + r] = 1;
  const addPanel = (r0: number) => {
    const rows = Math.min(kc, n - r0);
    for (let r = 0; r < rows; r++) {
      panel[r] = labels[r0 + r];
      const src = (r0 + r) * P;
      let dst = kc + r;
      for (let p = 0; p < P; p++) {
        panel[dst] = images[src + p];
        dst += kc;
      }
    }
    for (let t = 0; t < blockRows.length; t++) {
      const bi = blockRows[t];
      const a0 = bi * 4 * kc;
      const a1 = a0 + kc;
      const a2 = a1 + kc;
      const a3 = a2 + kc;
      for (let bj = bi; bj < NB; bj++) {
        const b0 = bj * 4 * kc;
        const b1 = b0 + kc;
        const b2 = b1 + kc;
        const b3 = b2 + kc;
        let s00 = 0, s01 = 0, s02 = 0, s03 = 0;
        let s10 = 0, s11 = 0, s12 = 0, s13 = 0;
        let s20 = 0, s21 = 0, s22 = 0, s23 = 0;
        let s30 = 0, s31 = 0, s32 = 0, s33 = 0;
        for (let r = 0; r < rows; r++) {
          const x0 = panel[a0 + r];
          const x1 = panel[a1 + r];
          const x2 = panel[a2 + r];
          const x3 = panel[a3 + r];
          const y0 = panel[b0 + r];
          const y1 = panel[b1 + r];
          const y2 = panel[b2 + r];
          const y3 = panel[b3 + r];
          s00 += x0 * y0; s01 += x0 * y1; s02 += x0 * y2; s03 += x0 * y3;
          s10 += x1 * y0; s11 += x1 * y1; s12 += x1 * y2; s13 += x1 * y3;
          s20 += x2 * y0; s21 += x2 * y1; s22 += x2 * y2; s23 += x2 * y3;
          s30 += x3 * y0; s31 += x3 * y1; s32 += x3 * y2; s33 += x3 * y3;
        }
        const g0 = bi * 4 * VP + bj * 4;
        const g1 = g0 + VP;
        const g2 = g1 + VP;
        const g3 = g2 + VP;
        G[g0] += s00; G[g0 + 1] += s01; G[g0 + 2] += s02; G[g0 + 3] += s03;
        G[g1] += s10; G[g1 + 1] += s11; G[g1 + 2] += s12; G[g1 + 3] += s13;
        G[g2] += s20; G[g2 + 1] += s21; G[g2 + 2] += s22; G[g2 + 3] += s23;
        G[g3] += s30; G[g3 + 1] += s31; G[g3 + 2] += s32; G[g3 + 3] += s33;
      }
    }
  };
  return { panel: addPanel, result: () => G };
}
