// Optimizer factory for the names the study tunes over, with Nesterov momentum for sgd and
// decoupled weight decay for any of them.
import * as tf from '@tensorflow/tfjs';
import { CNN_LIMITS, OPTIMIZER_NAMES, checkRange, type OptimizerName } from './limits';

export { OPTIMIZER_NAMES, type OptimizerName };

export interface OptimizerExtras {
  /**
   * sgd with momentum > 0: Nesterov's look-ahead momentum (w -= lr * (g + momentum * v_new)); the
   * other optimizers ignore it (as they ignore momentum), so one setting serves a mixed search.
   */
  nesterov?: boolean;
  /**
   * Decoupled weight decay (SGDW/AdamW, as PyTorch's AdamW): before each update every kernel
   * (weights of rank >= 2; biases and batch-norm scales and offsets are left alone) shrinks by
   * w <- w * (1 - lr * weightDecay), at the current (scheduled) learning rate. 0 = none.
   */
  weightDecay?: number;
}

/** Momentum applies to sgd (classic, or Nesterov's with extras.nesterov, when > 0) and rmsprop; the others ignore it. */
export function createOptimizer(name: OptimizerName, learningRate: number, momentum = 0, extras: OptimizerExtras = {}): tf.Optimizer {
  checkRange('learning rate', learningRate, CNN_LIMITS.learningRate);
  checkRange('momentum', momentum, CNN_LIMITS.momentum);
  const wd = checkRange('weightDecay', extras.weightDecay ?? 0, CNN_LIMITS.weightDecay);
  const opt = baseOptimizer(name, learningRate, momentum, extras.nesterov === true);
  return wd > 0 ? withWeightDecay(opt, wd) : opt;
}

function baseOptimizer(name: OptimizerName, learningRate: number, momentum: number, nesterov: boolean): tf.Optimizer {
  switch (name) {
    case 'adam':
      return tf.train.adam(learningRate);
    case 'sgd':
      return momentum > 0 ? tf.train.momentum(learningRate, momentum, nesterov) : tf.train.sgd(learningRate);
    case 'rmsprop':
      return tf.train.rmsprop(learningRate, 0.9, momentum);
    case 'adagrad':
      return tf.train.adagrad(learningRate);
    case 'adamax':
      return tf.train.adamax(learningRate);
    default:
      throw new RangeError(`unknown optimizer "${String(name)}"; use one of ${OPTIMIZER_NAMES.join(', ')}`);
  }
}

/**
 * Adds decoupled weight decay to `opt` in place: its applyGradients (which minimize and a
 * data-parallel step both call) first decays the kernels it is about to update. The optimizer
 * keeps its class and state, so checkpoints save and restore it as before.
 */
function withWeightDecay(opt: tf.Optimizer, weightDecay: number): tf.Optimizer {
  const apply = opt.applyGradients.bind(opt);
  opt.applyGradients = (grads: Parameters<tf.Optimizer['applyGradients']>[0]) => {
    const names = Array.isArray(grads) ? grads.map((g) => g.name) : Object.keys(grads);
    const lr = (opt as unknown as { learningRate: number }).learningRate;
    tf.tidy(() => {
      const keep = tf.scalar(1 - lr * weightDecay);
      for (const n of names) {
        const v = tf.engine().registeredVariables[n];
        if (v && v.rank >= 2) v.assign(tf.mul(v, keep));
      }
    });
    apply(grads);
  };
  return opt;
}
