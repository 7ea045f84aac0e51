// One training unit end to end on real images: what its per-epoch curve scores and what its final
// scores and saved model are, with test-time flips and shifts in the recipe.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadData, resolveData, type LoadedData } from '../data/dataset';
import { createEngine, toTrainData } from '../engine';
import { runTrainTask, unitData, type TrainTask } from './train-task';

let root: string;
let data: LoadedData;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'fmnist-train-task-'));
  data = await loadData(await resolveData());
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('runTrainTask with test-time views', () => {
  it('scores the per-epoch curve on plain predictions and the final validation and test with flips and shifts averaged', async () => {
    const engine = createEngine();
    await engine.initBackend();
    const task: TrainTask = {
      id: 'unit-tta',
      source: data,
      data: { trainSubset: 800, testSubset: 300, seed: 7 },
      split: { kind: 'holdout', validationFraction: 0.25, seed: 8 },
      params: {
        activation: 'relu', filters: [4, 8], denseUnits: 16, dropout: 0, batchNorm: false, optimizer: 'adam', learningRate: 0.01,
        momentum: 0, padding: 'same', batchSize: 50, epochs: 2, augment: { flip: true }, tta: true, ttaShift: 1,
      },
      seed: 11,
      checkpointDir: join(root, 'ckpt'),
      resultFile: join(root, 'result.json'),
      modelDir: join(root, 'model'),
      evalTest: true,
      evalTrain: true,
    };
    const r = (await runTrainTask(engine, async () => data, task))!;
    const d = unitData(data, task);
    const model = await engine.loadModel(task.modelDir!);
    const plain = await engine.evaluate(model, toTrainData(d.validation), { tta: false });
    const flips = await engine.evaluate(model, toTrainData(d.validation), { tta: true });
    const views = await engine.evaluate(model, toTrainData(d.validation), { tta: true, ttaShift: 1 });
    const test = await engine.evaluate(model, toTrainData(d.test), { tta: true, ttaShift: 1 });
    const fit = await engine.evaluate(model, toTrainData(d.train));
    const fitViews = await engine.evaluate(model, toTrainData(d.train), { tta: true, ttaShift: 1 });
    model.dispose();
    // the saved model is the one scored: its last epoch's curve point is the plain score...
    const last = r.history[r.history.length - 1];
    expect(last.valLoss).toBeCloseTo(plain.loss, 5);
    expect(last.valAccuracy).toBeCloseTo(plain.accuracy, 6);
    // ...and the unit's final scores average flips and shifts, which changes the probabilities
    expect(r.validation.loss).toBeCloseTo(views.loss, 5);
    expect(r.validation.accuracy).toBeCloseTo(views.accuracy, 6);
    expect(r.test!.accuracy).toBeCloseTo(test.accuracy, 6);
    expect(r.test!.loss).toBeCloseTo(test.loss, 5);
    expect(Math.abs(flips.loss - plain.loss)).toBeGreaterThan(1e-4);
    expect(Math.abs(views.loss - flips.loss)).toBeGreaterThan(1e-4);
    // the training score measures the fit on plain predictions
    expect(r.train!.loss).toBeCloseTo(fit.loss, 5);
    expect(r.train!.accuracy).toBeCloseTo(fit.accuracy, 6);
    expect(Math.abs(fitViews.loss - fit.loss)).toBeGreaterThan(1e-4);
  });
});
