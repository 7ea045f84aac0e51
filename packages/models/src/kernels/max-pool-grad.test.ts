import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { maxAbsDiff, runOn, seededArray, useBackend } from './kernel-test-utils';

interface Case { b: number; h: number; w: number; c: number; f: number; s: number; pad: 'same' | 'valid'; ties: boolean }

const CASES: Case[] = [
  { b: 2, h: 26, w: 26, c: 32, f: 2, s: 2, pad: 'valid', ties: false }, // the reference CNN's first pool
  { b: 2, h: 11, w: 11, c: 64, f: 2, s: 2, pad: 'valid', ties: false }, // odd size: last row/column unused
  { b: 3, h: 7, w: 9, c: 3, f: 2, s: 2, pad: 'valid', ties: false }, // channels not a multiple of 4
  { b: 2, h: 8, w: 8, c: 4, f: 2, s: 2, pad: 'valid', ties: true }, // ties: first maximum wins
  { b: 2, h: 9, w: 7, c: 4, f: 3, s: 2, pad: 'same', ties: true }, // overlapping windows, padding
  { b: 1, h: 6, w: 5, c: 2, f: 3, s: 1, pad: 'same', ties: false },
];

/** Distinct values (a seeded permutation), or few distinct values to force ties. */
function input(n: number, ties: boolean, seed: number): Float32Array {
  const r = seededArray(n, seed, 0, 1);
  if (ties) return r.map((v) => Math.floor(v * 3));
  const order = [...r.keys()].sort((a, b) => r[a] - r[b]);
  const out = new Float32Array(n);
  order.forEach((idx, rank) => { out[idx] = rank / n; });
  return out;
}

describe('MaxPoolGrad (wasm, fmnist SIMD kernel)', () => {
  for (const c of CASES) {
    it(`matches the cpu backend${c.ties ? ' with ties' : ' and finite differences'}: ${c.b}x${c.h}x${c.w}x${c.c} f${c.f} s${c.s} ${c.pad}`, async () => {
      const shape = [c.b, c.h, c.w, c.c] as [number, number, number, number];
      const xData = input(shape.reduce((a, b) => a * b, 1), c.ties, 11);
      await useBackend('cpu');
      const yShape = tf.tidy(() => tf.maxPool(tf.tensor4d(xData, shape), c.f, c.s, c.pad).shape);
      const dyData = seededArray(yShape.reduce((a, b) => a * b, 1), 12);
      const grads: Record<string, Float32Array> = {};
      for (const be of ['cpu', 'wasm'] as const) {
        await useBackend(be);
        grads[be] = tf.tidy(() => {
          const f = (x: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(x as tf.Tensor4D, c.f, c.s, c.pad), tf.tensor(dyData, yShape)));
          return tf.grad(f)(tf.tensor4d(xData, shape)).dataSync() as Float32Array;
        });
      }
      expect(maxAbsDiff(grads.wasm, grads.cpu)).toBeLessThan(1e-6);
      // The kernel itself, called directly, agrees too.
      const attrs = { filterSize: c.f, strides: c.s, pad: c.pad, dimRoundingMode: undefined };
      await useBackend('cpu');
      const output = tf.tidy(() => tf.maxPool(tf.tensor4d(xData, shape), c.f, c.s, c.pad).dataSync() as Float32Array);
      const ins = { dy: { data: dyData, shape: yShape }, input: { data: xData, shape }, output: { data: output, shape: yShape } };
      const direct = await runOn('wasm', 'MaxPoolGrad', ins, attrs);
      expect(maxAbsDiff(direct.data, grads.cpu)).toBeLessThan(1e-6);
      if (!c.ties) {
        // Values are at least 1/n apart, so a step of a quarter of that keeps every argmax.
        await useBackend('wasm');
        const eps = 0.25 / xData.length;
        // L(xp) - L(xm) as sum((pool(xp) - pool(xm)) * dy): the unaffected outputs cancel exactly.
        const dLoss = (xp: Float32Array, xm: Float32Array) => tf.tidy(() => tf.sum(tf.mul(
          tf.sub(tf.maxPool(tf.tensor4d(xp, shape), c.f, c.s, c.pad), tf.maxPool(tf.tensor4d(xm, shape), c.f, c.s, c.pad)),
          tf.tensor(dyData, yShape),
        )).dataSync()[0]);
        for (const i of [0, 1, 5, Math.floor(xData.length / 2), xData.length - 1]) {
          const xp = xData.slice(); xp[i] += eps;
          const xm = xData.slice(); xm[i] -= eps;
          const fd = dLoss(xp, xm) / (2 * eps);
          expect(Math.abs(fd - grads.wasm[i])).toBeLessThan(2e-2 * Math.max(1, Math.abs(fd)));
        }
      }
    });
  }
});
