import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runHoldout } from './holdout';
import type { Overrides } from '../settings/profiles';
import { runTune } from './tune';
import { planHalving } from './tuner';

let runsDir: string;
beforeAll(async () => {
  runsDir = await mkdtemp(join(tmpdir(), 'fmnist-tune-'));
});
afterAll(async () => {
  await rm(runsDir, { recursive: true, force: true });
});

// Real training on a small subset: 4 configs, successive halving 1 -> 2 epochs.
const overrides: Overrides = {
  data: { trainSubset: 1500, testSubset: 400 },
  params: { filters: [4], denseUnits: 16, epochs: 1, batchSize: 50 },
  tune: {
    method: 'halving',
    space: {
      activation: ['relu', 'tanh'],
      optimizer: [
        { optimizer: 'adam', learningRate: 0.003, momentum: 0 },
        { optimizer: 'sgd', learningRate: 0.0005, momentum: 0 },
      ],
    },
    subset: 800,
    configs: 4,
    minEpochs: 1,
    maxEpochs: 2,
    eta: 2,
  },
  holdout: { tune: true, epochs: 2 },
};

describe('tune then holdout on a real subset', () => {
  it('halving trains every config, keeps the top half, ranks all trials; holdout trains the best and scores test', async () => {
    const lines: string[] = [];
    const tune = await runTune({ runsDir, concurrency: 2, overrides, log: (l) => lines.push(l) });
    expect(tune.method).toBe('halving');
    expect(tune.trials).toHaveLength(4);
    expect(tune.trials.map((t) => t.rank)).toEqual([1, 2, 3, 4]);
    const complete = tune.trials.filter((t) => t.status === 'complete');
    expect(complete).toHaveLength(2);
    expect(complete.every((t) => t.epochs === 2)).toBe(true);
    expect(tune.trials.filter((t) => t.status === 'pruned').every((t) => t.epochs === 1)).toBe(true);
    // The survivors were the best two at 1 epoch.
    const at1 = tune.trials.map((t) => ({ id: t.id, acc: t.rungs[0].valAccuracy })).sort((a, b) => b.acc - a.acc);
    expect(new Set(complete.map((t) => t.id))).toEqual(new Set(at1.slice(0, 2).map((t) => t.id)));
    expect(tune.budget.spentEpochs).toBe(planHalving(4, 1, 2, 2).plannedEpochs);
    expect(tune.budget).toMatchObject({ trialRows: 640, validationRows: 160 });
    // A clearly bad config (tiny-lr sgd) does not win over adam.
    expect(tune.best.optimizer).toBe('adam');
    expect(tune.best.epochs).toBe(2);
    const files = await readdir(join(tune.runDir, 'trials', tune.trials[0].id));
    expect(files).toEqual(expect.arrayContaining(['epochs-1.json', 'epochs-2.json']));
    expect(lines.some((l) => /^trial t-[0-9a-f]{8} \(#\d\) epoch 1\/1 loss/.test(l))).toBe(true);

    const holdout = await runHoldout({ runsDir, concurrency: 2, overrides });
    expect(holdout.tuning?.runId).toBe(tune.runId);
    expect(holdout.params).toMatchObject({ ...tune.best, epochs: 2 });
    expect(holdout.history).toHaveLength(2);
    expect(holdout.test.confusion.flat().reduce((a, b) => a + b, 0)).toBe(400);
    expect(holdout.test.perClass).toHaveLength(10);
    expect(holdout.test.accuracy).toBeGreaterThan(0.4);
    expect(holdout.validation.accuracy).toBeGreaterThan(0.4);
    expect(existsSync(join(holdout.runDir, 'model', 'model.json'))).toBe(true);
    const results = JSON.parse(await readFile(join(holdout.runDir, 'results.json'), 'utf8'));
    expect(results.test.probabilities).toBeUndefined();
    expect(results.tuning.trials).toHaveLength(4);
  });

  it('grid search trains every point of the grid once', async () => {
    const grid = await runTune({
      runsDir,
      concurrency: 1,
      overrides: { ...overrides, tune: { ...overrides.tune, method: 'grid', maxTrials: 10 } },
    });
    expect(grid.method).toBe('grid');
    expect(grid.trials).toHaveLength(4);
    expect(grid.trials.every((t) => t.epochs === 1 && t.status === 'complete')).toBe(true);
    expect(new Set(grid.trials.map((t) => `${t.params.activation}/${t.params.optimizer}`)).size).toBe(4);
  });
});

describe('holdout with the full profile callbacks', () => {
  it('halves the learning rate on a validation-loss plateau and stops early; the schedule is part of the run id', async () => {
    // lr 0.02 on 480 images overfits within a few epochs, so the validation loss turns up.
    const base: Overrides = {
      data: { trainSubset: 600, testSubset: 200 },
      params: { filters: [4], denseUnits: 16, optimizer: 'adam', learningRate: 0.02, batchSize: 50 },
      holdout: { tune: false, epochs: 15 },
    };
    const withCallbacks: Overrides = { ...base, callbacks: { reduceLrOnPlateau: { factor: 0.5, patience: 1 }, earlyStopping: { patience: 2 } } };
    // (the smoke profile: quick's params carry a one-cycle schedule, which the plateau callback would contradict)
    const h = await runHoldout({ runsDir, profile: 'smoke', concurrency: 1, overrides: withCallbacks });
    expect(h.callbacks).toEqual(withCallbacks.callbacks);
    expect(h.stoppedEarly).toBe(true);
    expect(h.history.length).toBeLessThan(15);
    const losses = h.history.map((m) => m.valLoss as number);
    // Stopped exactly when the last two epochs were no better than the best before them.
    const bestBefore = Math.min(...losses.slice(0, -2));
    expect(losses.slice(-2).every((l) => l >= bestBefore)).toBe(true);
    // Each epoch without a new best validation loss halves the rate of the next one.
    let best = Infinity;
    for (let i = 0; i < h.history.length - 1; i++) {
      const lr = h.history[i].learningRate as number;
      const improved = losses[i] < best;
      best = Math.min(best, losses[i]);
      expect(h.history[i + 1].learningRate).toBeCloseTo(improved ? lr : lr * 0.5, 8);
    }
    expect(h.history.some((m) => (m.learningRate as number) < 0.02)).toBe(true);
    const log = await readFile(join(h.runDir, 'log.txt'), 'utf8');
    expect(log).toMatch(/stopped early after \d+ of 15 epochs/);

    const plain = await runHoldout({ runsDir, profile: 'smoke', concurrency: 1, overrides: { ...base, holdout: { tune: false, epochs: 3 } } });
    expect(plain.stoppedEarly).toBe(false);
    expect(plain.callbacks).toEqual({});
    expect(plain.history.every((m) => m.learningRate === 0.02)).toBe(true);
    expect(plain.runId).not.toBe(h.runId);
  });
});
