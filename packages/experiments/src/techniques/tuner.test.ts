import { describe, expect, it } from 'vitest';
import { gridConfigs, sampleConfigs, spaceSize, trialId } from '../settings/search-space';
import { gridSearch, hyperband, planHalving, successiveHalving, type TrialRequest } from './tuner';
import type { TrainParams } from '../types';

const base: TrainParams = {
  activation: 'relu', filters: [8], denseUnits: 16, dropout: 0, batchNorm: false,
  optimizer: 'adam', learningRate: 0.001, momentum: 0, batchSize: 64, epochs: 2,
};
const space = {
  activation: ['relu', 'tanh', 'elu'],
  optimizer: [
    { optimizer: 'adam', learningRate: 0.001, momentum: 0 },
    { optimizer: 'sgd', learningRate: 0.05, momentum: 0.9 },
  ],
  batchSize: [32, 64, 128],
};

// A deterministic score per config that grows with epochs: the scheduler's logic is what is
// under test here, so a pure function of (params, epochs) stands in for training.
const score = (p: TrainParams, epochs: number) =>
  (p.activation === 'elu' ? 0.3 : p.activation === 'tanh' ? 0.2 : 0.1) + (p.optimizer === 'sgd' ? 0.05 : 0) + p.batchSize / 10_000 + epochs / 100;

function recorder() {
  const calls: TrialRequest[] = [];
  const runTrials = async (batch: TrialRequest[]) => {
    calls.push(...batch);
    return batch.map((t) => ({ valAccuracy: score(t.params, t.epochs), valLoss: 1 - score(t.params, t.epochs) }));
  };
  return { calls, runTrials };
}

describe('search space', () => {
  it('grid enumerates the full cartesian product, objects merged into params', () => {
    const g = gridConfigs(space, base);
    expect(g).toHaveLength(spaceSize(space));
    expect(g).toHaveLength(18);
    expect(new Set(g.map((p) => trialId(p))).size).toBe(18);
    const sgd = g.filter((p) => p.optimizer === 'sgd');
    expect(sgd).toHaveLength(9);
    expect(sgd.every((p) => p.learningRate === 0.05 && p.momentum === 0.9)).toBe(true);
    expect(new Set(g.map((p) => p.batchSize))).toEqual(new Set([32, 64, 128]));
  });

  it('sampling is seeded, distinct, and returns the grid when it is small', () => {
    const a = sampleConfigs(space, base, 5, 1);
    expect(a).toHaveLength(5);
    expect(new Set(a.map((p) => trialId(p))).size).toBe(5);
    expect(sampleConfigs(space, base, 5, 1)).toEqual(a);
    expect(sampleConfigs(space, base, 100, 1)).toHaveLength(18);
  });
});

describe('schedulers', () => {
  it('grid search ranks every trial by validation accuracy', async () => {
    const r = recorder();
    const res = await gridSearch({ configs: gridConfigs(space, base), seed: 1, runTrials: r.runTrials });
    expect(res.trials).toHaveLength(18);
    expect(res.trials.map((t) => t.rank)).toEqual(Array.from({ length: 18 }, (_, i) => i + 1));
    for (let i = 1; i < 18; i++) expect(res.trials[i - 1].valAccuracy).toBeGreaterThanOrEqual(res.trials[i].valAccuracy);
    expect(res.best).toMatchObject({ activation: 'elu', optimizer: 'sgd', batchSize: 128 });
    expect(res.spentEpochs).toBe(18 * 2);
  });

  it('plan: 27 configs, eta 3, 1..9 epochs', () => {
    const p = planHalving(27, 1, 9, 3);
    expect(p.rungs).toEqual([{ epochs: 1, trials: 27 }, { epochs: 3, trials: 9 }, { epochs: 9, trials: 3 }]);
    expect(p.plannedEpochs).toBe(27 * 1 + 9 * 2 + 3 * 6);
  });

  it('successive halving keeps the top 1/eta at each rung and spends exactly its planned budget', async () => {
    const r = recorder();
    const configs = gridConfigs(space, base);
    const res = await successiveHalving({ configs, minEpochs: 1, maxEpochs: 4, eta: 2, seed: 5, runTrials: r.runTrials });
    const plan = planHalving(18, 1, 4, 2);
    expect(plan.rungs.map((x) => x.trials)).toEqual([18, 9, 4]);
    expect(res.spentEpochs).toBe(plan.plannedEpochs);
    // Each rung's survivors are exactly the best of the previous rung.
    for (let i = 1; i < res.rungs.length; i++) {
      const prev = res.rungs[i - 1];
      const scored = prev.trialIds.map((id) => res.trials.find((t) => t.id === id)!);
      const byPrevRung = scored
        .map((t) => ({ id: t.id, acc: t.rungs.find((x) => x.epochs === prev.epochs)!.valAccuracy }))
        .sort((a, b) => b.acc - a.acc);
      expect(new Set(res.rungs[i].trialIds)).toEqual(new Set(byPrevRung.slice(0, res.rungs[i].trialIds.length).map((x) => x.id)));
    }
    expect(res.trials.filter((t) => t.status === 'complete')).toHaveLength(4);
    expect(res.trials.filter((t) => t.status === 'pruned')).toHaveLength(14);
    expect(res.best).toMatchObject({ activation: 'elu', optimizer: 'sgd', batchSize: 128, epochs: 4 });
    // A trial keeps its seed across rungs (it resumes its own checkpoint).
    const seeds = new Map<string, number>();
    for (const c of r.calls) {
      if (seeds.has(c.id)) expect(c.seed).toBe(seeds.get(c.id));
      seeds.set(c.id, c.seed);
    }
  });

  it('hyperband runs brackets whose budgets add up', async () => {
    const r = recorder();
    const res = await hyperband({ space, base, minEpochs: 1, maxEpochs: 4, eta: 2, seed: 2, runTrials: r.runTrials });
    expect(res.spentEpochs).toBe(res.plannedEpochs);
    expect(new Set(res.trials.map((t) => t.bracket))).toEqual(new Set([2, 1, 0]));
    expect(res.trials[0].epochs).toBe(4);
  });
});
