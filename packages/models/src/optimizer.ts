// Optimizer factory for the names the study tunes over.
import * as tf from '@tensorflow/tfjs';
import { CNN_LIMITS, OPTIMIZER_NAMES, checkRange, type OptimizerName } from './limits';

export { OPTIMIZER_NAMES, type OptimizerName };

/** Momentum applies to sgd (classic momentum when > 0) and rmsprop; the others ignore it. */
export function createOptimizer(name: OptimizerName, learningRate: number, momentum = 0): tf.Optimizer {
  checkRange('learning rate', learningRate, CNN_LIMITS.learningRate);
  checkRange('momentum', momentum, CNN_LIMITS.momentum);
  switch (name) {
    case 'adam':
      return tf.train.adam(learningRate);
    case 'sgd':
      return momentum > 0 ? tf.train.momentum(learningRate, momentum) : tf.train.sgd(learningRate);
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
