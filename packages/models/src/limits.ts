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

/** What follows the last conv block: flatten (the reference) or a global average per channel. */
export const POOLINGS = ['flatten', 'global-average'] as const;
export type Pooling = (typeof POOLINGS)[number];


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
  /** decoupled weight decay per unit of learning rate (w <- w - lr * weightDecay * w per step) */
  weightDecay: { min: 0 },
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
  /** share of the targets spread evenly over the classes (0 = one-hot) */
  labelSmoothing: { min: 0, max: 1, maxExclusive: true },
  /** pixels an image may be shifted by in each direction (pad with zeros, crop back to 28x28) */
  translate: { integer: true, min: 0, max: 8 },
  /** test-time shift averaging: pixels each shifted view is moved by (0 = no shifted views) */
  ttaShift: { integer: true, min: 0, max: 8 },
  /** random erasing: the probability that an image gets a rectangle of noise */
  eraseProbability: { min: 0, max: 1 },
  /** EMA of the weights: ema <- decay * ema + (1 - decay) * weights after each step */
  emaDecay: { min: 0, minExclusive: true, max: 1, maxExclusive: true },
  /** epochs during which the EMA just follows the weights before averaging starts */
  emaWarmupEpochs: { min: 0 },
  /** one-cycle: share of the steps spent warming up */
  warmupFraction: { min: 0, max: 1 },
  /** the schedule's lowest learning rates as a fraction of the peak (the learningRate setting) */
  lrFactor: { min: 0, max: 1 },
  /** triangular: up-and-down cycles over the whole run */
  cycles: { integer: true, min: 1 },
} as const satisfies Record<string, Range>;

export const LR_SCHEDULE_KINDS = ['one-cycle', 'triangular'] as const;
export type LrScheduleKind = (typeof LR_SCHEDULE_KINDS)[number];
export const ANNEAL_SHAPES = ['cosine', 'linear'] as const;
export type AnnealShape = (typeof ANNEAL_SHAPES)[number];

/**
 * A learning rate set before every step, a pure function of the step (so a resumed run sets the
 * same rates). The peak is the optimizer's learning rate.
 * - one-cycle: from startFactor * peak up to the peak over warmupFraction of the steps (linear),
 *   then down to endFactor * peak at the last step, along a half cosine or a line;
 * - triangular (Smith's cyclical rate): `cycles` times linearly from minFactor * peak up to the
 *   peak over half a cycle and back down.
 */
export interface LrSchedule {
  kind: LrScheduleKind;
  /** one-cycle only (default 0.25) */
  warmupFraction?: number;
  /** one-cycle only (default cosine) */
  anneal?: AnnealShape;
  /** one-cycle only (defaults 0.04 and 0.001) */
  startFactor?: number;
  endFactor?: number;
  /** triangular only (defaults 1 and 0.1) */
  cycles?: number;
  minFactor?: number;
}

const SCHEDULE_FIELDS: Record<LrScheduleKind, readonly (keyof LrSchedule)[]> = {
  'one-cycle': ['kind', 'warmupFraction', 'anneal', 'startFactor', 'endFactor'],
  triangular: ['kind', 'cycles', 'minFactor'],
};

/** Why a schedule's fields do not fit its kind (the ranges are checked field by field elsewhere), or undefined. */
export function scheduleProblem(s: LrSchedule): string | undefined {
  const allowed = SCHEDULE_FIELDS[s.kind];
  if (!allowed) return `unknown schedule kind "${String(s.kind)}"; use one of ${LR_SCHEDULE_KINDS.join(', ')}`;
  const extra = Object.keys(s).filter((k) => (s as unknown as Record<string, unknown>)[k] !== undefined && !allowed.includes(k as keyof LrSchedule));
  if (extra.length) return `${extra.join(', ')} ${extra.length === 1 ? 'does' : 'do'} not apply to a ${s.kind} schedule (it takes ${allowed.slice(1).join(', ')})`;
  return undefined;
}

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
