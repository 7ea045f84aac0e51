import { CLASS_NAMES, NUM_CLASSES } from './constants';
import type { BalanceReport } from './types';

/** Largest max/min class-count ratio still called balanced. */
export const BALANCE_THRESHOLD = 1.5;

/** Counts per class with names and shares, the max/min ratio and a verdict. */
export function balanceReport(labels: Uint8Array, threshold = BALANCE_THRESHOLD): BalanceReport {
  const counts = new Array<number>(NUM_CLASSES).fill(0);
  for (let i = 0; i < labels.length; i++) counts[labels[i]]++;
  const total = labels.length;
  const max = Math.max(...counts);
  const min = Math.min(...counts);
  const maxMinRatio = min === 0 ? (max === 0 ? 1 : Infinity) : max / min;
  return {
    counts,
    classes: counts.map((count, label) => ({ label, name: CLASS_NAMES[label], count, share: total ? count / total : 0 })),
    maxMinRatio,
    verdict: maxMinRatio <= threshold ? 'balanced' : 'imbalanced',
  };
}
