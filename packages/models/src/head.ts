// The new classification head trained on frozen VGG features.
import * as tf from '@tensorflow/tfjs';
import { ACTIVATIONS, NUM_CLASSES, compileClassifier, seededGlorot, type CnnOptions } from './cnn';
import { deriveSeed } from './rng';
import { SeededDropout } from './seeded-dropout';

export type HeadOptions = Pick<CnnOptions, 'activation' | 'denseUnits' | 'dropout' | 'optimizer' | 'learningRate' | 'momentum' | 'seed'>;

/** Default head: Dense(256, relu) + dropout 0.5 + Dense(10, softmax), Adam 0.001. denseUnits 0 = output layer only. */
export const DEFAULT_HEAD: Readonly<HeadOptions> = Object.freeze({
  activation: 'relu',
  denseUnits: 256,
  dropout: 0.5,
  optimizer: 'adam',
  learningRate: 0.001,
  momentum: 0,
  seed: 42,
});

export function createHead(featureDim: number, options: Partial<CnnOptions> = {}): tf.LayersModel {
  if (!Number.isInteger(featureDim) || featureDim < 1) throw new RangeError(`featureDim must be a positive integer, got ${featureDim}`);
  const o: HeadOptions = { ...DEFAULT_HEAD, ...options };
  if (!ACTIVATIONS.includes(o.activation)) throw new RangeError(`unknown activation "${o.activation}"`);
  const input = tf.input({ shape: [featureDim], name: 'features' });
  let x: tf.SymbolicTensor = input;
  if (o.denseUnits > 0) {
    x = tf.layers.dense({ name: 'head_dense', units: o.denseUnits, activation: o.activation, kernelInitializer: seededGlorot(o.seed, 0) }).apply(x) as tf.SymbolicTensor;
  }
  if (o.dropout > 0) x = new SeededDropout({ name: 'head_drop', rate: o.dropout, seed: deriveSeed(o.seed, 2000) }).apply(x) as tf.SymbolicTensor;
  const out = tf.layers
    .dense({ name: 'predictions', units: NUM_CLASSES, activation: 'softmax', kernelInitializer: seededGlorot(o.seed, 1) })
    .apply(x) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: out, name: 'head' });
  compileClassifier(model, o);
  return model;
}
