import { describe, expect, it } from 'vitest';
import { maxAbs, maxAbsDiff, runOn, seededArray } from './kernel-test-utils';

describe('Sum (wasm, fmnist SIMD kernel for leading axes)', () => {
  const cases: { shape: number[]; axis: number[]; keepDims: boolean }[] = [
    { shape: [50, 7, 7, 32], axis: [0, 1, 2], keepDims: false }, // a bias gradient
    { shape: [300, 13], axis: [0], keepDims: true }, // odd column count
    { shape: [3, 600, 5], axis: [1, 0], keepDims: false }, // unsorted axes
    { shape: [4, 6, 9], axis: [2], keepDims: false }, // not leading: upstream kernel
    { shape: [4, 6, 9], axis: [0, 2], keepDims: true }, // mixed: upstream kernel
  ];
  for (const c of cases) {
    it(`matches the cpu backend: shape ${c.shape} axis ${c.axis} keepDims ${c.keepDims}`, async () => {
      const n = c.shape.reduce((a, b) => a * b, 1);
      const x = { data: seededArray(n, 31), shape: c.shape };
      const attrs = { axis: c.axis, keepDims: c.keepDims };
      const wasm = await runOn('wasm', 'Sum', { x }, attrs);
      const cpu = await runOn('cpu', 'Sum', { x }, attrs);
      expect(wasm.shape).toEqual(cpu.shape);
      expect(maxAbsDiff(wasm.data, cpu.data)).toBeLessThan(1e-5 * Math.max(1, maxAbs(cpu.data)) * Math.sqrt(n));
    });
  }
});
