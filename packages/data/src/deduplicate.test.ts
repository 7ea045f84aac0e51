import { describe, expect, it } from 'vitest';
import { realTestSplit, subset } from '../test/fixtures';
import { PIXELS } from './constants';
import { deduplicate } from './deduplicate';

describe('deduplicate', () => {
  it('returns the input arrays untouched when there is nothing to drop', async () => {
    const s = subset(await realTestSplit(), 0, 1000);
    const d = deduplicate(s);
    expect(d.duplicates).toEqual([]);
    expect(d.split.images).toBe(s.images);
  });

  it('tells images differing in one pixel apart and drops only exact copies', async () => {
    const base = subset(await realTestSplit(), 0, 3);
    const images = new Uint8Array(6 * PIXELS);
    const labels = new Uint8Array([base.labels[0], base.labels[1], base.labels[0], base.labels[0], base.labels[2], base.labels[0]]);
    for (const [k, from] of [[0, 0], [1, 1], [2, 0], [3, 0], [4, 2], [5, 0]]) images.set(base.images.subarray(from * PIXELS, (from + 1) * PIXELS), k * PIXELS);
    images[3 * PIXELS + 400] ^= 1; // row 3: one pixel differs from row 0
    labels[5] = (labels[0] + 1) % 10; // row 5: row 0's image with another label
    const d = deduplicate({ n: 6, images, labels });
    expect(d.duplicates).toEqual([2]);
    expect(d.conflicting).toEqual([5]);
    expect(Array.from(d.kept)).toEqual([0, 1, 3, 4, 5]);
    expect(d.split.n).toBe(5);
    expect(d.split.images.subarray(2 * PIXELS, 3 * PIXELS)).toEqual(images.subarray(3 * PIXELS, 4 * PIXELS));
  });
});
