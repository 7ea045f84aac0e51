// The one seed derivation (experiments derives fold, trial and split seeds with it; models its
// layer, dropout and epoch seeds): its properties, not its numbers.
import { describe, expect, it } from 'vitest';
import { deriveSeed, mulberry32, permutation } from './rng';

const popcount = (v: number) => {
  let n = 0;
  for (let x = v >>> 0; x; x &= x - 1) n++;
  return n;
};

describe('deriveSeed', () => {
  it('is a pure function of its arguments: the same seed for the same path, in any process state', () => {
    const a = [deriveSeed(42, 'fold', 3), deriveSeed(42, 'trial', 't-7'), deriveSeed(7, 1000, 2)];
    mulberry32(1)();
    expect([deriveSeed(42, 'fold', 3), deriveSeed(42, 'trial', 't-7'), deriveSeed(7, 1000, 2)]).toEqual(a);
  });

  it('gives a non-zero 32-bit integer (tfjs reads a seed of 0 as "unseeded")', () => {
    for (let s = 0; s < 2000; s++) {
      for (const v of [deriveSeed(s), deriveSeed(s, 'x'), deriveSeed(s, s, 0)]) {
        expect(Number.isInteger(v) && v > 0 && v < 2 ** 32).toBe(true);
      }
    }
  });

  it('gives different seeds for different labels, indices, orders, types and parents', () => {
    const labels = ['holdout', 'holdout-split', 'subset', 'tune-subset', 'kfold', 'grid-sample', 'halving-sample', 'transfer-subset', 'a', 'a\0', 'ab'];
    const seeds = [
      ...labels.map((l) => deriveSeed(42, l)),
      ...Array.from({ length: 1000 }, (_, i) => deriveSeed(42, 'fold', i)),
      ...Array.from({ length: 1000 }, (_, i) => deriveSeed(42, 'trial', `t${i}`)),
      ...Array.from({ length: 1000 }, (_, i) => deriveSeed(i)),
    ];
    expect(new Set(seeds).size).toBe(seeds.length);
    expect(deriveSeed(42, 'fine-tune', 'vgg16')).not.toBe(deriveSeed(42, 'vgg16', 'fine-tune'));
    expect(deriveSeed(42, 'ab', 'c')).not.toBe(deriveSeed(42, 'a', 'bc'));
    expect(deriveSeed(42, '3')).not.toBe(deriveSeed(42, 3));
    expect(deriveSeed(42, 'fold', 0)).not.toBe(deriveSeed(43, 'fold', 0));
  });

  it('spreads consecutive inputs uniformly over 32 bits', () => {
    const n = 20_000;
    const seeds = Array.from({ length: n }, (_, i) => deriveSeed(42, 'fold', i));
    // Top 4 bits: chi-square with 15 degrees of freedom stays under its 0.1% point (37.7).
    const buckets = new Array(16).fill(0);
    for (const s of seeds) buckets[s >>> 28]++;
    const chi2 = buckets.reduce((a, c) => a + (c - n / 16) ** 2 / (n / 16), 0);
    expect(chi2).toBeLessThan(37.7);
    // Every bit is set about half the time (one standard deviation is 0.0035 here).
    for (let bit = 0; bit < 32; bit++) {
      const ones = seeds.filter((s) => (s >>> bit) & 1).length / n;
      expect(Math.abs(ones - 0.5), `bit ${bit}`).toBeLessThan(0.02);
    }
  });

  it('changes about half the bits when the parent seed changes by one (no correlated siblings)', () => {
    const flips = Array.from({ length: 2000 }, (_, s) => popcount(deriveSeed(s, 'fold', 1) ^ deriveSeed(s + 1, 'fold', 1)));
    const mean = flips.reduce((a, b) => a + b, 0) / flips.length;
    expect(mean).toBeGreaterThan(15);
    expect(mean).toBeLessThan(17);
  });

  it('seeds shuffles that differ between folds', () => {
    const a = permutation(100, deriveSeed(1, 'fold', 0));
    const b = permutation(100, deriveSeed(1, 'fold', 1));
    expect([...a]).not.toEqual([...b]);
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });
});
