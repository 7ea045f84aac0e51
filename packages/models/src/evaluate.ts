// Evaluation: accuracy, loss, confusion matrix and per-class precision/recall/F1.
import * as tf from '@tensorflow/tfjs';
import { CLASS_NAMES, type PerClassMetrics } from '@fmnist/core';
import { NUM_CLASSES } from './cnn';
import { ModelsError } from './errors';
import { TRAIN_LIMITS, checkRange } from './limits';
import { checkTrainData, exampleSize, sliceInputs, type TrainData } from './train-data';

/** Keras clips probabilities to [eps, 1 - eps] in categorical cross-entropy. */
const EPSILON = 1e-7;

/** Precision, recall and F1 of one class (the shape results.json stores). */
export type ClassScore = PerClassMetrics;

export interface Evaluation {
  accuracy: number;
  loss: number;
  /** confusion[true][predicted] */
  confusion: number[][];
  perClass: ClassScore[];
  /** [n, 10] softmax outputs, row-major. */
  probabilities: Float32Array;
}

export interface PredictOptions {
  /**
   * Test-time flip averaging: the mean of the softmax outputs for each image and its left-right
   * mirror (image inputs [side, side, channels] only). Evaluation only; training never sees it.
   */
  tta?: boolean;
  /**
   * Test-time shift averaging: also average the image moved by this many pixels right, left, down
   * and up (zero fill, as augment.translate), each mirrored too with `tta`: 5 or 10 views in all.
   * 0 or absent: no shifted views.
   */
  ttaShift?: number;
}

/** The image batch [n, h, w, c] moved by dx pixels right and dy down, zeros where nothing moved in. */
export function shiftImages(x: tf.Tensor4D, dx: number, dy: number): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  if (Math.abs(dx) >= w || Math.abs(dy) >= h) return tf.zerosLike(x);
  return tf.tidy(() => {
    const padded = tf.pad(x, [[0, 0], [Math.max(dy, 0), Math.max(-dy, 0)], [Math.max(dx, 0), Math.max(-dx, 0)], [0, 0]]);
    return tf.slice(padded, [0, Math.max(-dy, 0), Math.max(-dx, 0), 0], [n, h, w, c]);
  });
}

/** The views predictProbabilities averages for one batch: the images, their shifts, their mirrors. */
function viewsOf(x: tf.Tensor4D, o: PredictOptions): tf.Tensor4D[] {
  const s = o.ttaShift ?? 0;
  const views = [x, ...(s > 0 ? [shiftImages(x, s, 0), shiftImages(x, -s, 0), shiftImages(x, 0, s), shiftImages(x, 0, -s)] : [])];
  return o.tta ? [...views, ...views.map((v) => tf.reverse(v, 2))] : views;
}

/** Softmax outputs for every example, in batches, without keeping tensors. */
export async function predictProbabilities(model: tf.LayersModel, data: TrainData, batchSize = 1000, o: PredictOptions = {}): Promise<Float32Array> {
  const size = exampleSize(model);
  const shape = model.inputs[0].shape.slice(1) as number[];
  const shift = checkRange('ttaShift', o.ttaShift ?? 0, TRAIN_LIMITS.ttaShift);
  if ((o.tta || shift > 0) && shape.length !== 3) throw new ModelsError(`test-time flips and shifts need image inputs [side, side, channels], the model takes [${shape.join(', ')}].`);
  const out = new Float32Array(data.n * NUM_CLASSES);
  for (let start = 0; start < data.n; start += batchSize) {
    const end = Math.min(data.n, start + batchSize);
    const probs = tf.tidy(() => {
      const x = sliceInputs(data, start, end, shape, size);
      if (!o.tta && !shift) return model.predict(x) as tf.Tensor;
      const views = viewsOf(x as tf.Tensor4D, o);
      return tf.div(tf.addN(views.map((v) => model.predict(v) as tf.Tensor)), views.length);
    });
    out.set(await probs.data<'float32'>(), start * NUM_CLASSES);
    probs.dispose();
  }
  return out;
}

/** Mean categorical cross-entropy and accuracy from probabilities (Keras semantics). */
export function lossAndAccuracy(probabilities: Float32Array, labels: Uint8Array, n: number): { loss: number; accuracy: number } {
  let loss = 0;
  let correct = 0;
  for (let i = 0; i < n; i++) {
    const row = probabilities.subarray(i * NUM_CLASSES, (i + 1) * NUM_CLASSES);
    const p = Math.min(1 - EPSILON, Math.max(EPSILON, row[labels[i]]));
    loss -= Math.log(p);
    if (argmax(row) === labels[i]) correct++;
  }
  return { loss: loss / n, accuracy: correct / n };
}

function argmax(row: ArrayLike<number>): number {
  let best = 0;
  for (let k = 1; k < row.length; k++) if (row[k] > row[best]) best = k;
  return best;
}

/** Confusion matrix (rows = true class, columns = predicted) and per-class scores. */
export function confusionReport(probabilities: Float32Array, labels: Uint8Array, n: number): { confusion: number[][]; perClass: ClassScore[] } {
  const confusion = Array.from({ length: NUM_CLASSES }, () => new Array<number>(NUM_CLASSES).fill(0));
  for (let i = 0; i < n; i++) confusion[labels[i]][argmax(probabilities.subarray(i * NUM_CLASSES, (i + 1) * NUM_CLASSES))]++;
  const perClass = confusion.map((row, k) => {
    const tp = row[k];
    const support = row.reduce((a, v) => a + v, 0);
    const predicted = confusion.reduce((a, r) => a + r[k], 0);
    const precision = predicted === 0 ? 0 : tp / predicted;
    const recall = support === 0 ? 0 : tp / support;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    return { label: k, name: CLASS_NAMES[k], precision, recall, f1, support };
  });
  return { confusion, perClass };
}

export async function evaluate(model: tf.LayersModel, data: TrainData, o: { batchSize?: number } & PredictOptions = {}): Promise<Evaluation> {
  checkTrainData(model, data, 'evaluation data');
  const probabilities = await predictProbabilities(model, data, o.batchSize ?? 1000, { tta: o.tta, ttaShift: o.ttaShift });
  const { loss, accuracy } = lossAndAccuracy(probabilities, data.labels, data.n);
  return { accuracy, loss, ...confusionReport(probabilities, data.labels, data.n), probabilities };
}
