import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import { conv2DOptions } from './conv2d';
import { maxAbs, maxAbsDiff, runOn, seededArray, useBackend } from './kernel-test-utils';

interface Case { b: number; h: number; w: number; ci: number; co: number; k: [number, number]; s: [number, number]; pad: 'same' | 'valid' | number[][] }

// Stride 1 with output channels a multiple of 4 take the fmnist direct kernel (both pixel tiles,
// edge pixels, every channel-slice width); the rest the upstream one.
const CASES: Case[] = [
  { b: 3, h: 28, w: 28, ci: 1, co: 32, k: [3, 3], s: [1, 1], pad: 'same' },
  { b: 2, h: 13, w: 13, ci: 32, co: 64, k: [3, 3], s: [1, 1], pad: 'valid' },
  { b: 2, h: 14, w: 14, ci: 32, co: 64, k: [3, 3], s: [1, 1], pad: 'same' },
  { b: 2, h: 7, w: 9, ci: 3, co: 20, k: [5, 3], s: [1, 1], pad: 'same' },
  { b: 2, h: 6, w: 5, ci: 5, co: 12, k: [2, 2], s: [1, 1], pad: 'same' },
  { b: 1, h: 5, w: 4, ci: 4, co: 8, k: [3, 3], s: [1, 1], pad: [[0, 0], [2, 1], [0, 2], [0, 0]] },
  { b: 2, h: 4, w: 3, ci: 2, co: 4, k: [5, 5], s: [1, 1], pad: 'same' }, // the filter wider than the image
  { b: 2, h: 9, w: 9, ci: 3, co: 6, k: [3, 3], s: [1, 1], pad: 'same' },
  { b: 2, h: 9, w: 8, ci: 3, co: 8, k: [3, 3], s: [2, 2], pad: 'same' },
];

afterEach(() => {
  conv2DOptions.simd = true;
  conv2DOptions.winograd = true;
});

// 3x3 filters on 8 or more input channels (a multiple of 4) take the Winograd kernel: 2x2 output
// tiles numbered over the batch in blocks of 16, so these cover tiles cut by the bottom and right
// edges (odd sizes), a last block that is not full, blocks that span two images, every slice width
// of the output channels (4, 8, 12, 16 and more), and each kind of padding.
const WINO_CASES: Case[] = [
  { b: 3, h: 28, w: 28, ci: 32, co: 32, k: [3, 3], s: [1, 1], pad: 'same' },
  { b: 2, h: 14, w: 14, ci: 64, co: 32, k: [3, 3], s: [1, 1], pad: 'same' },
  { b: 3, h: 5, w: 7, ci: 8, co: 20, k: [3, 3], s: [1, 1], pad: 'same' },
  { b: 2, h: 9, w: 6, ci: 12, co: 4, k: [3, 3], s: [1, 1], pad: 'valid' },
  { b: 1, h: 7, w: 8, ci: 16, co: 8, k: [3, 3], s: [1, 1], pad: [[0, 0], [2, 0], [0, 2], [0, 0]] },
  { b: 2, h: 3, w: 3, ci: 8, co: 12, k: [3, 3], s: [1, 1], pad: 'valid' }, // one output pixel
  { b: 1, h: 2, w: 1, ci: 8, co: 16, k: [3, 3], s: [1, 1], pad: 'same' }, // smaller than the filter
];

function name(c: Case): string {
  return `${c.b}x${c.h}x${c.w}x${c.ci} -> ${c.co}, k${c.k.join('x')} s${c.s.join('x')} ${JSON.stringify(c.pad)}`;
}

