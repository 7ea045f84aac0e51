import { describe, expect, it } from 'vitest';
import { maxAbs, maxAbsDiff, runOn, seededArray } from './kernel-test-utils';

describe('BatchMatMul (wasm, fmnist: explicit transposes onto the XNNPACK path)', () => {
  for (const transposeA of [false, true]) {
    for (const transposeB of [false, true]) {
      for (const batch of [1, 3]) {
        it(`matches the cpu backend: transposeA ${transposeA}, transposeB ${transposeB}, batch ${batch}`, async () => {
          const [m, k, n] = [17, 33, 9];
          const aShape = [batch, ...(transposeA ? [k, m] : [m, k])];
          const bShape = [batch, ...(transposeB ? [n, k] : [k, n])];
          const a = { data: seededArray(batch * m * k, 41), shape: aShape };
          const b = { data: seededArray(batch * k * n, 42), shape: bShape };
          const attrs = { transposeA, transposeB };
          const wasm = await runOn('wasm', 'BatchMatMul', { a, b }, attrs);
          const cpu = await runOn('cpu', 'BatchMatMul', { a, b }, attrs);
          expect(wasm.shape).toEqual([batch, m, n]);
          expect(maxAbsDiff(wasm.data, cpu.data)).toBeLessThan(1e-4 * Math.max(1, maxAbs(cpu.data)));
        });
      }
    }
  }
});
