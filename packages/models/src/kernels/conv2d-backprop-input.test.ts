import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { maxAbs, maxAbsDiff, runOn, seededArray, useBackend } from './kernel-test-utils';

interface Case { b: number; h: number; w: number; ci: number; co: number; k: [number, number]; s: [number, number]; pad: 'same' | 'valid' }

const CASES: Case[] = [
  { b: 3, h: 9, w: 9, ci: 1, co: 4, k: [3, 3], s: [1, 1], pad: 'valid' },
  { b: 2, h: 7, w: 8, ci: 3, co: 5, k: [3, 3], s: [1, 1], pad: 'same' },
  { b: 2, h: 9, w: 7, ci: 4, co: 3, k: [3, 3], s: [2, 2], pad: 'valid' },
  { b: 2, h: 10, w: 9, ci: 2, co: 6, k: [3, 2], s: [2, 2], pad: 'same' },
  { b: 2, h: 8, w: 8, ci: 5, co: 7, k: [5, 5], s: [1, 2], pad: 'same' },
  { b: 2, h: 13, w: 13, ci: 32, co: 16, k: [3, 3], s: [1, 1], pad: 'valid' },
  // One input channel, stride 1: the SIMD dot-product kernel.
  { b: 3, h: 28, w: 28, ci: 1, co: 32, k: [3, 3], s: [1, 1], pad: 'valid' },
  { b: 2, h: 9, w: 7, ci: 1, co: 6, k: [3, 3], s: [1, 1], pad: 'same' },
  { b: 2, h: 8, w: 9, ci: 1, co: 5, k: [5, 4], s: [1, 1], pad: 'same' },
];

const outSize = (n: number, k: number, s: number, pad: 'same' | 'valid') => (pad === 'same' ? Math.ceil(n / s) : Math.floor((n - k) / s) + 1);

describe('Conv2DBackpropInput (wasm, fmnist kernel)', () => {
  for (const c of CASES) {
    const name = `${c.b}x${c.h}x${c.w}x${c.ci} -> ${c.co}, k${c.k.join('x')} s${c.s.join('x')} ${c.pad}`;
    it(`matches the cpu backend and finite differences: ${name}`, async () => {
      const oh = outSize(c.h, c.k[0], c.s[0], c.pad);
      const ow = outSize(c.w, c.k[1], c.s[1], c.pad);
      const inputShape = [c.b, c.h, c.w, c.ci] as [number, number, number, number];
      const filterShape = [c.k[0], c.k[1], c.ci, c.co] as [number, number, number, number];
      const dy = { data: seededArray(c.b * oh * ow * c.co, 7), shape: [c.b, oh, ow, c.co] };
      const filter = { data: seededArray(filterShape.reduce((a, b) => a * b, 1), 8), shape: filterShape };
      const attrs = { strides: c.s, pad: c.pad, dataFormat: 'NHWC', dimRoundingMode: undefined, inputShape };
      const wasm = await runOn('wasm', 'Conv2DBackpropInput', { dy, filter }, attrs);
      const cpu = await runOn('cpu', 'Conv2DBackpropInput', { dy, filter }, attrs);
      expect(wasm.shape).toEqual(inputShape);
      expect(maxAbsDiff(wasm.data, cpu.data)).toBeLessThan(1e-4 * Math.max(1, maxAbs(cpu.data)));

      // L(x) = sum(conv2d(x, w) * dy) is linear in x: unit-step central differences are exact.
      await useBackend('wasm');
      const x0 = seededArray(inputShape.reduce((a, b) => a * b, 1), 9);
      const loss = (x: Float32Array) => tf.tidy(() => tf.sum(tf.mul(
        tf.conv2d(tf.tensor4d(x, inputShape), tf.tensor4d(filter.data, filterShape), c.s, c.pad), tf.tensor(dy.data, dy.shape),
      )).dataSync()[0]);
      for (const i of [0, 3, Math.floor(x0.length / 2), x0.length - 1]) {
        const xp = x0.slice(); xp[i] += 1;
        const xm = x0.slice(); xm[i] -= 1;
        const fd = (loss(xp) - loss(xm)) / 2;
        expect(Math.abs(fd - wasm.data[i])).toBeLessThan(2e-3 * Math.max(1, Math.abs(fd)));
      }
    });
  }
});