describe('Conv2D and FusedConv2D (wasm, fmnist kernel)', () => {
  for (const c of CASES) {
    it(`Conv2D matches the cpu backend and the upstream wasm kernel: ${name(c)}`, async () => {
      const x = { data: seededArray(c.b * c.h * c.w * c.ci, 1), shape: [c.b, c.h, c.w, c.ci] };
      const filter = { data: seededArray(c.k[0] * c.k[1] * c.ci * c.co, 2), shape: [c.k[0], c.k[1], c.ci, c.co] };
      const attrs = { strides: c.s, pad: c.pad, dataFormat: 'NHWC', dilations: [1, 1], dimRoundingMode: undefined };
      const cpu = await runOn('cpu', 'Conv2D', { x, filter }, attrs);
      const wasm = await runOn('wasm', 'Conv2D', { x, filter }, attrs);
      conv2DOptions.simd = false;
      const upstream = await runOn('wasm', 'Conv2D', { x, filter }, attrs);
      expect(wasm.shape).toEqual(cpu.shape);
      expect(maxAbs(cpu.data)).toBeGreaterThan(0);
      expect(maxAbsDiff(wasm.data, cpu.data)).toBeLessThan(1e-5 * Math.max(1, maxAbs(cpu.data)) * c.k[0] * c.k[1] * c.ci);
      expect(maxAbsDiff(wasm.data, upstream.data)).toBeLessThan(1e-5 * Math.max(1, maxAbs(cpu.data)) * c.k[0] * c.k[1] * c.ci);
    });
  }

  for (const c of WINO_CASES) {
    it(`Conv2D by Winograd matches the direct kernel and the cpu backend: ${name(c)}`, async () => {
      const x = { data: seededArray(c.b * c.h * c.w * c.ci, 11), shape: [c.b, c.h, c.w, c.ci] };
      const filter = { data: seededArray(9 * c.ci * c.co, 12), shape: [3, 3, c.ci, c.co] };
      const attrs = { strides: [1, 1], pad: c.pad, dataFormat: 'NHWC', dilations: [1, 1], dimRoundingMode: undefined };
      const cpu = await runOn('cpu', 'Conv2D', { x, filter }, attrs);
      const wino = await runOn('wasm', 'Conv2D', { x, filter }, attrs);
      conv2DOptions.winograd = false;
      const direct = await runOn('wasm', 'Conv2D', { x, filter }, attrs);
      expect(wino.shape).toEqual(cpu.shape);
      // the transforms round differently from a sum of products, never by more than a few ulp of
      // the largest partial sum; a wrong tap or tile would be off by a whole product
      const tol = 1e-5 * Math.max(1, maxAbs(cpu.data)) * 9 * c.ci;
      expect(maxAbs(cpu.data)).toBeGreaterThan(0);
      expect(maxAbsDiff(wino.data, cpu.data)).toBeLessThan(tol);
      expect(maxAbsDiff(wino.data, direct.data)).toBeLessThan(tol);
      expect(maxAbsDiff(wino.data, direct.data)).toBeGreaterThan(0);
    });
  }

  it('FusedConv2D by Winograd adds the bias and applies relu as the cpu backend does', async () => {
    const c = WINO_CASES[2];
    const x = { data: seededArray(c.b * c.h * c.w * c.ci, 13), shape: [c.b, c.h, c.w, c.ci] };
    const filter = { data: seededArray(9 * c.ci * c.co, 14, -0.2, 0.2), shape: [3, 3, c.ci, c.co] };
    const bias = { data: seededArray(c.co, 15), shape: [c.co] };
    const attrs = { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', dilations: [1, 1], dimRoundingMode: undefined, activation: 'relu', leakyreluAlpha: 0.2 };
    const cpu = await runOn('cpu', 'FusedConv2D', { x, filter, bias }, attrs);
    const wino = await runOn('wasm', 'FusedConv2D', { x, filter, bias }, attrs);
    expect(cpu.data.some((v) => v === 0)).toBe(true);
    expect(maxAbsDiff(wino.data, cpu.data)).toBeLessThan(1e-4 * Math.max(1, maxAbs(cpu.data)));
  });

  for (const activation of ['linear', 'relu', 'elu']) {
    it(`FusedConv2D adds the bias and applies ${activation} as the cpu backend does`, async () => {
      const c = CASES[2];
      const x = { data: seededArray(c.b * c.h * c.w * c.ci, 3), shape: [c.b, c.h, c.w, c.ci] };
      const filter = { data: seededArray(3 * 3 * c.ci * c.co, 4, -0.2, 0.2), shape: [3, 3, c.ci, c.co] };
      const bias = { data: seededArray(c.co, 5), shape: [c.co] };
      const attrs = { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', dilations: [1, 1], dimRoundingMode: undefined, activation, leakyreluAlpha: 0.2 };
      const cpu = await runOn('cpu', 'FusedConv2D', { x, filter, bias }, attrs);
      const wasm = await runOn('wasm', 'FusedConv2D', { x, filter, bias }, attrs);
      if (activation === 'relu') expect(cpu.data.some((v) => v === 0)).toBe(true);
      expect(maxAbsDiff(wasm.data, cpu.data)).toBeLessThan(1e-4 * Math.max(1, maxAbs(cpu.data)));
    });
  }

  it('is what a conv2d layer runs forward and backward on wasm, with no tensor left behind', async () => {
    await useBackend('wasm');
    const before = tf.memory().numTensors;
    const x = tf.tensor4d(seededArray(2 * 8 * 8 * 4, 6), [2, 8, 8, 4]);
    const w = tf.tensor4d(seededArray(3 * 3 * 4 * 8, 7), [3, 3, 4, 8]);
    const grads = (simd: boolean) => {
      conv2DOptions.simd = simd;
      return tf.tidy(() => {
        const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.relu(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same')))))([x, w]);
        return g.map((t) => t.dataSync() as Float32Array);
      });
    };
    const [dx, dw] = grads(true);
    const [dxUp, dwUp] = grads(false);
    expect(maxAbs(dx)).toBeGreaterThan(0);
    expect(maxAbsDiff(dx, dxUp)).toBeLessThan(1e-3 * maxAbs(dxUp));
    expect(maxAbsDiff(dw, dwUp)).toBeLessThan(1e-3 * maxAbs(dwUp));
    tf.dispose([x, w]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
