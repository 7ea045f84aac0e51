import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import { conv2DBackpropFilterOptions } from './conv2d-backprop-filter';
import { maxAbs, maxAbsDiff, runOn, seededArray, useBackend } from './kernel-test-utils';

interface Case { b: number; h: number; w: number; ci: number; co: number; k: [number, number]; s: [number, number]; pad: 'same' | 'valid' }

const CASES: Case[] = [
  { b: 3, h: 9, w: 9, ci: 1, co: 4, k: [3, 3], s: [1, 1], pad: 'valid' },
  { b: 2, h: 7, w: 8, ci: 3, co: 5, k: [3, 3], s: [1, 1], pad: 'same' },
  { b: 2, h: 9, w: 7, ci: 4, co: 3, k: [3, 3], s: [2, 2], pad: 'valid' },
  { b: 2, h: 10, w: 9, ci: 2, co: 6, k: [3, 2], s: [2, 2], pad: 'same' },
  { b: 4, h: 8, w: 8, ci: 5, co: 7, k: [5, 5], s: [1, 2], pad: 'same' },
  { b: 2, h: 13, w: 13, ci: 8, co: 16, k: [3, 3], s: [1, 1], pad: 'valid' },
  // Output channels a multiple of 4: the SIMD kernel (the others take the XNNPACK formulation).
  { b: 3, h: 28, w: 28, ci: 1, co: 32, k: [3, 3], s: [1, 1], pad: 'valid' },
  { b: 2, h: 9, w: 8, ci: 3, co: 8, k: [3, 3], s: [2, 2], pad: 'same' },
  { b: 2, h: 7, w: 7, ci: 5, co: 12, k: [2, 3], s: [1, 1], pad: 'same' },
  { b: 5, h: 11, w: 10, ci: 7, co: 20, k: [3, 3], s: [2, 1], pad: 'valid' },
  // STRONG_CNN's second layer: full 2x16 register tiles over several row blocks per image.
  { b: 2, h: 14, w: 14, ci: 32, co: 64, k: [3, 3], s: [1, 1], pad: 'same' },
];

function outSize(n: number, k: number, s: number, pad: 'same' | 'valid'): number {
  return pad === 'same' ? Math.ceil(n / s) : Math.floor((n - k) / s) + 1;
}

describe('Conv2DBackpropFilter (wasm, fmnist kernel)', () => {
  for (const c of CASES) {
    const name = `${c.b}x${c.h}x${c.w}x${c.ci} -> ${c.co}, k${c.k.join('x')} s${c.s.join('x')} ${c.pad}`;
    it(`matches the cpu backend and finite differences: ${name}`, async () => {
      const oh = outSize(c.h, c.k[0], c.s[0], c.pad);
      const ow = outSize(c.w, c.k[1], c.s[1], c.pad);
      const x = { data: seededArray(c.b * c.h * c.w * c.ci, 1), shape: [c.b, c.h, c.w, c.ci] };
      const dy = { data: seededArray(c.b * oh * ow * c.co, 2), shape: [c.b, oh, ow, c.co] };
      const filterShape = [c.k[0], c.k[1], c.ci, c.co];
      const attrs = { strides: c.s, pad: c.pad, dataFormat: 'NHWC', dimRoundingMode: undefined, filterShape };
      const wasm = await runOn('wasm', 'Conv2DBackpropFilter', { x, dy }, attrs);
      const cpu = await runOn('cpu', 'Conv2DBackpropFilter', { x, dy }, attrs);
      expect(wasm.shape).toEqual(filterShape);
      expect(maxAbsDiff(wasm.data, cpu.data)).toBeLessThan(1e-4 * Math.max(1, maxAbs(cpu.data)));

      // Finite differences of L(w) = sum(conv2d(x, w) * dy) with the forward op on wasm. L is
      // linear in w, so a unit step is exact up to float rounding.
      await useBackend('wasm');
      const w0 = seededArray(filterShape.reduce((a, b) => a * b, 1), 3);
      const loss = (w: Float32Array) =>
        tf.tidy(() => {
          const y = tf.conv2d(tf.tensor4d(x.data, x.shape as [number, number, number, number]), tf.tensor4d(w, filterShape as [number, number, number, number]), c.s, c.pad);
          return tf.sum(tf.mul(y, tf.tensor(dy.data, dy.shape))).dataSync()[0];
        });
      for (const i of [0, 1, Math.floor(w0.length / 2), w0.length - 1]) {
        const wp = w0.slice(); wp[i] += 1;
        const wm = w0.slice(); wm[i] -= 1;
        const fd = (loss(wp) - loss(wm)) / 2;
        expect(Math.abs(fd - wasm.data[i])).toBeLessThan(2e-3 * Math.max(1, Math.abs(fd)));
      }
    });
  }

  it('is what tf.grad uses for conv2d filters on wasm', async () => {
    await useBackend('wasm');
    const before = tf.memory().numTensors;
    const g = tf.tidy(() => {
      const x = tf.tensor4d(seededArray(2 * 6 * 6 * 2, 4), [2, 6, 6, 2]);
      const f = (w: tf.Tensor) => tf.sum(tf.conv2d(x, w as tf.Tensor4D, 1, 'same'));
      return tf.grad(f)(tf.tensor4d(seededArray(3 * 3 * 2 * 3, 5), [3, 3, 2, 3])).dataSync() as Float32Array;
    });
    expect(g.length).toBe(54);
    expect(maxAbs(g)).toBeGreaterThan(0);
    expect(tf.memory().numTensors).toBe(before);
  });
});

