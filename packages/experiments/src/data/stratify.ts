import { createRng, shuffleInPlace } from '../util/rng';

export interface IndexSplit { train: Uint32Array; validation: Uint32Array }

function byClass(labels: ArrayLike<number>, seed: number): number[][] {
  const classes: number[][] = [];
  for (let i = 0; i < labels.length; i++) (classes[labels[i]] ??= []).push(i);
  const rng = createRng(seed);
  for (const c of classes) if (c) shuffleInPlace(c, rng);
  return classes.filter(Boolean);
}

const sorted = (a: number[]) => Uint32Array.from(a).sort();

/**
 * Stratified train/validation split: every class contributes round(count * fraction) rows to
 * validation, chosen by a seeded shuffle. Indices are returned in ascending order.
 */
export function stratifiedSplit(labels: ArrayLike<number>, validationFraction: number, seed: number): IndexSplit {
  if (!(validationFraction > 0 && validationFraction < 1)) {
    throw new RangeError(`validationFraction must be in (0, 1), got ${validationFraction}`);
  }
  const train: number[] = [];
  const validation: number[] = [];
  for (const c of byClass(labels, seed)) {
    const nVal = Math.round(c.length * validationFraction);
    validation.push(...c.slice(0, nVal));
    train.push(...c.slice(nVal));
  }
  return { train: sorted(train), validation: sorted(validation) };
}

/**
 * Stratified k-fold: each class's rows are shuffled (seeded) and dealt round-robin to the k
 * folds, so folds are disjoint, cover every row and keep class proportions within one row.
 * Fold i's validation set is folds[i]; its training set is everything else.
 */
export function stratifiedKFold(labels: ArrayLike<number>, k: number, seed: number): IndexSplit[] {
  if (!Number.isInteger(k) || k < 2) throw new RangeError(`k must be an integer >= 2, got ${k}`);
  if (labels.length < k) throw new RangeError(`k = ${k} folds need at least ${k} rows, got ${labels.length}`);
  const folds: number[][] = Array.from({ length: k }, () => []);
  let offset = 0;
  for (const c of byClass(labels, seed)) {
    // Rotate the starting fold per class so small classes do not all land in fold 0.
    for (let j = 0; j < c.length; j++) folds[(offset + j) % k].push(c[j]);
    offset = (offset + c.length) % k;
  }
  return folds.map((_, i) => ({
    train: sorted(folds.flatMap((f, j) => (j === i ? [] : f))),
    validation: sorted(folds[i]),
  }));
}

/** A stratified subset of n rows (all rows when n >= labels.length), ascending indices. */
export function stratifiedSubset(labels: ArrayLike<number>, n: number, seed: number): Uint32Array {
  if (n >= labels.length) return Uint32Array.from({ length: labels.length }, (_, i) => i);
  return stratifiedSplit(labels, n / labels.length, seed).validation;
}
