import { beforeAll, describe, expect, it } from 'vitest';
import { compareMatrices, numpyCorrcoef, realTestSplit, subset, sameBytes } from '../test/fixtures';
import { NUM_VARIABLES, PIXELS } from './constants';
import { defaultGramKernel } from './gram';
import { cpuHasVnni, gramOnnx, onnxGramAvailable } from './gram-onnx';
import { correlationFromGram, pearson, pearsonParallel, topCorrelatedPixels } from './pearson';
import type { Split } from './types';

describe('Pearson correlation', () => {
  let real: Split;
  beforeAll(async () => {
    real = await realTestSplit();
  });

  it('agrees with numpy corrcoef to 1e-6 on 3,000 real images, NaN where a pixel is constant', () => {
    const s = subset(real, 1000, 3000);
    const R = pearson(s);
    expect(R.length).toBe(NUM_VARIABLES * NUM_VARIABLES);
    const ref = numpyCorrcoef(s);
    const c = compareMatrices(R, ref);
    expect(c.nanMismatch).toBe(0);
    expect(c.maxDiff).toBeLessThan(1e-6);
    // with only 3,000 images some border pixels never light up: those rows/columns are NaN
    const constant = [];
    for (let p = 0; p < PIXELS; p++) {
      let v = 0;
      for (let i = 0; i < s.n; i++) v |= s.images[i * PIXELS + p];
      if (v === 0) constant.push(p + 1);
    }
    expect(constant.length).toBeGreaterThan(0);
    for (const v of constant) {
      expect(Number.isNaN(R[v * NUM_VARIABLES + v])).toBe(true);
      expect(Number.isNaN(R[v])).toBe(true);
    }
    expect(c.nans).toBe(constant.length * (2 * NUM_VARIABLES - constant.length));
  });

  it('is symmetric with a unit diagonal and gives the same bits on worker threads', async () => {
    const s = subset(real, 0, 4500);
    const R1 = pearson(s);
    const done: number[] = [];
    const R2 = await pearsonParallel(s, { threads: 2, kernel: 'wasm', onProgress: (p) => done.push(p.done) });
    expect(done.at(-1)).toBe(4500);
    // reports per panel of 1,024 rows, whichever thread did it, only ever increasing
    expect(done.length).toBeGreaterThan(1);
    for (let i = 1; i < done.length; i++) expect(done[i]).toBeGreaterThan(done[i - 1]);
    expect(sameBytes(R2, R1)).toBe(true);
    expect(sameBytes(await pearsonParallel(s, { threads: 2, kernel: 'js' }), R1)).toBe(true);
    // 3 threads take 2,002, 2,002 and 2,003 rows: shares that are not whole panels or groups of 8 rows
    expect(sameBytes(await pearsonParallel(subset(real, 0, 6007), { threads: 3, kernel: 'wasm' }), pearson(subset(real, 0, 6007)))).toBe(true);
    for (let i = 0; i < NUM_VARIABLES; i += 37) {
      if (!Number.isNaN(R1[i * NUM_VARIABLES + i])) expect(R1[i * NUM_VARIABLES + i]).toBe(1);
      for (let j = 0; j < NUM_VARIABLES; j += 41) expect(Object.is(R1[i * NUM_VARIABLES + j], R1[j * NUM_VARIABLES + i])).toBe(true);
    }
  });

  it('the WebAssembly SIMD and the JavaScript kernels give the same bits, also for a partial last panel', () => {
    expect(defaultGramKernel()).toBe('wasm');
    const s = subset(real, 2000, 1037);
    expect(sameBytes(pearson(s, undefined, 'wasm'), pearson(s, undefined, 'js'))).toBe(true);
  });

  it('a planted pixel that equals the label correlates perfectly and tops the ranking', () => {
    const s = subset(real, 0, 500);
    for (let i = 0; i < s.n; i++) s.images[i * PIXELS + 99] = s.labels[i] * 20; // pixel100
    const R = pearson(s);
    const top = topCorrelatedPixels(R, 5);
    expect(top[0]).toMatchObject({ pixel: 100, row: 3, col: 15 });
    expect(top[0].r).toBeCloseTo(1, 12);
    for (let k = 1; k < top.length; k++) expect(Math.abs(top[k].r)).toBeLessThanOrEqual(Math.abs(top[k - 1].r));
  });

  it('on onnxruntime (int8 MatMulInteger, VNNI) gives the bits of the wasm kernel; FMNIST_ONNXRUNTIME=0 falls back', async () => {
    expect(cpuHasVnni('processor : 0\nflags : fpu sse2 avx2 avx512f avx512_vnni\n')).toBe(true);
    expect(cpuHasVnni('processor : 0\nflags : fpu sse2 avx2 avx512f\n')).toBe(false);
    const wasm = pearson(real, undefined, 'wasm'); // all 10,000 test images: many pixels at 255
    if (await onnxGramAvailable()) {
      expect(sameBytes(await pearsonParallel(real, { kernel: 'onnxruntime' }), wasm)).toBe(true);
      const part = subset(real, 2000, 1037); // constant pixels: NaN rows and columns
      expect(sameBytes(await pearsonParallel(part), pearson(part, undefined, 'wasm'))).toBe(true);
      // past 65,536 rows the int32 sums could overflow: each session's rows run in parts, summed
      expect(sameBytes(correlationFromGram((await gramOnnx(real, { rowsPerRun: 3000 }))!, real.n), wasm)).toBe(true);
    } else {
      expect(cpuHasVnni() && process.env.FMNIST_ONNXRUNTIME !== '0').toBe(false); // only a missing package explains it
    }
    const saved = process.env.FMNIST_ONNXRUNTIME;
    process.env.FMNIST_ONNXRUNTIME = '0';
    try {
      await expect(pearsonParallel(subset(real, 0, 500), { kernel: 'onnxruntime' })).rejects.toThrow(/onnxruntime correlation kernel cannot run here/);
      expect(sameBytes(await pearsonParallel(subset(real, 0, 4500), { threads: 2 }), pearson(subset(real, 0, 4500)))).toBe(true);
    } finally {
      if (saved === undefined) delete process.env.FMNIST_ONNXRUNTIME;
      else process.env.FMNIST_ONNXRUNTIME = saved;
    }
  });
});
