import { describe, expect, it } from 'vitest';
import type { RunLookup } from '../run-inputs';
import { techniqueRows } from './comparison-section';

const holdoutRun = (tuning: unknown): Record<string, RunLookup> => ({
  tune: { technique: 'tune' },
  holdout: {
    technique: 'holdout',
    run: {
      technique: 'holdout',
      runId: 'full-1',
      dir: '/runs/holdout/full-1',
      selectedBy: 'latest.json',
      results: { technique: 'holdout', tuning, train: { accuracy: 0.95, loss: 0.1 }, test: { accuracy: 0.9167, loss: 0.23 } },
    },
  },
  kfold: { technique: 'kfold' },
  transfer: { technique: 'transfer' },
});

describe('technique rows', () => {
  it('calls the holdout CNN tuned only when the run tuned it', () => {
    const tuned = techniqueRows(holdoutRun({ method: 'halving', trials: [] }) as any);
    const untuned = techniqueRows(holdoutRun(null) as any);
    expect(tuned.map((r) => r.technique)).toEqual(['Holdout (tuned CNN)']);
    expect(untuned.map((r) => r.technique)).toEqual(['Holdout (untuned CNN)']);
    expect(untuned[0].test).toBe(0.9167);
  });
});
