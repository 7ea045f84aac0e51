import { describe, expect, it } from 'vitest';
import { realTestSplit, subset } from '../test/fixtures';
import { encodeForCnn } from './encode';

describe('encodeForCnn', () => {
  it('scales pixels to [0,1] in [n,28,28,1] order and one-hot encodes labels', async () => {
    const s = subset(await realTestSplit(), 0, 20);
    const { x, y, n } = encodeForCnn(s);
    expect(n).toBe(20);
    expect(x.length).toBe(20 * 28 * 28);
    expect(y.length).toBe(20 * 10);
    // pixel (row 14, col 9) of image 7
    expect(x[7 * 784 + 14 * 28 + 9]).toBeCloseTo(s.images[7 * 784 + 14 * 28 + 9] / 255, 6);
    expect(Math.max(...x)).toBeLessThanOrEqual(1);
    expect(Math.min(...x)).toBeGreaterThanOrEqual(0);
    for (let i = 0; i < n; i++) {
      const row = Array.from(y.subarray(i * 10, i * 10 + 10));
      expect(row.reduce((a, b) => a + b)).toBe(1);
      expect(row.indexOf(1)).toBe(s.labels[i]);
    }
  });
});
