import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { dropoutMask, SeededDropout } from '../seeded-dropout';
import { deriveSeed } from '../rng';
import { seededArray, useBackend } from './kernel-test-utils';

/** SeededDropout's output and its gradient (of sum(y * w)) on a backend, at training step `step`. */
async function run(backend: 'wasm' | 'cpu', rate: number, n: number, step: number) {
  await useBackend(backend);
  const layer = new SeededDropout({ rate, seed: 11 });
  return tf.tidy(() => {
    const x = tf.tensor(seededArray(n, 1), [n]);
    const w = tf.tensor(seededArray(n, 2), [n]);
    layer.step = step;
    const y = layer.apply(x, { training: true }) as tf.Tensor;
    layer.step = step;
    const dx = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(layer.apply(xx, { training: true }) as tf.Tensor, w)))(x);
    return { y: y.dataSync() as Float32Array, dx: dx.dataSync() as Float32Array, x: seededArray(n, 1), w: seededArray(n, 2) };
  });
}

describe('FmnistDropout (wasm): the dropout mask drawn in the kernel', () => {
  for (const [rate, n] of [[0.3, 1001], [0.5, 4], [0.9, 7], [1 - 2 ** -33, 9]]) {
    it(`gives SeededDropout the masks of its JavaScript path bit for bit, forward and gradient: rate ${rate}, ${n} values`, async () => {
      const wasm = await run('wasm', rate, n, 5);
      const cpu = await run('cpu', rate, n, 5);
      const mask = dropoutMask(deriveSeed(11, 5), rate, n);
      expect(Array.from(wasm.y)).toEqual(Array.from(cpu.y));
      expect(Array.from(wasm.dx)).toEqual(Array.from(cpu.dx));
      expect(Array.from(wasm.y)).toEqual(Array.from(wasm.x, (v, i) => Math.fround(v * mask[i])));
      expect(Array.from(wasm.dx)).toEqual(Array.from(wasm.w, (v, i) => Math.fround(v * mask[i])));
      if (n > 100) expect(wasm.y.filter((v) => v === 0).length / n).toBeCloseTo(rate, 1);
    });
  }

  it('is what SeededDropout runs on wasm, a new mask each step', async () => {
    const [a, b] = [await run('wasm', 0.5, 64, 1), await run('wasm', 0.5, 64, 2)];
    expect(Array.from(a.y)).not.toEqual(Array.from(b.y));
    const layer = new SeededDropout({ rate: 0.5, seed: 3 });
    const x = tf.ones([8]);
    const profile = await tf.profile(() => layer.apply(x, { training: true }) as tf.Tensor);
    expect(profile.kernels.map((k) => k.name)).toEqual(['FmnistDropout']);
    tf.dispose([x, profile.result as tf.Tensor]);
  });
});
