import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createOptimizer } from './optimizer';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Two steps of `opt` on loss = sum(w * a) + sum(b * c) (constant gradients a, c), the second at `lr2`. */
function twoSteps(opt: tf.Optimizer, lr2: number) {
  const w = tf.variable(tf.tensor2d([[1, -2], [3, 0.5]]));
  const b = tf.variable(tf.tensor1d([0.5, -1]));
  const a = tf.tensor2d([[0.1, 0.2], [-0.3, 0.4]]);
  const c = tf.tensor1d([1, 2]);
  const loss = () => tf.add(tf.sum(tf.mul(w, a)), tf.sum(tf.mul(b, c))) as tf.Scalar;
  opt.minimize(loss, false, [w, b]);
  // as the training loop sets a scheduled rate: sgd caches -lr (setLearningRate), adam reads the field
  const o = opt as unknown as { learningRate: number; setLearningRate?: (lr: number) => void };
  if (o.setLearningRate) o.setLearningRate(lr2);
  else o.learningRate = lr2;
  opt.minimize(loss, false, [w, b]);
  const out = { w: Array.from(w.dataSync()), b: Array.from(b.dataSync()) };
  tf.dispose([w, b, a, c]);
  return out;
}

describe('createOptimizer', () => {
  it('sgd + Nesterov + decoupled weight decay: each step w <- w(1 - lr wd) - lr (g + m v), v <- m v + g; biases not decayed', () => {
    const [lr1, lr2, m, wd] = [0.1, 0.05, 0.9, 0.01];
    const got = twoSteps(createOptimizer('sgd', lr1, m, { nesterov: true, weightDecay: wd }), lr2);
    const hand = (x0: number[], g: number[], decay: boolean) =>
      x0.map((x, i) => {
        let v = 0;
        for (const lr of [lr1, lr2]) {
          v = m * v + g[i];
          x = x * (decay ? 1 - lr * wd : 1) - lr * (g[i] + m * v);
        }
        return x;
      });
    const w = hand([1, -2, 3, 0.5], [0.1, 0.2, -0.3, 0.4], true);
    const b = hand([0.5, -1], [1, 2], false);
    got.w.forEach((v, i) => expect(v).toBeCloseTo(w[i], 6));
    got.b.forEach((v, i) => expect(v).toBeCloseTo(b[i], 6));
  });

  it('without the extras sgd keeps classic momentum (w <- w - lr v), so existing runs are unchanged', () => {
    const got = twoSteps(createOptimizer('sgd', 0.1, 0.9), 0.1);
    // v1 = g, v2 = 1.9 g: w = 1 - 0.1 * 2.9 * 0.1
    expect(got.w[0]).toBeCloseTo(1 - 0.1 * 2.9 * 0.1, 6);
  });

  it('decays adam kernels too (AdamW); adam ignores nesterov as it ignores momentum', () => {
    const plain = twoSteps(createOptimizer('adam', 0.01), 0.01);
    const decayed = twoSteps(createOptimizer('adam', 0.01, 0, { weightDecay: 0.5 }), 0.01);
    // w(1 - lr wd) twice before each Adam step, which does not depend on the scale of w
    expect(decayed.w[0]).toBeCloseTo((1 * 0.995 - (1 - plain.w[0]) / 2) * 0.995 - (1 - plain.w[0]) / 2, 5);
    expect(decayed.b).toEqual(plain.b);
    expect(twoSteps(createOptimizer('adam', 0.01, 0, { nesterov: true }), 0.01)).toEqual(plain);
    expect(() => createOptimizer('sgd', 0.01, 0.9, { weightDecay: -1 })).toThrow(/weightDecay must be a finite number ≥ 0, got -1/);
  });
});
