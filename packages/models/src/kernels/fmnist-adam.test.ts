import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { createOptimizer } from '../optimizer';
import { seededArray, useBackend } from './kernel-test-utils';

/** Three Adam steps (the last at another learning rate) on random gradients: weights and the optimizer's state. */
async function adamSteps(opt: tf.Optimizer) {
  const shapes = [[3, 3, 1, 8], [37], [50, 16]];
  const vars = shapes.map((s, i) => tf.variable(tf.tensor(seededArray(s.reduce((a, b) => a * b, 1), 10 + i), s), true, `adam_test_${i}_${Math.random()}`));
  for (let step = 0; step < 3; step++) {
    if (step === 2) (opt as unknown as { learningRate: number }).learningRate = 0.003;
    const grads: tf.NamedTensorMap = {};
    vars.forEach((v, i) => (grads[v.name] = tf.tensor(seededArray(v.size, 100 * step + i, -2, 2), v.shape)));
    opt.applyGradients(grads);
    tf.dispose(Object.values(grads));
  }
  const weights = vars.map((v) => Array.from(v.dataSync()));
  const state = (await opt.getWeights()).map((w) => Array.from(w.tensor.dataSync()));
  tf.dispose(vars);
  return { weights, state, iterations: opt.iterations };
}

describe('FmnistAdam: the Adam update in one kernel (createOptimizer("adam") on wasm)', () => {
  it("gives tfjs's Adam's weights, moments and bias corrections bit for bit, in one kernel per variable", async () => {
    await useBackend('wasm');
    const fused = createOptimizer('adam', 0.01);
    const stock = tf.train.adam(0.01);
    const a = await adamSteps(fused);
    const b = await adamSteps(stock);
    expect(a.iterations).toBe(3);
    expect(a.weights).toEqual(b.weights);
    expect(a.state).toEqual(b.state);
    expect(a.weights[1]).not.toEqual(Array.from(seededArray(37, 11)));
    const w = tf.variable(tf.ones([8]), true, `adam_probe_${Math.random()}`);
    const g = tf.ones([8]);
    const probe = createOptimizer('adam', 0.01);
    const kernels = (await tf.profile(() => probe.applyGradients({ [w.name]: g }))).kernels.map((k) => k.name);
    expect(kernels.filter((k) => k === 'FmnistAdam')).toHaveLength(1);
    expect(kernels).not.toContain('Sqrt');
    tf.dispose([w, g]);
  });
});
