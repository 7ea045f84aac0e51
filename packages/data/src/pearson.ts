import { NUM_VARIABLES, PIXELS } from './constants';
import { GRAM_STRIDE, ONES_VARIABLE, gram, gramParallel, type GramKernelName } from './gram';
import type { OnProgress, Split } from './types';
import type { PixelCorrelation } from '@fmnist/core';

/**
 * Pearson correlation matrix from the exact integer Gram matrix:
 * r_ij = (n*S_ij - s_i*s_j) / sqrt((n*S_ii - s_i^2) (n*S_jj - s_j^2)).
 * Numerators are exact integers (below 2^53 for n < 370,000 rows of uint8), so there is no
 * cancellation error. pandas semantics: a constant column (zero variance) gives NaN in its row
 * and column, including the diagonal.
 */
export function correlationFromGram(G: Float64Array, n: number): Float64Array {
  const V = NUM_VARIABLES;
  const S = GRAM_STRIDE;
  const sums = new Float64Array(V);
  const den = new Float64Array(V);
  for (let i = 0; i < V; i++) {
    sums[i] = G[i * S + ONES_VARIABLE];
    den[i] = n * G[i * S + i] - sums[i] * sums[i];
  }
  const R = new Float64Array(V * V);
  for (let i = 0; i < V; i++) {
    for (let j = i; j < V; j++) {
      let r: number;
      if (n < 2 || den[i] <= 0 || den[j] <= 0) r = NaN;
      else if (i === j) r = 1;
      else {
        r = (n * G[i * S + j] - sums[i] * sums[j]) / Math.sqrt(den[i] * den[j]);
        if (r > 1) r = 1;
        else if (r < -1) r = -1;
      }
      R[i * V + j] = r;
      R[j * V + i] = r;
    }
  }
  return R;
}

/** 785x785 Pearson correlation (row-major; variables label, pixel1..pixel784) on this thread. */
export function pearson(s: Split, onProgress?: OnProgress, kernel?: GramKernelName): Float64Array {
  return correlationFromGram(gram(s, { onProgress, kernel }), s.n);
}

/** `pearson` computed on worker threads (default: all cores). */
export async function pearsonParallel(
  s: Split,
  o: { threads?: number; kernel?: GramKernelName; onProgress?: OnProgress } = {},
): Promise<Float64Array> {
  return correlationFromGram(await gramParallel(s, o), s.n);
}

export type { PixelCorrelation };

/** The pixels most correlated with the label, by |r| (NaN excluded). */
export function topCorrelatedPixels(R: Float64Array, k = 20): PixelCorrelation[] {
  const out: PixelCorrelation[] = [];
  for (let p = 1; p <= PIXELS; p++) {
    const r = R[p];
    if (!Number.isNaN(r)) out.push({ pixel: p, row: Math.floor((p - 1) / 28), col: (p - 1) % 28, r });
  }
  out.sort((a, b) => Math.abs(b.r) - Math.abs(a.r) || a.pixel - b.pixel);
  return out.slice(0, k);
}
