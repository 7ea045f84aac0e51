// Training data as the models package consumes it: typed arrays, batched into tensors on demand.
import * as tf from '@tensorflow/tfjs';
import { NUM_CLASSES } from './cnn';
import { augmentActive, copyAugmented, drawTransform, eraseRandom, eraseRectangle, type Augment } from './augment';
import { ModelsError } from './errors';

/** x is [n, 28, 28, 1] (images in [0, 1]) or [n, featureDim]; labels 0..9. */
export interface TrainData {
  x: Float32Array;
  labels: Uint8Array;
  n: number;
}

/** Elements per example the model expects (product of its input shape without the batch axis). */
export function exampleSize(model: tf.LayersModel): number {
  return model.inputs[0].shape.slice(1).reduce<number>((a, d) => a * (d ?? 1), 1);
}

export function checkTrainData(model: tf.LayersModel, data: TrainData, what = 'training data'): number {
  const size = exampleSize(model);
  if (!Number.isInteger(data.n) || data.n < 1) throw new ModelsError(`${what}: n must be a positive integer, got ${data.n}.`);
  if (data.x.length < data.n * size) {
    throw new ModelsError(`${what}: x holds ${data.x.length} values, the model needs n * ${size} = ${data.n * size}.`, {
      hint: `Pass x shaped [n, ${model.inputs[0].shape.slice(1).join(', ')}] (row-major).`,
    });
  }
  if (data.labels.length < data.n) throw new ModelsError(`${what}: ${data.labels.length} labels for n = ${data.n} examples.`);
  for (let i = 0; i < data.n; i++) {
    if (data.labels[i] >= NUM_CLASSES) throw new ModelsError(`${what}: label ${data.labels[i]} at example ${i} is outside 0..${NUM_CLASSES - 1}.`);
  }
  return size;
}

export interface BatchOptions {
  /** flips/translations of image inputs ([side, side, channels]); needs `random` */
  augment?: Augment;
  /** the batch's random stream (batchRandom(seed, epoch, batch)) */
  random?: () => number;
  /** targets (1 - s) * one-hot + s / 10 instead of one-hot */
  labelSmoothing?: number;
}

/**
 * The examples at `idx` as an input tensor (copying the rows, augmented on the way when asked)
 * and their targets: one-hot, or smoothed.
 */
export function gatherBatch(data: TrainData, idx: ArrayLike<number>, shape: number[], size: number, o: BatchOptions = {}): { x: tf.Tensor; y: tf.Tensor2D } {
  const m = idx.length;
  const xb = new Float32Array(m * size);
  const yb = new Float32Array(m * NUM_CLASSES);
  const augment = augmentActive(o.augment) ? o.augment : undefined;
  if (augment && (shape.length !== 3 || shape[0] !== shape[1] || !o.random)) {
    throw new ModelsError(`augmentation needs square image inputs [side, side, channels] and a random stream, got input shape [${shape.join(', ')}].`);
  }
  const smooth = o.labelSmoothing ?? 0;
  const off = smooth / NUM_CLASSES;
  const erase = augment?.erase ?? 0;
  const erasing = erase > 0 ? eraseRandom(o.random!) : undefined;
  for (let i = 0; i < m; i++) {
    const r = idx[i];
    const src = data.x.subarray(r * size, (r + 1) * size);
    if (augment) {
      const t = drawTransform(augment, o.random!);
      const dst = xb.subarray(i * size, (i + 1) * size);
      copyAugmented(src, dst, shape[0], shape[2], t.flip, t.dx, t.dy);
      if (erasing) eraseRectangle(dst, shape[0], shape[2], erase, erasing);
    } else xb.set(src, i * size);
    yb.fill(off, i * NUM_CLASSES, (i + 1) * NUM_CLASSES);
    yb[i * NUM_CLASSES + data.labels[r]] = 1 - smooth + off;
  }
  return { x: tf.tensor(xb, [m, ...shape], 'float32'), y: tf.tensor2d(yb, [m, NUM_CLASSES], 'float32') };
}

/** A contiguous slice [start, end) as an input tensor, without copying x. */
export function sliceInputs(data: TrainData, start: number, end: number, shape: number[], size: number): tf.Tensor {
  return tf.tensor(data.x.subarray(start * size, end * size), [end - start, ...shape], 'float32');
}
