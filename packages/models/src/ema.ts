// An exponential moving average (EMA) of a model's weights, updated after every training step:
// ema <- decay * ema + (1 - decay) * weights. During an optional warm-up it just follows the
// weights. It covers every weight of the model, batch-norm moving statistics included, so the
// averaged model is complete; the training loop evaluates it, checkpoints it and, at the end,
// leaves it in the model (the weights that are saved and scored).
import * as tf from '@tensorflow/tfjs';
import { ModelsError } from './errors';
import { TRAIN_LIMITS, checkRange } from './limits';

export interface EmaOptions {
  decay: number;
  /** epochs (may be fractional) during which the average just copies the weights (default 0) */
  warmupEpochs?: number;
}

export function checkEma(e: EmaOptions): void {
  checkRange('ema.decay', e.decay, TRAIN_LIMITS.emaDecay);
  if (e.warmupEpochs !== undefined) checkRange('ema.warmupEpochs', e.warmupEpochs, TRAIN_LIMITS.emaWarmupEpochs);
}

const PREFIX = 'ema/';

export class WeightAverage {
  private readonly shadow: tf.Variable[];
  private readonly keep: tf.Scalar;
  private readonly take: tf.Scalar;

  constructor(
    private readonly model: tf.LayersModel,
    decay: number,
    /** steps before averaging starts (the average equals the weights until then) */
    private readonly warmupSteps: number,
  ) {
    this.shadow = model.weights.map((w) => tf.variable(w.read(), false));
    this.keep = tf.scalar(decay);
    this.take = tf.scalar(1 - decay);
  }

  /** After training step `step` (0-based, counted over the whole run). */
  update(step: number): void {
    const weights = this.model.weights;
    tf.tidy(() => {
      this.shadow.forEach((s, i) => {
        const w = weights[i].read();
        s.assign(step < this.warmupSteps ? w : tf.add(tf.mul(s, this.keep), tf.mul(w, this.take)));
      });
    });
  }

  /** Runs `f` with the averaged weights in the model, then puts the trained weights back. */
  async withAverage<T>(f: () => Promise<T>): Promise<T> {
    const weights = this.model.weights;
    const raw = weights.map((w) => w.read().clone());
    try {
      weights.forEach((w, i) => w.write(this.shadow[i]));
      return await f();
    } finally {
      weights.forEach((w, i) => w.write(raw[i]));
      tf.dispose(raw);
    }
  }

  /** Puts the averaged weights into the model for good. */
  copyIntoModel(): void {
    this.model.weights.forEach((w, i) => w.write(this.shadow[i]));
  }

  /** The averages as named tensors (owned by this object) for a checkpoint. */
  named(): { name: string; tensor: tf.Tensor }[] {
    return this.shadow.map((s, i) => ({ name: `${PREFIX}${i}`, tensor: s }));
  }

  /** Restores named() from a checkpoint (same model architecture). */
  restore(state: tf.NamedTensorMap, where: string): void {
    this.shadow.forEach((s, i) => {
      const t = state[`${PREFIX}${i}`];
      if (!t || t.shape.join() !== s.shape.join()) {
        throw new ModelsError(`Checkpoint ${where} has no weight average for weight ${i} of shape [${s.shape.join(', ')}].`, {
          file: where,
          hint: 'It was written with other settings; delete the checkpoint directory or use another one.',
        });
      }
      s.assign(t);
    });
  }

  dispose(): void {
    tf.dispose([...this.shadow, this.keep, this.take]);
  }
}
