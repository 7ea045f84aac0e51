// The CNN factory: the original study's network and stronger variants from hyperparameters.
import * as tf from '@tensorflow/tfjs';
import { deriveSeed } from './rng';
import { fastBatchNormalization } from './fast-batch-norm';
import { SeededDropout } from './seeded-dropout';
import { createOptimizer } from './optimizer';
import { ACTIVATIONS, CNN_LIMITS, POOLINGS, checkRange, cnnShapeProblem, type Activation, type OptimizerName, type Pooling } from './limits';
import { IMAGE_SIDE, NUM_CLASSES } from '@fmnist/core';

export { ACTIVATIONS, IMAGE_SIDE, NUM_CLASSES, type Activation };

export interface CnnOptions {
  activation: Activation;
  /** One Conv2D(3x3) (x convsPerBlock) + MaxPool(2) block per entry; reference [32, 64]. */
  filters: number[];
  /** Hidden dense units; reference 128; 0 = no hidden dense layer. */
  denseUnits: number;
  /** Dropout rate after each block and before the output; 0 = none. */
  dropout: number;
  batchNorm: boolean;
  optimizer: OptimizerName;
  learningRate: number;
  /** Used by sgd (and rmsprop). */
  momentum: number;
  seed: number;
  /** Conv padding (Keras default 'valid'; the reference uses it). */
  padding?: 'valid' | 'same';
  /** Conv layers per block (default 1). */
  convsPerBlock?: number;
  /**
   * Batch-norm moving-average momentum (default 0.9, PyTorch's 0.1 in its convention). Keras'
   * 0.99 makes the inference statistics lag for hundreds of steps, so short runs and the first
   * rungs of a tuning schedule judge batch-norm networks by stale statistics.
   */
  batchNormMomentum?: number;
  /**
   * After the last block: 'flatten' (default, the reference) or 'global-average' (one mean per
   * channel: far fewer dense weights, and the dense layer no longer sees where features are).
   */
  pooling?: Pooling;
  /** sgd with momentum > 0: Nesterov momentum (default false; other optimizers ignore it) */
  nesterov?: boolean;
  /** decoupled weight decay of the kernels (default 0 = none; see createOptimizer) */
  weightDecay?: number;
}

export const DEFAULT_BATCH_NORM_MOMENTUM = 0.9;

/** The original study's network: tanh, Conv(32)-Pool-Conv(64)-Pool-Dense(128)-Dense(10), Adam 0.001. */
export const REFERENCE_CNN: Readonly<CnnOptions> = Object.freeze({
  activation: 'tanh',
  filters: [32, 64],
  denseUnits: 128,
  dropout: 0,
  batchNorm: false,
  optimizer: 'adam',
  learningRate: 0.001,
  momentum: 0,
  seed: 42,
  padding: 'valid',
  convsPerBlock: 1,
});

/**
 * The default for accuracy: relu + batch norm + dropout, 'same' padding so the second block still
 * sees 14x14, a wider dense layer. About 1.8x the reference's multiply-adds per image.
 */
export const STRONG_CNN: Readonly<CnnOptions> = Object.freeze({
  activation: 'relu',
  filters: [32, 64],
  denseUnits: 256,
  dropout: 0.3,
  batchNorm: true,
  optimizer: 'adam',
  learningRate: 0.001,
  momentum: 0,
  seed: 42,
  padding: 'same',
  convsPerBlock: 1,
});

export function resolveCnnOptions(o: Partial<CnnOptions> = {}, base: Readonly<CnnOptions> = REFERENCE_CNN): CnnOptions {
  const r: CnnOptions = { ...base, ...o, filters: [...(o.filters ?? base.filters)] };
  if (!ACTIVATIONS.includes(r.activation)) throw new RangeError(`unknown activation "${r.activation}"; use one of ${ACTIVATIONS.join(', ')}`);
  if (r.filters.length === 0) throw new RangeError('filters must list at least one block, got []');
  for (const f of r.filters) checkRange('each filters entry', f, CNN_LIMITS.filters);
  checkRange('denseUnits', r.denseUnits, CNN_LIMITS.denseUnits);
  checkRange('dropout', r.dropout, CNN_LIMITS.dropout);
  const convs = checkRange('convsPerBlock', r.convsPerBlock ?? 1, CNN_LIMITS.convsPerBlock);
  if (r.batchNormMomentum !== undefined) checkRange('batchNormMomentum', r.batchNormMomentum, CNN_LIMITS.batchNormMomentum);
  if (r.pooling !== undefined && !POOLINGS.includes(r.pooling)) throw new RangeError(`unknown pooling "${String(r.pooling)}"; use one of ${POOLINGS.join(', ')}`);
  if (r.weightDecay !== undefined) checkRange('weightDecay', r.weightDecay, CNN_LIMITS.weightDecay);
  const shape = cnnShapeProblem(r.filters.length, r.padding, convs);
  if (shape) throw new RangeError(shape);
  return r;
}

