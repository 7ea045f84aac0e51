// The allowed values of the network's and the training loop's options, as data: ranges, the
// activation/optimizer/padding names and the shape rule of the conv blocks. The models' own guards
// check against these, and @fmnist/experiments builds its settings schema from them, so both use
// the same numbers. No TensorFlow.js here: settings are validated (`@fmnist/models/limits`)
// before any engine is loaded.

import { IMAGE_SIDE } from '@fmnist/core';

/** A numeric range; absent bounds are open. Values must also be finite (no NaN, no ±Infinity). */
export interface Range {
  /** whole numbers only (safe integers) */
  integer?: boolean;
  min?: number;
  /** the value must be greater than `min` (not equal) */
  minExclusive?: boolean;
  max?: number;
  /** the value must be less than `max` (not equal) */
  maxExclusive?: boolean;
}

export function inRange(v: unknown, r: Range): v is number {
  if (typeof v !== 'number' || !Number.isFinite(v)) return false;
  if (r.integer && !Number.isSafeInteger(v)) return false;
  if (r.min !== undefined && (r.minExclusive ? !(v > r.min) : !(v >= r.min))) return false;
  if (r.max !== undefined && (r.maxExclusive ? !(v < r.max) : !(v <= r.max))) return false;
  return true;
}

/** "a whole number ≥ 1", "a number > 0 and < 1", for messages. */
export function describeRange(r: Range): string {
  const bounds: string[] = [];
  if (r.min !== undefined) bounds.push(`${r.minExclusive ? '>' : '≥'} ${r.min}`);
  if (r.max !== undefined) bounds.push(`${r.maxExclusive ? '<' : '≤'} ${r.max}`);
  return `${r.integer ? 'a whole number' : 'a finite number'}${bounds.length ? ` ${bounds.join(' and ')}` : ''}`;
}

/** The guard of the models' public functions: a RangeError naming the option and its range. */
export function checkRange(name: string, v: unknown, r: Range): number {
  if (!inRange(v, r)) throw new RangeError(`${name} must be ${describeRange(r)}, got ${String(v)}`);
  return v;
}

export const ACTIVATIONS = ['relu', 'tanh', 'elu', 'selu', 'sigmoid'] as const;
export type Activation = (typeof ACTIVATIONS)[number];

export const OPTIMIZER_NAMES = ['adam', 'sgd', 'rmsprop', 'adagrad', 'adamax'] as const;
export type OptimizerName = (typeof OPTIMIZER_NAMES)[number];

export const PADDINGS = ['valid', 'same'] as const;
export type Padding = (typeof PADDINGS)[number];


/** The CNN's options (CnnOptions) and the head's. */
export const CNN_LIMITS = {
  /** each entry of `filters` (one conv block per entry, at least one block) */
  filters: { integer: true, min: 1 },
  denseUnits: { integer: true, min: 0 },
  dropout: { min: 0, max: 1, maxExclusive: true },
  learningRate: { min: 0, minExclusive: true },
  /** sgd's classic momentum and rmsprop's; 1 or more never decays */
  momentum: { min: 0, max: 1, maxExclusive: true },
  convsPerBlock: { integer: true, min: 1 },
  batchNormMomentum: { min: 0, max: 1, maxExclusive: true },
} as const satisfies Record<string, Range>;

/** The training loop's options (TrainOptions) and its callbacks. */
export const TRAIN_LIMITS = {
  epochs: { integer: true, min: 1 },
  batchSize: { integer: true, min: 1 },
  /** early stopping's and the plateau schedule's patience, in epochs */
  patience: { integer: true, min: 1 },
  /** the plateau schedule multiplies the learning rate by this */
  plateauFactor: { min: 0, minExclusive: true, max: 1, maxExclusive: true },
  minLearningRate: { min: 0 },
  minDelta: { min: 0 },
} as const satisfies Record<string, Range>;

export const MIN_VGG_INPUT = 32;
/** VGG input size: five 2x2 poolings need 32 pixels; above ImageNet's 224 only memory grows. */
export const VGG_INPUT_LIMITS = { integer: true, min: MIN_VGG_INPUT, max: 224 } as const satisfies Range;

/**
 * Why `blocks` conv blocks (each `convsPerBlock` 3x3 convs and a 2x2 pooling) cannot run on the
 * 28x28 image, or undefined when they can: 'valid' padding shrinks the image at every conv.
 */
export function cnnShapeProblem(blocks: number, padding: Padding | undefined, convsPerBlock = 1): string | undefined {
  let side = IMAGE_SIDE;
  for (let b = 0; b < blocks; b++) {
    if (padding !== 'same') side -= 2 * convsPerBlock;
    side = Math.floor(side / 2);
    if (side < 1) return `${blocks} blocks with ${padding ?? 'valid'} padding shrink the 28x28 image to nothing; use fewer filters entries or padding 'same'`;
  }
  return undefined;
}
