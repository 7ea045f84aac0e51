import { describe, expect, it } from 'vitest';
import { maxAbs, maxAbsDiff, runOn, seededArray } from './kernel-test-utils';

// n % 4 == 0 with one matrix per operand takes the direct SIMD kernel (conv2d.ts with a 1x1
// filter); n = 9 or a batch of 3 the upstream XNNPACK path, after explicit transposes.
describe('BatchMatMul (wasm, fmnist: direct SIMD kernel or explicit transposes onto XNNPACK)', () => {
  for (const transposeA of [false, true]) {
    for (const transposeB of [false, true]) {
      for (const [batch, n] of [[1, 9], [3, 9], [1, 12], [3, 12]]) {
        it(`matches the cpu backend: transposeA ${transposeA}, transposeB ${transposeB}, batch ${batch}, n ${n}`, async () => {
          const [m, k] = [17, 33];
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

  it('keeps the shape of rank-2 operands (tf.matMul passes them as they are), on the dense layer of the strong CNN', async () => {
    const a = { data: seededArray(5 * 3136, 43), shape: [5, 3136] };
    const b = { data: seededArray(3136 * 256, 44, -0.05, 0.05), shape: [3136, 256] };
    const wasm = await runOn('wasm', 'BatchMatMul', { a, b }, { transposeA: false, transposeB: false });
    const cpu = await runOn('cpu', 'BatchMatMul', { a, b }, { transposeA: false, transposeB: false });
    expect(wasm.shape).toEqual([5, 256]);
    expect(maxAbs(cpu.data)).toBeGreaterThan(0.5);
    expect(maxAbsDiff(wasm.data, cpu.data)).toBeLessThan(1e-5 * 3136);
  });
});

describe('_FusedMatMul (wasm, fmnist)', () => {
  const [m, k, n] = [7, 20, 16];
  const a = { data: seededArray(m * k, 45), shape: [1, m, k] };
  const b = { data: seededArray(k * n, 46), shape: [1, k, n] };
  for (const activation of ['linear', 'relu', 'tanh', 'elu']) {
    // (the upstream kernel, which elu falls back to, takes only a rank-1 bias)
    for (const biasShape of activation === 'elu' ? [[n], undefined] : [[n], [1, n], undefined]) {
      it(`adds the bias ${JSON.stringify(biasShape)} and applies ${activation} as the cpu backend does`, async () => {
        const inputs = { a, b, ...(biasShape ? { bias: { data: seededArray(n, 47), shape: biasShape } } : {}) };
        const attrs = { transposeA: false, transposeB: false, activation, leakyreluAlpha: 0.2 };
        const wasm = await runOn('wasm', '_FusedMatMul', inputs, attrs);
        // (the cpu backend's fused kernel has no tanh: its linear result, then its Tanh)
        const cpuLinear = await runOn('cpu', '_FusedMatMul', inputs, { ...attrs, activation: activation === 'tanh' ? 'linear' : activation });
        const cpu = activation === 'tanh' ? await runOn('cpu', 'Tanh', { x: cpuLinear }, {}) : cpuLinear;
        if (activation === 'relu') expect(cpu.data.some((v) => v === 0)).toBe(true);
        expect(wasm.shape).toEqual(cpu.shape);
        expect(maxAbsDiff(wasm.data, cpu.data)).toBeLessThan(1e-5 * Math.max(1, maxAbs(cpu.data)));
      });
    }
  }

  it('transposes the operands as the cpu backend does', async () => {
    const at = { data: seededArray(m * k, 48), shape: [1, k, m] };
    const bt = { data: seededArray(k * n, 49), shape: [1, n, k] };
    const bias = { data: seededArray(n, 50), shape: [n] };
    const attrs = { transposeA: true, transposeB: true, activation: 'relu' };
    const wasm = await runOn('wasm', '_FusedMatMul', { a: at, b: bt, bias }, attrs);
    const cpu = await runOn('cpu', '_FusedMatMul', { a: at, b: bt, bias }, attrs);
    expect(maxAbsDiff(wasm.data, cpu.data)).toBeLessThan(1e-5 * Math.max(1, maxAbs(cpu.data)));
  });
});
