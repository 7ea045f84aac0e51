import { describe, expect, it } from 'vitest';
import { loadData, resolveData } from './dataset';
import { stratifiedKFold, stratifiedSplit, stratifiedSubset } from './stratify';

const counts = (labels: Uint8Array, idx: ArrayLike<number>) => {
  const c = new Array(10).fill(0);
  for (let i = 0; i < idx.length; i++) c[labels[idx[i]]]++;
  return c;
};

describe('stratified splitting on the real training labels', async () => {
  const { labels } = (await loadData(await resolveData('/usr/share/datasets/fashion-mnist'))).train;
  // An imbalanced subset so that proportions are not trivially equal.
  const imb = Uint8Array.from(Array.from(labels.subarray(0, 6000)).filter((l, i) => l !== 3 || i % 3 === 0));

  it('keeps each class at the validation fraction and covers every row once', () => {
    const s = stratifiedSplit(imb, 0.2, 7);
    expect(s.train.length + s.validation.length).toBe(imb.length);
    const all = new Set([...s.train, ...s.validation]);
    expect(all.size).toBe(imb.length);
    const total = counts(imb, Uint32Array.from({ length: imb.length }, (_, i) => i));
    const val = counts(imb, s.validation);
    for (let c = 0; c < 10; c++) expect(Math.abs(val[c] - total[c] * 0.2)).toBeLessThanOrEqual(0.5);
  });

  it('is deterministic for a seed and differs across seeds', () => {
    expect(stratifiedSplit(imb, 0.2, 7).validation).toEqual(stratifiedSplit(imb, 0.2, 7).validation);
    expect(stratifiedSplit(imb, 0.2, 8).validation).not.toEqual(stratifiedSplit(imb, 0.2, 7).validation);
  });

  it('k-fold: folds disjoint, covering, class counts within one row of each other', () => {
    const k = 5;
    const folds = stratifiedKFold(imb, k, 3);
    expect(folds).toHaveLength(k);
    const seen = new Uint8Array(imb.length);
    for (const f of folds) {
      for (const i of f.validation) seen[i]++;
      expect(f.train.length + f.validation.length).toBe(imb.length);
      const inVal = new Set(f.validation);
      expect(f.train.some((i) => inVal.has(i))).toBe(false);
    }
    expect(seen.every((v) => v === 1)).toBe(true);
    const perFold = folds.map((f) => counts(imb, f.validation));
    for (let c = 0; c < 10; c++) {
      const cs = perFold.map((p) => p[c]);
      expect(Math.max(...cs) - Math.min(...cs)).toBeLessThanOrEqual(1);
    }
    expect(stratifiedKFold(imb, k, 3)[2].validation).toEqual(folds[2].validation);
    expect(stratifiedKFold(imb, k, 4)[2].validation).not.toEqual(folds[2].validation);
  });

  it('subset of the full 60,000 keeps the balance', () => {
    const idx = stratifiedSubset(labels, 1000, 1);
    expect(idx.length).toBe(1000);
    expect(counts(labels, idx)).toEqual(new Array(10).fill(100));
  });

  it('rejects bad arguments', () => {
    expect(() => stratifiedKFold(imb, 1, 0)).toThrow(/k must be/);
    expect(() => stratifiedSplit(imb, 1, 0)).toThrow(/validationFraction/);
  });
});
