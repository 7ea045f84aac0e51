// The training loop: seeded shuffling, per-epoch metrics, progress, early stopping, per-epoch
// checkpoints that a later call resumes from, and clean interruption via AbortSignal.
import * as tf from '@tensorflow/tfjs';
import { readCheckpointFile, restoreCheckpoint, writeCheckpoint } from './checkpoint';
import { ModelsError } from './errors';
import { lossAndAccuracy, predictProbabilities } from './evaluate';
import { deriveSeed, permutation } from './rng';
import { setNoiseStep } from './seeded-dropout';
import { checkTrainData, gatherBatch, type TrainData } from './train-data';
import { TRAIN_LIMITS, checkRange } from './limits';
import { createDataParallelStep, type DataParallelStep, type ParallelTraining } from './parallel/index';

import type { EpochMetrics, OnProgress } from '@fmnist/core';

export type { EpochMetrics, OnProgress };

export interface TrainOptions {
  epochs: number;
  batchSize: number;
  seed: number;
  validation?: TrainData;
  /**
   * Stop when the monitored value has not improved for `patience` epochs (default monitor:
   * valLoss, or loss without validation); an improvement must exceed `minDelta` (default 0),
   * as in Keras' EarlyStopping.
   */
  earlyStopping?: { patience: number; monitor?: 'valLoss' | 'valAccuracy'; minDelta?: number };
  /**
   * Multiply the learning rate by `factor` when the monitored value (as for early stopping) has not
   * improved for `patience` epochs, not below `minLearningRate` (Keras ReduceLROnPlateau).
   */
  reduceLrOnPlateau?: { factor: number; patience: number; minLearningRate?: number };
  /** Model + optimizer state + history after each epoch; an existing checkpoint is resumed. */
  checkpointDir?: string;
  onEpoch?: (m: EpochMetrics) => void;
  /** Per batch: images done / total this epoch. */
  onProgress?: OnProgress;
  /** Stops after the current batch; the last epoch checkpoint is kept. */
  signal?: AbortSignal;
  /**
   * Data-parallel steps over worker threads: each batch cut into a fixed number of shards whose
   * gradients are summed in a fixed order, so results do not depend on `threads` (absent: one
   * model.trainOnBatch per batch, as before).
   */
  parallel?: ParallelTraining;
}

export interface TrainResult {
  history: EpochMetrics[];
  /** Epochs already done by the checkpoint this call resumed from (0 = fresh start). */
  resumedFromEpoch: number;
  stoppedEarly: boolean;
  interrupted: boolean;
}

interface LoopState {
  history: EpochMetrics[];
  best: number | null;
  wait: number;
  stoppedEarly: boolean;
  /** ReduceLROnPlateau: current rate (null = the optimizer's own), best value and epochs without improvement. */
  learningRate?: number | null;
  lrBest?: number | null;
  lrWait?: number;
}

interface LearningRateHolder {
  learningRate: number;
  setLearningRate?: (lr: number) => void;
}

function getLearningRate(opt: tf.Optimizer): number {
  return (opt as unknown as LearningRateHolder).learningRate;
}

/** SGD/momentum cache -lr in a scalar (setLearningRate updates it); the others read the field each step. */
function setLearningRate(opt: tf.Optimizer, lr: number): void {
  const o = opt as unknown as LearningRateHolder;
  if (typeof o.setLearningRate === 'function') o.setLearningRate(lr);
  else o.learningRate = lr;
}

/** Shuffling order of an epoch: a pure function of (seed, epoch), so resuming needs no RNG state. */
export function epochOrder(n: number, seed: number, epoch: number): Uint32Array {
  return permutation(n, deriveSeed(seed, 0x5eed, epoch));
}

const nextTick = () => new Promise<void>((r) => setImmediate(r));

export async function train(model: tf.LayersModel, data: TrainData, o: TrainOptions): Promise<TrainResult> {
  const parallel = o.parallel ? createDataParallelStep(model, o.parallel, o.batchSize) : undefined;
  try {
    return await trainLoop(model, data, o, parallel);
  } finally {
    await parallel?.close();
  }
}