/** Glorot-uniform initialiser seeded per layer, so the same seed gives the same weights. */
export function seededGlorot(seed: number, layerIndex: number): ReturnType<typeof tf.initializers.glorotUniform> {
  return tf.initializers.glorotUniform({ seed: deriveSeed(seed, layerIndex) });
}

/** Compiles with categorical cross-entropy and accuracy, the loss the study reports. */
export function compileClassifier(model: tf.LayersModel, o: Pick<CnnOptions, 'optimizer' | 'learningRate' | 'momentum' | 'nesterov' | 'weightDecay'>): void {
  model.compile({
    optimizer: createOptimizer(o.optimizer, o.learningRate, o.momentum, { nesterov: o.nesterov, weightDecay: o.weightDecay }),
    loss: 'categoricalCrossentropy',
    metrics: ['accuracy'],
  });
}

/** A compiled CNN for [n, 28, 28, 1] inputs in [0, 1]. Defaults to REFERENCE_CNN. */
export function createCnn(options: Partial<CnnOptions> = {}): tf.LayersModel {
  const o = resolveCnnOptions(options);
  const convs = o.convsPerBlock ?? 1;
  const model = tf.sequential({ name: 'cnn' });
  let li = 0;
  o.filters.forEach((filters, b) => {
    for (let c = 0; c < convs; c++) {
      const name = convs === 1 ? `conv${b + 1}` : `conv${b + 1}_${c + 1}`;
      model.add(
        tf.layers.conv2d({
          name,
          ...(li === 0 ? { inputShape: [IMAGE_SIDE, IMAGE_SIDE, 1] } : {}),
          filters,
          kernelSize: 3,
          padding: o.padding ?? 'valid',
          activation: o.batchNorm ? 'linear' : o.activation,
          useBias: !o.batchNorm,
          kernelInitializer: seededGlorot(o.seed, li++),
        }),
      );
      if (o.batchNorm) {
        model.add(fastBatchNormalization({ name: `${name}_bn`, momentum: o.batchNormMomentum ?? DEFAULT_BATCH_NORM_MOMENTUM }));
        model.add(tf.layers.activation({ name: `${name}_act`, activation: o.activation }));
      }
    }
    model.add(tf.layers.maxPooling2d({ name: `pool${b + 1}`, poolSize: 2 }));
    if (o.dropout > 0) model.add(new SeededDropout({ name: `drop${b + 1}`, rate: o.dropout, seed: deriveSeed(o.seed, 1000 + b) }));
  });
  model.add(o.pooling === 'global-average' ? tf.layers.globalAveragePooling2d({ name: 'global_pool' }) : tf.layers.flatten({ name: 'flatten' }));
  if (o.denseUnits > 0) {
    model.add(
      tf.layers.dense({
        name: 'dense1',
        units: o.denseUnits,
        activation: o.batchNorm ? 'linear' : o.activation,
        useBias: !o.batchNorm,
        kernelInitializer: seededGlorot(o.seed, li++),
      }),
    );
    if (o.batchNorm) {
      model.add(fastBatchNormalization({ name: 'dense1_bn', momentum: o.batchNormMomentum ?? DEFAULT_BATCH_NORM_MOMENTUM }));
      model.add(tf.layers.activation({ name: 'dense1_act', activation: o.activation }));
    }
    if (o.dropout > 0) model.add(new SeededDropout({ name: 'dense1_drop', rate: o.dropout, seed: deriveSeed(o.seed, 2000) }));
  }
  model.add(tf.layers.dense({ name: 'output', units: NUM_CLASSES, activation: 'softmax', kernelInitializer: seededGlorot(o.seed, li++) }));
  compileClassifier(model, o);
  return model;
}
