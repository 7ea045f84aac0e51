// Dropout whose masks are a pure function of (layer seed, training step).
// tfjs' Dropout either draws from Math.random (not reproducible) or, given a seed, reuses the
// same mask on every batch. The training loop sets `step` before each batch (see setNoiseStep),
// so a resumed run draws exactly the masks an uninterrupted run would.
//
// Saved models name the stock class, Dropout, with the same rate: dropout does nothing at
// inference, so they load with plain tfjs (tf.loadLayersModel) and Keras, no project code needed.
import * as tf from '@tensorflow/tfjs';
import { FMNIST_DROPOUT, kernelTakesRate } from './kernels/fmnist-dropout';
import { CNN_LIMITS, checkRange } from './limits';
import { deriveSeed } from './rng';

export interface SeededDropoutArgs {
  rate: number;
  seed: number;
  name?: string;
}

export class SeededDropout extends tf.layers.Layer {
  /** The stock class name (not registered here: tfjs' own Dropout reads these saves). */
  static className = 'Dropout';
  readonly rate: number;
  readonly seed: number;
  /** Training step whose mask the next call draws; advances by one per training call. */
  step = 0;

  constructor(args: SeededDropoutArgs) {
    super({ name: args.name });
    checkRange('dropout rate', args.rate, CNN_LIMITS.dropout);
    this.rate = args.rate;
    this.seed = args.seed;
    this.supportsMasking = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (!kwargs?.training || this.rate === 0) return x;
    const seed = deriveSeed(this.seed, this.step++);
    // on wasm one kernel draws the mask and applies it (and again for the gradient)
    if (tf.getBackend() === 'wasm' && x.dtype === 'float32' && kernelTakesRate(this.rate) && tf.getKernel(FMNIST_DROPOUT, 'wasm')) {
      return tf.engine().runKernel(FMNIST_DROPOUT, { x }, { seed, rate: this.rate }) as tf.Tensor;
    }
    const mask = dropoutMask(seed, this.rate, x.size);
    return tf.tidy(() => tf.mul(x, tf.tensor(mask, x.shape, 'float32')));
  }

  override getConfig(): tf.serialization.ConfigDict {
    // the stock Dropout's config: rate, noiseShape, seed
    return { ...super.getConfig(), rate: this.rate, noiseShape: null, seed: this.seed };
  }
}

/**
 * The mask of one draw: value i is 0 where the i-th number of mulberry32(seed) is below `rate`,
 * else 1 / (1 - rate). mulberry32 is inlined: through its closure a value took about 30 ns, a
 * sixth of a strong CNN's training step on two threads went to masks.
 */
export function dropoutMask(seed: number, rate: number, n: number): Float32Array {
  const mask = new Float32Array(n);
  const keep = 1 / (1 - rate);
  const cut = rate * 4294967296; // u / 2^32 < rate exactly when u < rate * 2^32 (a power-of-two scale)
  let a = seed >>> 0;
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    mask[i] = (t ^ (t >>> 14)) >>> 0 < cut ? 0 : keep;
  }
  return mask;
}

/** Models saved before SeededDropout took the stock name say class "SeededDropout"; they still load. */
class LegacySeededDropout extends SeededDropout {
  static override className = 'SeededDropout';
}

/** Sets the training step of every SeededDropout layer (the loop calls this before each batch). */
export function setNoiseStep(model: tf.LayersModel, step: number): void {
  for (const layer of model.layers) if (layer instanceof SeededDropout) layer.step = step;
}

/** Registers the old class name, so loadModel reads models saved before the rename. */
export function registerCustomLayers(): void {
  tf.serialization.registerClass(LegacySeededDropout);
}
