// The model registry, tfjs-style: one file per architecture, one table naming them.
import type * as tf from '@tensorflow/tfjs';
import { createCnn, REFERENCE_CNN, STRONG_CNN, type CnnOptions } from './cnn';
import { createVgg16Base, VGG16_SPEC } from './vgg16';
import { createVgg19Base, VGG19_SPEC } from './vgg19';
import type { VggSpec, VggVariant } from './vgg-base';

export interface CnnEntry {
  kind: 'cnn';
  name: 'cnn-reference' | 'cnn-strong';
  description: string;
  options: Readonly<CnnOptions>;
  create(o?: Partial<CnnOptions>): tf.LayersModel;
}
export interface VggEntry {
  kind: 'vgg';
  name: VggVariant;
  description: string;
  spec: VggSpec;
  create(o?: { inputSize?: number }): tf.LayersModel;
}
export type ModelEntry = CnnEntry | VggEntry;

export const MODEL_REGISTRY: Readonly<Record<ModelEntry['name'], ModelEntry>> = Object.freeze({
  'cnn-reference': {
    kind: 'cnn',
    name: 'cnn-reference',
    description: "The original study's CNN: tanh, Conv(32)-Pool-Conv(64)-Pool-Dense(128)-Dense(10), Adam 0.001",
    options: REFERENCE_CNN,
    create: (o?: Partial<CnnOptions>) => createCnn({ ...REFERENCE_CNN, ...o }),
  },
  'cnn-strong': {
    kind: 'cnn',
    name: 'cnn-strong',
    description: 'relu + batch norm + dropout, same padding, Dense(256): the default for accuracy',
    options: STRONG_CNN,
    create: (o?: Partial<CnnOptions>) => createCnn({ ...STRONG_CNN, ...o }),
  },
  vgg16: { kind: 'vgg', name: 'vgg16', description: 'VGG16 conv base (Keras layout, frozen)', spec: VGG16_SPEC, create: createVgg16Base },
  vgg19: { kind: 'vgg', name: 'vgg19', description: 'VGG19 conv base (Keras layout, frozen)', spec: VGG19_SPEC, create: createVgg19Base },
});

export type ModelName = keyof typeof MODEL_REGISTRY;

export function getModelEntry(name: string): ModelEntry {
  const e = (MODEL_REGISTRY as Record<string, ModelEntry | undefined>)[name];
  if (!e) throw new RangeError(`unknown model "${name}"; use one of ${Object.keys(MODEL_REGISTRY).join(', ')}`);
  return e;
}

export const VGG_SPECS: Readonly<Record<VggVariant, VggSpec>> = Object.freeze({ vgg16: VGG16_SPEC, vgg19: VGG19_SPEC });

/** The VGG conv base with Keras layer names, frozen, for [n, inputSize, inputSize, 3] caffe input. */
export function createVggBase(variant: VggVariant, o: { inputSize?: number } = {}): tf.LayersModel {
  const spec = (VGG_SPECS as Record<string, VggSpec | undefined>)[variant];
  if (!spec) throw new RangeError(`unknown VGG variant "${variant}"; use vgg16 or vgg19`);
  return variant === 'vgg16' ? createVgg16Base(o) : createVgg19Base(o);
}
