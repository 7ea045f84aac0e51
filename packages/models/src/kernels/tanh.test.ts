import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { maxAbsDiff, runOn, seededArray, useBackend } from './kernel-test-utils';

describe('Tanh and its gradient (wasm, fmnist SIMD kernels)', () => {
  it('matches Math.tanh to float precision over the whole range, odd lengths, NaN', async () => {
    const data = new Float32Array([...seededArray(1001, 21, -12, 12), 0, -0, 1e-6, -3e-4, 5e-4, 9, -9, 40, -40, NaN]);
    const wasm = await runOn('wasm', 'Tanh', { x: { data, shape: [data.length] } }, {});
    for (let i = 0; i < data.length; i++) {
      const ref = Math.tanh(data[i]);
      if (Number.isNaN(ref)) expect(wasm.data[i]).toBeNaN();
      else expect(Math.abs(wasm.data[i] - ref)).toBeLessThan(3e-7 * Math.max(Math.abs(ref), 1e-3));
    }
  });

  it('gives the gradient of the cpu backend and of finite differences', async () => {
    const shape = [3, 5, 7, 2];
    const x = seededArray(210, 22, -3, 3);
    const dy = seededArray(210, 23);
    const grads: Record<string, Float32Array> = {};
    for (const be of ['cpu', 'wasm'] as const) {
      await useBackend(be);
      grads[be] = tf.tidy(() => tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.tanh(t), tf.tensor(dy, shape))))(tf.tensor(x, shape)).dataSync() as Float32Array);
    }
    expect(maxAbsDiff(grads.wasm, grads.cpu)).toBeLessThan(1e-6);
    const eps = 1e-2;
    for (let i = 0; i < 210; i += 17) {
      const fd = ((Math.tanh(x[i] + eps) - Math.tanh(x[i] - eps)) / (2 * eps)) * dy[i];
      expect(Math.abs(fd - grads.wasm[i])).toBeLessThan(1e-4);
    }
    // The fused kernel really runs on wasm (not the three-op formula).
    await useBackend('wasm');
    const prof = await tf.profile(() => tf.tidy(() => tf.grad((t: tf.Tensor) => tf.sum(tf.tanh(t)))(tf.tensor(x, shape))));
    expect(prof.kernels.map((k) => k.name)).toContain('FmnistTanhGrad');
  });
});
