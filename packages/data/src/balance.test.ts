import { describe, expect, it } from 'vitest';
import { realTestSplit } from '../test/fixtures';
import { balanceReport } from './balance';
import { CLASS_NAMES } from './constants';

describe('balance report', () => {
  it('calls the real test split balanced: 1,000 per class with names', async () => {
    const s = await realTestSplit();
    const b = balanceReport(s.labels);
    expect(b.counts).toEqual(new Array(10).fill(1000));
    expect(b.classes.map((c) => c.name)).toEqual([...CLASS_NAMES]);
    expect(b.classes[9]).toEqual({ label: 9, name: 'Ankle boot', count: 1000, share: 0.1 });
    expect(b.maxMinRatio).toBe(1);
    expect(b.verdict).toBe('balanced');
  });

  it('flags a skewed and a missing class', () => {
    const labels = new Uint8Array([...new Array(30).fill(0), ...new Array(10).fill(1), ...[2, 3, 4, 5, 6, 7, 8, 9].flatMap((l) => new Array(15).fill(l))]);
    const b = balanceReport(labels);
    expect(b.counts[0]).toBe(30);
    expect(b.maxMinRatio).toBe(3);
    expect(b.verdict).toBe('imbalanced');
    const missing = balanceReport(new Uint8Array([0, 1, 2]));
    expect(missing.maxMinRatio).toBe(Infinity);
    expect(missing.verdict).toBe('imbalanced');
  });
});
