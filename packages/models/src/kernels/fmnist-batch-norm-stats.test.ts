import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { FMNIST_BN_STATS } from './fmnist-batch-norm-stats';
import { maxAbsDiff, seededArray, useBackend } from './kernel-test-utils';

/** tf.moments over every axis but the last, in float64 on the cpu backend's data: the reference. */
function moments64(x: Float32Array, C: number): { mean: Float32Array; variance: Float32Array } {
  const rows = x.length / C;
  const mean = new Float64Array(C);
  const variance = new Float64Array(C);
  for (let i = 0; i < x.length; i++) mean[i % C] += x[i] / rows;
  for (let i = 0; i < x.length; i++) variance[i % C] += (x[i] - mean[i % C]) ** 2 / rows;
  return { mean: Float32Array.from(mean), variance: Float32Array.from(variance) };
}

describe('FmnistBatchNormStats (wasm): batch mean and variance in one pass', () => {
  const cases = [
    { shape: [125, 14, 14, 64], lo: -3, hi: 5, what: 'a conv layer of the strong CNN (many 256-row blocks)' },
    { shape: [7, 20], lo: -1, hi: 1, what: 'fewer rows than the shift estimate uses, 16 + 4 channels' },
    { shape: [300, 4], lo: 1000, hi: 1001, what: 'a mean 1000 standard deviations off zero (no cancellation)' },
    { shape: [1, 8], lo: -1, hi: 1, what: 'one row (variance 0)' },
  ];
  for (const c of cases) {
    it(`matches float64 moments within float32 rounding: ${c.what}`, async () => {
      await useBackend('wasm');
      const C = c.shape[c.shape.length - 1];
      const x = seededArray(c.shape.reduce((a, b) => a * b, 1), 17, c.lo, c.hi);
      const out = tf.tidy(() => (tf.engine().runKernel(FMNIST_BN_STATS, { x: tf.tensor(x, c.shape) }) as tf.Tensor).dataSync() as Float32Array);
      const ref = moments64(x, C);
      const spread = c.hi - c.lo;
      expect(maxAbsDiff(out.subarray(0, C), ref.mean)).toBeLessThan(1e-6 * Math.max(Math.abs(c.lo), Math.abs(c.hi)) + 1e-6);
      expect(maxAbsDiff(out.subarray(C), ref.variance)).toBeLessThan(1e-4 * spread * spread);
      expect(Math.min(...out.subarray(C))).toBeGreaterThanOrEqual(0);
    });
  }
});
