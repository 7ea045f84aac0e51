import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createHead } from './head';
import { OPTIMIZER_NAMES } from './optimizer';
import { encodeOptimizerState, restoreOptimizerState } from './optimizer-state';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const x = () => tf.randomNormal([16, 12], 0, 1, 'float32', 3);
const y = () => tf.tidy(() => tf.oneHot(tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5], 'int32'), 10).toFloat());

async function steps(m: tf.LayersModel, k: number) {
  for (let i = 0; i < k; i++) {
    const [a, b] = [x(), y()];
    await m.trainOnBatch(a, b);
    tf.dispose([a, b]);
  }
}

describe('optimizer state', () => {
  it.each(OPTIMIZER_NAMES)('%s: a restored optimizer continues bit-identically', async (optimizer) => {
    const o = { optimizer, learningRate: 0.01, momentum: 0.9, dropout: 0, denseUnits: 8, seed: 1 };
    const a = createHead(12, o);
    await steps(a, 3);
    const state = await encodeOptimizerState(a.optimizer);
    const b = createHead(12, o);
    b.setWeights(a.getWeights());
    await restoreOptimizerState(b.optimizer, state.specs, state.data);
    await steps(a, 1);
    await steps(b, 1);
    const before = tf.memory().numTensors;
    await steps(a, 2);
    await steps(b, 2);
    expect(tf.memory().numTensors).toBe(before);
    const wa = a.getWeights().map((t) => Array.from(t.dataSync()));
    const wb = b.getWeights().map((t) => Array.from(t.dataSync()));
    expect(wb).toEqual(wa);
    a.dispose();
    b.dispose();
  });
});
