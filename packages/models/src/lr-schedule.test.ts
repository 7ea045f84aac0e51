import { describe, expect, it } from 'vitest';
import { checkSchedule, scheduledLearningRate } from './lr-schedule';

const lr = (s: Parameters<typeof scheduledLearningRate>[0], step: number, total = 101) => scheduledLearningRate(s, 0.1, step, total);

describe('scheduledLearningRate', () => {
  it('one-cycle: linear warm-up to the peak, then a half cosine down to endFactor * peak', () => {
    const s = { kind: 'one-cycle', warmupFraction: 0.2, startFactor: 0.1, endFactor: 0.01 } as const;
    // 101 steps: t = step / 100
    expect(lr(s, 0)).toBeCloseTo(0.01, 12);
    expect(lr(s, 10)).toBeCloseTo(0.01 + (0.1 - 0.01) * 0.5, 12);
    expect(lr(s, 20)).toBeCloseTo(0.1, 12);
    // halfway down the cosine: the mean of peak and end
    expect(lr(s, 60)).toBeCloseTo((0.1 + 0.001) / 2, 12);
    expect(lr(s, 100)).toBeCloseTo(0.001, 12);
  });

  it('one-cycle with linear annealing goes down along a line', () => {
    const s = { kind: 'one-cycle', warmupFraction: 0.5, anneal: 'linear', startFactor: 0, endFactor: 0 } as const;
    expect(lr(s, 25)).toBeCloseTo(0.05, 12);
    expect(lr(s, 50)).toBeCloseTo(0.1, 12);
    expect(lr(s, 75)).toBeCloseTo(0.05, 12);
    expect(lr(s, 100)).toBe(0);
  });

  it('triangular: up from minFactor * peak to the peak and back down, `cycles` times', () => {
    const s = { kind: 'triangular', cycles: 2, minFactor: 0.2 } as const;
    expect(lr(s, 0)).toBeCloseTo(0.02, 12);
    expect(lr(s, 25)).toBeCloseTo(0.1, 12);
    expect(lr(s, 37.5)).toBeCloseTo(0.06, 12);
    expect(lr(s, 50)).toBeCloseTo(0.02, 12);
    expect(lr(s, 75)).toBeCloseTo(0.1, 12);
    expect(lr(s, 100)).toBeCloseTo(0.02, 12);
  });

  it('the defaults: one-cycle 25% warm-up from 4% of the peak, cosine down to 0.1%', () => {
    const s = { kind: 'one-cycle' } as const;
    expect(lr(s, 0)).toBeCloseTo(0.004, 12);
    expect(lr(s, 25)).toBeCloseTo(0.1, 12);
    expect(lr(s, 100)).toBeCloseTo(0.0001, 12);
  });

  it('refuses fields of the other kind and values out of range, naming them', () => {
    expect(() => checkSchedule({ kind: 'triangular', anneal: 'linear' })).toThrow(/anneal does not apply to a triangular schedule/);
    expect(() => checkSchedule({ kind: 'one-cycle', warmupFraction: 1.5 })).toThrow(/schedule.warmupFraction must be a finite number ≥ 0 and ≤ 1, got 1.5/);
    expect(() => checkSchedule({ kind: 'cyclic' as 'triangular' })).toThrow(/schedule.kind must be one of one-cycle, triangular/);
  });
});