async function trainLoop(model: tf.LayersModel, data: TrainData, o: TrainOptions, parallel: DataParallelStep | undefined): Promise<TrainResult> {
  if (!model.optimizer) throw new ModelsError('train: the model is not compiled.', { hint: 'Create it with createCnn/createHead or call model.compile first.' });
  checkRange('epochs', o.epochs, TRAIN_LIMITS.epochs);
  checkRange('batchSize', o.batchSize, TRAIN_LIMITS.batchSize);
  const size = checkTrainData(model, data);
  if (o.validation) checkTrainData(model, o.validation, 'validation data');
  const shape = model.inputs[0].shape.slice(1) as number[];
  const monitor = o.earlyStopping?.monitor ?? (o.validation ? 'valLoss' : 'loss');
  if (o.earlyStopping && monitor !== 'loss' && !o.validation) throw new ModelsError(`train: early stopping on ${monitor} needs validation data.`);
  if (o.earlyStopping) {
    checkRange('earlyStopping.patience', o.earlyStopping.patience, TRAIN_LIMITS.patience);
    checkRange('earlyStopping.minDelta', o.earlyStopping.minDelta ?? 0, TRAIN_LIMITS.minDelta);
  }
  const plateau = o.reduceLrOnPlateau;
  if (plateau) {
    checkRange('reduceLrOnPlateau.factor', plateau.factor, TRAIN_LIMITS.plateauFactor);
    checkRange('reduceLrOnPlateau.patience', plateau.patience, TRAIN_LIMITS.patience);
    if (plateau.minLearningRate !== undefined) checkRange('reduceLrOnPlateau.minLearningRate', plateau.minLearningRate, TRAIN_LIMITS.minLearningRate);
  }
  const fingerprint = { n: data.n, batchSize: o.batchSize, seed: o.seed, exampleSize: size, validationN: o.validation?.n ?? 0, params: model.countParams() };
  let state: LoopState = { history: [], best: null, wait: 0, stoppedEarly: false };
  let startEpoch = 0;
  if (o.checkpointDir) {
    const file = await readCheckpointFile<LoopState>(o.checkpointDir);
    if (file) {
      for (const [k, v] of Object.entries(fingerprint)) {
        if (file.fingerprint[k] !== v) {
          throw new ModelsError(`Checkpoint in ${o.checkpointDir} was written with ${k} = ${String(file.fingerprint[k])}, this run has ${k} = ${v}.`, {
            file: o.checkpointDir,
            hint: 'Use the same data and settings to resume, or another checkpoint directory (or delete this one) to start over.',
          });
        }
      }
      await restoreCheckpoint(o.checkpointDir, file, model);
      state = file.state;
      startEpoch = file.epoch;
      if (state.learningRate != null) setLearningRate(model.optimizer, state.learningRate);
    }
  }
  const resumedFromEpoch = startEpoch;
  const batches = Math.ceil(data.n / o.batchSize);
  let interrupted = false;

  for (let epoch = startEpoch + 1; epoch <= o.epochs && !state.stoppedEarly; epoch++) {
    const order = epochOrder(data.n, o.seed, epoch);
    const t0 = performance.now();
    let lossSum = 0;
    let accSum = 0;
    let seen = 0;
    for (let b = 0; b < batches; b++) {
      if (o.signal?.aborted) {
        interrupted = true;
        break;
      }
      const idx = order.subarray(b * o.batchSize, Math.min(data.n, (b + 1) * o.batchSize));
      const { x, y } = gatherBatch(data, idx, shape, size);
      setNoiseStep(model, (epoch - 1) * batches + b);
      let out: number | number[];
      try {
        out = parallel ? await parallel.trainOnBatch(x, y, (epoch - 1) * batches + b) : await model.trainOnBatch(x, y);
      } finally {
        x.dispose();
        y.dispose();
      }
      const [l, acc] = Array.isArray(out) ? out : [out, NaN];
      lossSum += l * idx.length;
      accSum += acc * idx.length;
      seen += idx.length;
      o.onProgress?.({ done: seen, total: data.n, unit: 'images', label: `epoch ${epoch}/${o.epochs}` });
      await nextTick();
    }
    if (interrupted) break;
    const seconds = (performance.now() - t0) / 1000;
    const m: EpochMetrics = { epoch, loss: lossSum / seen, accuracy: accSum / seen, seconds, imagesPerSecond: seen / seconds, learningRate: getLearningRate(model.optimizer) };
    if (o.validation) {
      const probs = await predictProbabilities(model, o.validation, Math.max(o.batchSize, 500));
      const v = lossAndAccuracy(probs, o.validation.labels, o.validation.n);
      m.valLoss = v.loss;
      m.valAccuracy = v.accuracy;
    }
    state.history.push(m);
    const value = monitor === 'valAccuracy' ? -(m.valAccuracy as number) : monitor === 'valLoss' ? (m.valLoss as number) : m.loss;
    if (plateau) {
      if (state.lrBest == null || value < state.lrBest) {
        state.lrBest = value;
        state.lrWait = 0;
      } else if ((state.lrWait = (state.lrWait ?? 0) + 1) >= plateau.patience) {
        const lr = Math.max(plateau.minLearningRate ?? 0, getLearningRate(model.optimizer) * plateau.factor);
        setLearningRate(model.optimizer, lr);
        state.learningRate = lr;
        state.lrWait = 0;
      }
    }
    if (o.earlyStopping) {
      if (state.best === null || value < state.best - (o.earlyStopping.minDelta ?? 0)) {
        state.best = value;
        state.wait = 0;
      } else if (++state.wait >= o.earlyStopping.patience && epoch < o.epochs) {
        // (patience running out on the last epoch stops nothing)
        state.stoppedEarly = true;
      }
    }
    if (o.checkpointDir) await writeCheckpoint(o.checkpointDir, model, epoch, fingerprint, state);
    o.onEpoch?.(m);
  }
  return { history: state.history, resumedFromEpoch, stoppedEarly: state.stoppedEarly, interrupted };
}
