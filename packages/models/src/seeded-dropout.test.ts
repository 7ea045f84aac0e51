import { describe, expect, it } from 'vitest';
import { mulberry32 } from './rng';
import { dropoutMask } from './seeded-dropout';

describe('dropoutMask', () => {
  it("is mulberry32's draw: 0 below the rate, 1 / (1 - rate) above", () => {
    for (const [seed, rate] of [[7, 0.3], [0xfffffff0, 0.5], [1, 0.999]]) {
      const rnd = mulberry32(seed);
      const expected = Float32Array.from({ length: 5000 }, () => (rnd() < rate ? 0 : 1 / (1 - rate)));
      const mask = dropoutMask(seed, rate, 5000);
      expect(mask).toEqual(expected);
      expect(mask.filter((v) => v === 0).length / 5000).toBeCloseTo(rate, 1);
    }
  });
});
