// Tile, Mean, FusedBatchNorm and Cast: the kernels a batch-norm layer's training step leans on.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { maxAbs, maxAbsDiff, runOn, seededArray, useBackend } from './kernel-test-utils';

describe('batch-norm kernels (wasm, fmnist)', () => {
  const tiles: { shape: number[]; reps: number[] }[] = [
    { shape: [1, 1, 1, 6], reps: [3, 5, 7, 1] }, // a channel vector over N,H,W (batch-norm gradient)
    { shape: [2, 3, 1, 5], reps: [2, 1, 4, 3] }, // every axis, odd row length
    { shape: [3, 2], reps: [2, 3] }, // rank 2
    { shape: [4], reps: [5] }, // rank 1
    { shape: [1, 2, 1, 1, 3], reps: [2, 1, 2, 1, 2] }, // rank 5: upstream
  ];
  for (const c of tiles) {
    it(`Tile matches the cpu backend: ${c.shape} x ${c.reps}`, async () => {
      const x = { data: seededArray(c.shape.reduce((a, b) => a * b, 1), 61), shape: c.shape };
      const wasm = await runOn('wasm', 'Tile', { x }, { reps: c.reps });
      const cpu = await runOn('cpu', 'Tile', { x }, { reps: c.reps });
      expect(wasm.shape).toEqual(cpu.shape);
      expect(maxAbsDiff(wasm.data, cpu.data)).toBe(0);
    });
  }

  const means: { shape: number[]; axis: number[]; keepDims: boolean }[] = [
    { shape: [20, 7, 7, 12], axis: [0, 1, 2], keepDims: false },
    { shape: [20, 7, 7, 5], axis: [0, 1, 2], keepDims: true },
    { shape: [300, 9], axis: [0], keepDims: false },
    { shape: [6, 9, 4], axis: [2], keepDims: false }, // upstream
  ];
  for (const c of means) {
    it(`Mean matches the cpu backend: ${c.shape} axis ${c.axis} keepDims ${c.keepDims}`, async () => {
      const x = { data: seededArray(c.shape.reduce((a, b) => a * b, 1), 62), shape: c.shape };
      const wasm = await runOn('wasm', 'Mean', { x }, { axis: c.axis, keepDims: c.keepDims });
      const cpu = await runOn('cpu', 'Mean', { x }, { axis: c.axis, keepDims: c.keepDims });
      expect(wasm.shape).toEqual(cpu.shape);
      expect(maxAbsDiff(wasm.data, cpu.data)).toBeLessThan(1e-6);
    });
  }

  for (const withAffine of [true, false]) {
    it(`FusedBatchNorm matches the cpu backend (${withAffine ? 'with' : 'without'} offset and scale)`, async () => {
      const shape = [3, 5, 4, 7];
      const C = 7;
      const x = { data: seededArray(420, 63, -3, 3), shape };
      const ins: Record<string, { data: Float32Array; shape: number[] }> = {
        x, mean: { data: seededArray(C, 64), shape: [C] }, variance: { data: seededArray(C, 65, 0.1, 2), shape: [C] },
      };
      if (withAffine) {
        ins.offset = { data: seededArray(C, 66), shape: [C] };
        ins.scale = { data: seededArray(C, 67, 0.5, 1.5), shape: [C] };
      }
      const wasm = await runOn('wasm', 'FusedBatchNorm', ins, { varianceEpsilon: 1e-3 });
      const cpu = await runOn('cpu', 'FusedBatchNorm', ins, { varianceEpsilon: 1e-3 });
      expect(maxAbsDiff(wasm.data, cpu.data)).toBeLessThan(1e-5 * Math.max(1, maxAbs(cpu.data)));
    });
  }

  it('a batch-norm layer gives the same training-mode gradients on wasm as on cpu', async () => {
    const shape = [4, 6, 6, 8];
    const x = seededArray(1152, 68, -2, 2);
    const dy = seededArray(1152, 69);
    const grads: Record<string, Float32Array[]> = {};
    for (const be of ['cpu', 'wasm'] as const) {
      await useBackend(be);
      grads[be] = tf.tidy(() => {
        const layer = tf.layers.batchNormalization({ gammaInitializer: 'ones', betaInitializer: 'zeros' });
        const xt = tf.tensor4d(x, shape as [number, number, number, number]);
        layer.apply(xt, { training: true }); // build
        const f = (t: tf.Tensor) => tf.sum(tf.mul(layer.apply(t, { training: true }) as tf.Tensor, tf.tensor(dy, shape)));
        const { value, grads: g } = tf.variableGrads(() => f(xt) as tf.Scalar);
        const gx = tf.grad(f)(xt);
        return [value.dataSync() as Float32Array, gx.dataSync() as Float32Array, ...Object.values(g).map((t) => t.dataSync() as Float32Array)];
      });
    }
    expect(grads.wasm.length).toBe(grads.cpu.length);
    grads.wasm.forEach((g, i) => expect(maxAbsDiff(g, grads.cpu[i])).toBeLessThan(1e-4 * Math.max(1, maxAbs(grads.cpu[i]))));
  });

  for (const C of [8, 6]) {
    it(`a batch-norm layer's training-mode gradients on wasm match finite differences (${C} channels${C % 4 ? ', fallback formulas' : ', fused kernel'})`, async () => {
      await useBackend('wasm');
      const shape = [3, 5, 4, C] as [number, number, number, number];
      const n = shape.reduce((a, b) => a * b, 1);
      const x0 = seededArray(n, 71, -2, 2);
      const dy = seededArray(n, 72);
      const gamma0 = seededArray(C, 73, 0.5, 1.5);
      const beta0 = seededArray(C, 74);
      const bn = (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
        const { mean, variance } = tf.moments(x, [0, 1, 2]);
        return tf.batchNorm(x, mean, variance, b, g, 1e-3);
      };
      const dyT = tf.tensor4d(dy, shape);
      const [gx, gg, gb] = tf.tidy(() => tf.grads((x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(bn(x, g, b), dyT)))(
        [tf.tensor4d(x0, shape), tf.tensor1d(gamma0), tf.tensor1d(beta0)],
      ).map((t) => t.dataSync() as Float32Array));
      // Central differences, the two outputs subtracted element by element before the sum.
      const dLoss = (xp: Float32Array, xm: Float32Array, gp: Float32Array, gm: Float32Array, bp: Float32Array, bm: Float32Array) => {
        const d = tf.tidy(() => tf.sub(bn(tf.tensor4d(xp, shape), tf.tensor1d(gp), tf.tensor1d(bp)), bn(tf.tensor4d(xm, shape), tf.tensor1d(gm), tf.tensor1d(bm))).dataSync());
        let s = 0;
        for (let i = 0; i < n; i++) s += d[i] * dy[i];
        return s;
      };
      const eps = 1e-2;
      for (const i of [0, 7, Math.floor(n / 2), n - 1]) {
        const xp = x0.slice(); xp[i] += eps;
        const xm = x0.slice(); xm[i] -= eps;
        const fd = dLoss(xp, xm, gamma0, gamma0, beta0, beta0) / (2 * eps);
        expect(Math.abs(fd - gx[i])).toBeLessThan(5e-3 * Math.max(1, Math.abs(fd)));
      }
      for (const c of [0, C - 1]) {
        const gp = gamma0.slice(); gp[c] += eps;
        const gm = gamma0.slice(); gm[c] -= eps;
        expect(Math.abs(dLoss(x0, x0, gp, gm, beta0, beta0) / (2 * eps) - gg[c])).toBeLessThan(5e-3);
        const bp = beta0.slice(); bp[c] += eps;
        const bm = beta0.slice(); bm[c] -= eps;
        expect(Math.abs(dLoss(x0, x0, gamma0, gamma0, bp, bm) / (2 * eps) - gb[c])).toBeLessThan(5e-3);
      }
      dyT.dispose();
    });
  }

  it('the fused reduction kernel is what the wasm batch-norm gradient runs', async () => {
    await useBackend('wasm');
    const x = seededArray(2 * 3 * 3 * 4, 75);
    const prof = await tf.profile(() => tf.tidy(() => tf.grad((t: tf.Tensor) => {
      const { mean, variance } = tf.moments(t, [0, 1, 2]);
      return tf.sum(tf.batchNorm(t, mean, variance, tf.zeros([4]), tf.ones([4]), 1e-3));
    })(tf.tensor4d(x, [2, 3, 3, 4]))));
    const names = prof.kernels.map((k) => k.name);
    expect(names).toContain('FmnistBatchNormGradSums');
    expect(names).not.toContain('Tile');
  });

  it('Cast to the same dtype shares the data; other casts convert', async () => {
    const data = seededArray(100, 70, -5, 5);
    const same = await runOn('wasm', 'Cast', { x: { data, shape: [100] } }, { dtype: 'float32' });
    expect(Array.from(same.data)).toEqual(Array.from(data));
    await useBackend('wasm');
    const ints = tf.tidy(() => tf.cast(tf.tensor(data), 'int32').dataSync());
    expect(Array.from(ints)).toEqual(Array.from(data, (v) => Math.trunc(v) | 0));
  });
});
