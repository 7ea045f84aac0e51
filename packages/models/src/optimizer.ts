// Optimizer factory for the names the study tunes over, with Nesterov momentum for sgd and
// decoupled weight decay for any of them.
import * as tf from '@tensorflow/tfjs';
import { FMNIST_ADAM, type FmnistAdamAttrs } from './kernels/fmnist-adam';
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
      return withFusedAdam(tf.train.adam(learningRate));
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

/** The fields of tfjs's AdamOptimizer withFusedAdam reads and writes (private in its typings). */
interface AdamFields {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: ({ originalName: string; variable: tf.Variable } | undefined)[];
  accumulatedSecondMoment: ({ originalName: string; variable: tf.Variable } | undefined)[];
  incrementIterations(): void;
}

/**
 * tfjs's Adam with each variable's update in one FmnistAdam kernel on wasm (a dozen elementwise
 * ops, each a pass over the variable, otherwise: in data-parallel training they run on one thread
 * while the others wait). The same float32 operations in the same order, so the same weights,
 * moments and bias corrections as tfjs's own update, kept in the optimizer's own variables
 * (checkpoints save and restore them as before). Other backends, and gradients that are not
 * float32 of the variable's shape, take tfjs's code.
 */
function withFusedAdam(opt: tf.Optimizer): tf.Optimizer {
  const stock = opt.applyGradients.bind(opt);
  const f = opt as unknown as AdamFields;
  opt.applyGradients = (grads: Parameters<tf.Optimizer['applyGradients']>[0]) => {
    const names = Array.isArray(grads) ? grads.map((g) => g.name) : Object.keys(grads);
    const gradient = (name: string, i: number) => (Array.isArray(grads) ? grads[i].tensor : grads[name]);
    const variable = (name: string) => tf.engine().registeredVariables[name];
    // (tfjs keeps the moments by position in the gradient list: they must fit that variable too)
    const sameShape = (t: tf.Tensor | undefined, v: tf.Variable) => t === undefined || tf.util.arraysEqual(t.shape, v.shape);
    const fits = names.every((n, i) => {
      const g = gradient(n, i);
      const v = variable(n);
      return g == null || (v !== undefined && g.dtype === 'float32' && v.dtype === 'float32' && sameShape(g, v)
        && sameShape(f.accumulatedFirstMoment[i]?.variable, v) && sameShape(f.accumulatedSecondMoment[i]?.variable, v));
    });
    if (tf.getBackend() !== 'wasm' || !tf.getKernel(FMNIST_ADAM, 'wasm') || !fits) return stock(grads);
    tf.tidy(() => {
      // tfjs's sub(1, accBeta): float32 scalars
      const attrs: FmnistAdamAttrs = {
        beta1: f.beta1, beta2: f.beta2, epsilon: f.epsilon, learningRate: f.learningRate,
        oneMinusAccBeta1: Math.fround(1 - f.accBeta1.dataSync()[0]),
        oneMinusAccBeta2: Math.fround(1 - f.accBeta2.dataSync()[0]),
      };
      names.forEach((name, i) => {
        const value = variable(name);
        f.accumulatedFirstMoment[i] ??= { originalName: `${name}/m`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
        f.accumulatedSecondMoment[i] ??= { originalName: `${name}/v`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
        const g = gradient(name, i);
        if (g == null) return;
        const m = f.accumulatedFirstMoment[i].variable;
        const v = f.accumulatedSecondMoment[i].variable;
        const [w2, m2, v2] = tf.engine().runKernel(FMNIST_ADAM, { value, m, v, gradient: g }, attrs as unknown as tf.NamedAttrMap) as unknown as tf.Tensor[];
        m.assign(m2);
        v.assign(v2);
        value.assign(w2);
      });
      f.accBeta1.assign(tf.mul(f.accBeta1, f.beta1));
      f.accBeta2.assign(tf.mul(f.accBeta2, f.beta2));
    });
    f.incrementIterations();
  };
  return opt;
}
