import { COLUMN_NAMES, PIXELS } from './constants';
import type { Split } from './types';

import type { ColumnStats } from '@fmnist/core';

export type { ColumnStats };

/** First `k` rows as [label, pixel1..pixel784]. */
export function headRows(s: Split, k = 5): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < Math.min(k, s.n); i++) {
    out.push([s.labels[i], ...s.images.subarray(i * PIXELS, (i + 1) * PIXELS)]);
  }
  return out;
}

/**
 * pandas-style `describe` (count, mean, sample std, min, max) of `label` and the given pixels
 * (1-based), computed by a danfojs DataFrame over just those columns. danfojs (and the tfjs it
 * bundles) is imported here, lazily, so importing @fmnist/data stays fast. Its `describe()` also
 * computes a median, which takes seconds per column on 60,000 rows, so the five statistics are
 * asked for one by one.
 */
export async function describeColumns(s: Split, pixels: number[]): Promise<Record<string, ColumnStats>> {
  const dfd = await import('danfojs');
  const data: Record<string, number[]> = { label: Array.from(s.labels.subarray(0, s.n)) };
  for (const p of pixels) {
    const col: number[] = [];
    for (let i = 0; i < s.n; i++) col.push(s.images[i * PIXELS + p - 1]);
    data[COLUMN_NAMES[p]] = col;
  }
  const df = new dfd.DataFrame(data);
  const stat = (name: 'count' | 'mean' | 'std' | 'min' | 'max') => df[name]({ axis: 0 }).values as number[];
  const [count, mean, std, min, max] = [stat('count'), stat('mean'), stat('std'), stat('min'), stat('max')];
  const out: Record<string, ColumnStats> = {};
  (df.columns as string[]).forEach((c, j) => {
    out[c] = { count: count[j], mean: mean[j], std: std[j], min: min[j], max: max[j] };
  });
  return out;
}