// 3x3 filters, stride 1, on 8 or more input channels (a multiple of 4): Winograd's F(3x3, 2x2) over
// 2x2 tiles of dy taken 32 at a time across the batch, so these cover tiles cut by the bottom and
// right edges, a last block that is not full, blocks spanning images, every slice width of the
// output channels, each padding, and an image smaller than the filter.
const WINO_CASES: { b: number; h: number; w: number; ci: number; co: number; pad: 'same' | 'valid' }[] = [
  { b: 2, h: 28, w: 28, ci: 32, co: 32, pad: 'same' },
  { b: 2, h: 14, w: 14, ci: 64, co: 32, pad: 'same' },
  { b: 3, h: 5, w: 7, ci: 8, co: 20, pad: 'same' },
  { b: 2, h: 9, w: 6, ci: 12, co: 4, pad: 'valid' },
  { b: 3, h: 4, w: 3, ci: 16, co: 8, pad: 'valid' },
  { b: 1, h: 2, w: 1, ci: 8, co: 12, pad: 'same' },
];

describe('Conv2DBackpropFilter by Winograd (wasm, fmnist kernel)', () => {
  afterEach(() => {
    conv2DBackpropFilterOptions.winograd = true;
  });
  for (const c of WINO_CASES) {
    it(`matches the direct kernel and the cpu backend: ${c.b}x${c.h}x${c.w}x${c.ci} -> ${c.co}, k3x3 s1x1 ${c.pad}`, async () => {
      const oh = outSize(c.h, 3, 1, c.pad);
      const ow = outSize(c.w, 3, 1, c.pad);
      const x = { data: seededArray(c.b * c.h * c.w * c.ci, 21), shape: [c.b, c.h, c.w, c.ci] };
      const dy = { data: seededArray(c.b * oh * ow * c.co, 22), shape: [c.b, oh, ow, c.co] };
      const filterShape = [3, 3, c.ci, c.co];
      const attrs = { strides: [1, 1], pad: c.pad, dataFormat: 'NHWC', dimRoundingMode: undefined, filterShape };
      const wino = await runOn('wasm', 'Conv2DBackpropFilter', { x, dy }, attrs);
      conv2DBackpropFilterOptions.winograd = false;
      const direct = await runOn('wasm', 'Conv2DBackpropFilter', { x, dy }, attrs);
      const cpu = await runOn('cpu', 'Conv2DBackpropFilter', { x, dy }, attrs);
      expect(wino.shape).toEqual(filterShape);
      expect(maxAbs(cpu.data)).toBeGreaterThan(0);
      // a sum over every pixel of the batch: the rounding of the transforms grows with it, a wrong
      // tap or tile would be off by whole products
      const tol = 1e-5 * Math.max(1, maxAbs(cpu.data)) * Math.sqrt(c.b * oh * ow);
      expect(maxAbsDiff(wino.data, cpu.data)).toBeLessThan(tol);
      expect(maxAbsDiff(wino.data, direct.data)).toBeLessThan(tol);
      expect(maxAbsDiff(wino.data, direct.data)).toBeGreaterThan(0);
    });
  }
});
