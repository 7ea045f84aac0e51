// The training recipe through the techniques: settings reach the trained units (holdout model and
// folds), the units train and record their per-step learning rate, and the models they save load
// with plain @tensorflow/tfjs in a fresh process, predicting what the project's loadModel does.
import * as tf from '@tensorflow/tfjs';
import { plainTfjsPredict } from '@fmnist/models/testing/plain-tfjs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../engine';
import type { Overrides } from '../settings/profiles';
import type { TrainParams } from '../types';
import { runHoldout } from './holdout';
import { runKFold } from './kfold';

const RECIPE: Partial<TrainParams> = {
  filters: [4, 8],
  padding: 'same',
  denseUnits: 16,
  dropout: 0.2,
  batchNorm: true,
  batchSize: 50,
  epochs: 2,
  schedule: { kind: 'one-cycle', warmupFraction: 0.5 },
  augment: { flip: true, translate: 1 },
  labelSmoothing: 0.1,
  ema: { decay: 0.9 },
  tta: true,
};

let root: string;
let xFile: string;
const N = 8;
const x = Float32Array.from({ length: N * 784 }, (_, i) => ((i * 2654435761) % 1000) / 1000);
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'fmnist-recipe-units-'));
  xFile = join(root, 'x.bin');
  await writeFile(xFile, x);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function expectPortable(modelDir: string): Promise<void> {
  const engine = createEngine();
  await engine.initBackend();
  const model = await engine.loadModel(modelDir);
  const ours = tf.tidy(() => Array.from((model.predict(tf.tensor4d(x, [N, 28, 28, 1])) as tf.Tensor).dataSync()));
  model.dispose();
  const plain = await plainTfjsPredict(modelDir, xFile, N);
  expect(plain.classes).toContain('Dropout');
  ours.forEach((p, i) => expect(plain.p[i]).toBeCloseTo(p, 5));
}

describe('the training recipe in holdout and k-fold', () => {
  it('the holdout model trains with it and is saved as a standard tfjs model', async () => {
    const overrides: Overrides = { data: { trainSubset: 600, testSubset: 200 }, params: RECIPE, holdout: { tune: false, epochs: 2 } };
    const r = await runHoldout({ runsDir: join(root, 'runs'), concurrency: 1, overrides });
    expect(r.params).toMatchObject({ schedule: RECIPE.schedule, augment: RECIPE.augment, labelSmoothing: 0.1, ema: RECIPE.ema, tta: true });
    // one-cycle: the rate of the last step of epoch 2 is far below that of epoch 1 (the peak is mid-run)
    expect(r.history.map((h) => h.learningRate)).toHaveLength(2);
    expect(r.history[1].learningRate!).toBeLessThan(r.history[0].learningRate! / 10);
    await expectPortable(join(r.runDir, 'model'));
  });

  it('each fold trains with kfold.params and its saved model loads with plain tfjs', async () => {
    const overrides: Overrides = { data: { testSubset: 200 }, kfold: { k: 2, subset: 400, params: RECIPE } };
    const r = await runKFold({ runsDir: join(root, 'runs'), concurrency: 1, overrides });
    expect(r.params).toMatchObject({ ema: RECIPE.ema, tta: true });
    for (const i of [1, 2]) await expectPortable(join(r.runDir, `fold-${i}`, 'model'));
  });
});
