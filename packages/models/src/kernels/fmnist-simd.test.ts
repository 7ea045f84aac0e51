import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import { fmnistSimd, fmnistSimdOptions, relaxedSimdAvailable } from './fmnist-simd';
import { maxAbs, maxAbsDiff, runOn, seededArray, useBackend } from './kernel-test-utils';
import type { WasmBackendLike } from './wasm-kernel-utils';

afterEach(() => {
  fmnistSimdOptions.relaxed = true;
});

/** The kernels whose multiply-adds the relaxed build fuses, on shapes of both CNN layers. */
const RUNS: [string, Record<string, { data: Float32Array; shape: number[] }>, Record<string, unknown>][] = [
  ['Conv2D', { x: { data: seededArray(2 * 14 * 14 * 32, 1), shape: [2, 14, 14, 32] }, filter: { data: seededArray(3 * 3 * 32 * 64, 2), shape: [3, 3, 32, 64] } },
    { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', dilations: [1, 1] }],
  ['Conv2DBackpropFilter', { x: { data: seededArray(14 * 14 * 32, 3), shape: [1, 14, 14, 32] }, dy: { data: seededArray(14 * 14 * 64, 4), shape: [1, 14, 14, 64] } },
    { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', dimRoundingMode: undefined, filterShape: [3, 3, 32, 64] }],
  ['Conv2DBackpropInput', { dy: { data: seededArray(2 * 28 * 28 * 32, 5), shape: [2, 28, 28, 32] }, filter: { data: seededArray(3 * 3 * 32, 6), shape: [3, 3, 1, 32] } },
    { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', dimRoundingMode: undefined, inputShape: [2, 28, 28, 1] }],
];

describe('the fmnist SIMD module builds', () => {
  it('runs the fused multiply-add (relaxed SIMD) build on this Node, the plain build when switched off', async () => {
    await useBackend('wasm');
    const backend = tf.backend() as unknown as WasmBackendLike;
    expect(relaxedSimdAvailable()).toBe(true);
    const relaxed = fmnistSimd(backend);
    fmnistSimdOptions.relaxed = false;
    const plain = fmnistSimd(backend);
    expect(plain).not.toBe(relaxed);
    expect(fmnistSimd(backend)).toBe(plain);
  });

  for (const [kernel, inputs, attrs] of RUNS) {
    it(`${kernel}: the fused build matches the plain build and the cpu backend within float32 rounding`, async () => {
      const fused = await runOn('wasm', kernel, inputs, attrs);
      fmnistSimdOptions.relaxed = false;
      const plain = await runOn('wasm', kernel, inputs, attrs);
      const cpu = await runOn('cpu', kernel, inputs, attrs);
      const scale = maxAbs(cpu.data);
      expect(scale).toBeGreaterThan(1);
      expect(maxAbsDiff(fused.data, cpu.data)).toBeLessThan(1e-5 * scale);
      expect(maxAbsDiff(fused.data, plain.data)).toBeLessThan(1e-5 * scale);
    });
  }
});
