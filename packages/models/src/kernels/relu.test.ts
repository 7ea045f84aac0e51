import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { maxAbsDiff, seededArray, useBackend } from './kernel-test-utils';

describe('Relu gradient (wasm, fmnist SIMD kernel)', () => {
  it('matches the cpu backend and finite differences, zeros and odd lengths included', async () => {
    const x = seededArray(1001, 81, -2, 2);
    for (const i of [3, 10, 500]) x[i] = 0;
    const dy = seededArray(1001, 82);
    const grads: Record<string, Float32Array> = {};
    for (const be of ['cpu', 'wasm'] as const) {
      await useBackend(be);
      grads[be] = tf.tidy(() => tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.relu(t), tf.tensor(dy))))(tf.tensor(x)).dataSync() as Float32Array);
    }
    expect(maxAbsDiff(grads.wasm, grads.cpu)).toBe(0);
    for (let i = 0; i < x.length; i += 37) {
      if (Math.abs(x[i]) < 1e-2) continue; // the kink
      const fd = ((Math.max(x[i] + 1e-3, 0) - Math.max(x[i] - 1e-3, 0)) / 2e-3) * dy[i];
      expect(Math.abs(fd - grads.wasm[i])).toBeLessThan(1e-4);
    }
    await useBackend('wasm');
    const prof = await tf.profile(() => tf.tidy(() => tf.grad((t: tf.Tensor) => tf.sum(tf.relu(t)))(tf.tensor(x))));
    expect(prof.kernels.map((k) => k.name)).toContain('FmnistReluGrad');
  });
});
