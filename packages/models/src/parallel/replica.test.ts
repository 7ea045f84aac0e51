import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/index';
import { createCnn } from '../cnn';
import { SeededDropout, setNoiseStep } from '../seeded-dropout';
import { buildReplica, describeReplica } from './replica';

beforeAll(async () => {
  await initBackend('wasm');
});

/** The output of dropout layer `name` of `model` on ones, in training mode, at noise step `step`. */
function mask(model: tf.LayersModel, name: string, step: number): number[] {
  setNoiseStep(model, step);
  const layer = model.getLayer(name);
  return tf.tidy(() => Array.from((layer.apply(tf.ones([2, 40]), { training: true }) as tf.Tensor).dataSync()));
}

describe('buildReplica', () => {
  it("builds seeded dropout layers as SeededDropout: the model's mask for each step, a new mask per step", () => {
    const model = createCnn({ activation: 'relu', filters: [8], denseUnits: 40, dropout: 0.5, batchNorm: true, padding: 'same', seed: 3 });
    const replica = buildReplica(describeReplica(model, 10, 4));
    const names = model.layers.filter((l) => l instanceof SeededDropout).map((l) => l.name);
    expect(names).toEqual(['drop1', 'dense1_drop']);
    for (const name of names) expect(replica.getLayer(name)).toBeInstanceOf(SeededDropout);
    const [a, b] = [mask(replica, 'dense1_drop', 7), mask(replica, 'dense1_drop', 8)];
    expect(a).toEqual(mask(model, 'dense1_drop', 7));
    expect(b).not.toEqual(a);
    expect(a.filter((v) => v === 0).length).toBeGreaterThan(10);
    model.dispose();
    replica.dispose();
  });

  it('keeps an unseeded stock Dropout stock', () => {
    const input = tf.input({ shape: [40] });
    const out = tf.layers.dense({ units: 3 }).apply(tf.layers.dropout({ rate: 0.5, name: 'plain' }).apply(input)) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: out });
    const replica = buildReplica(describeReplica(model, 10, 4));
    expect(replica.getLayer('plain')).not.toBeInstanceOf(SeededDropout);
    expect(replica.getLayer('plain').getClassName()).toBe('Dropout');
    model.dispose();
    replica.dispose();
  });
});
