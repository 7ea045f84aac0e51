// The training loop: seeded shuffling, per-epoch metrics, progress, early stopping, per-epoch
// checkpoints that a later call resumes from, and clean interruption via AbortSignal. Around the
// one training step per batch: augmentation and smoothed targets while the batch is gathered, the
// scheduled learning rate before the step, the weight average after it.
import * as tf from '@tensorflow/tfjs';
import { augmentActive, batchRandom, checkAugment, type Augment } from './augment';
import { readCheckpointFile, restoreCheckpoint, writeCheckpoint } from './checkpoint';
import { WeightAverage, checkEma, type EmaOptions } from './ema';
import { ModelsError } from './errors';
import { lossAndAccuracy, predictProbabilities } from './evaluate';
import { deriveSeed, permutation } from './rng';
import { setNoiseStep } from './seeded-dropout';
import { checkTrainData, gatherBatch, type TrainData } from './train-data';
import { TRAIN_LIMITS, checkRange } from './limits';
import { createDataParallelStep, type DataParallelStep, type ParallelTraining } from './parallel/index';
import { checkSchedule, scheduledLearningRate, type LrSchedule } from './lr-schedule';

import type { EpochMetrics, OnProgress } from '@fmnist/core';

export type { EpochMetrics, OnProgress, Augment, EmaOptions, LrSchedule };

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
  /**
   * Learning rate per step, peaking at the optimizer's rate (not with reduceLrOnPlateau); planned
   * over all `epochs`, so early stopping ends it part-way, and a checkpoint resumed with more
   * epochs (a tuning trial continued to the next rung) goes on along the schedule of the new total.
   */
  schedule?: LrSchedule;
  /** Flips / translations of each training batch, drawn from (seed, epoch, batch). */
  augment?: Augment;
  /** Train on targets (1 - s) * one-hot + s / 10 (default 0). */
  labelSmoothing?: number;
  /**
   * Keep an average of the weights: it is what the per-epoch validation scores, and the model
   * holds it when train returns (unless interrupted).
   */
  ema?: EmaOptions;
  /** Score the per-epoch validation with test-time flip averaging (predictProbabilities' tta). */
  tta?: boolean;
  /** ... and shift averaging (predictProbabilities' ttaShift). */
  ttaShift?: number;
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
    return await checkedTrain(model, data, o, parallel);
  } finally {
    await parallel?.close();
  }
}

/** Checks the options, then runs the loop with the weight average (if any) released at the end. */
async function checkedTrain(model: tf.LayersModel, data: TrainData, o: TrainOptions, parallel: DataParallelStep | undefined): Promise<TrainResult> {
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
  if (o.schedule) {
    checkSchedule(o.schedule);
    if (plateau) throw new ModelsError('train: a learning-rate schedule and reduceLrOnPlateau both set the learning rate; use one of them.');
  }
  if (o.augment) checkAugment(o.augment);
  const augment = augmentActive(o.augment) ? o.augment : undefined;
  if (augment && (shape.length !== 3 || shape[0] !== shape[1])) throw new ModelsError(`train: augmentation needs square image inputs, the model takes [${shape.join(', ')}].`);
  const labelSmoothing = checkRange('labelSmoothing', o.labelSmoothing ?? 0, TRAIN_LIMITS.labelSmoothing);
  if (o.ema) checkEma(o.ema);
  if (o.ttaShift !== undefined) checkRange('ttaShift', o.ttaShift, TRAIN_LIMITS.ttaShift);
  const fingerprint: Record<string, unknown> = { n: data.n, batchSize: o.batchSize, seed: o.seed, exampleSize: size, validationN: o.validation?.n ?? 0, params: model.countParams() };
  // Checkpoints of runs without these options keep the fingerprint they always had.
  const recipe = { schedule: o.schedule, augment, labelSmoothing: labelSmoothing || undefined, ema: o.ema };
  if (Object.values(recipe).some((v) => v !== undefined)) fingerprint.recipe = JSON.stringify(recipe);
  const batches = Math.ceil(data.n / o.batchSize);
  const peak = getLearningRate(model.optimizer);
  const ema = o.ema ? new WeightAverage(model, o.ema.decay, Math.round((o.ema.warmupEpochs ?? 0) * batches)) : undefined;
  try {
    return await trainLoop(model, data, o, { shape, size, monitor, fingerprint, batches, peak, augment, labelSmoothing, ema, parallel });
  } finally {
    ema?.dispose();
  }
}

interface LoopSetup {
  shape: number[];
  size: number;
  monitor: 'loss' | 'valLoss' | 'valAccuracy';
  fingerprint: Record<string, unknown>;
  batches: number;
  /** the optimizer's learning rate: the schedule's peak */
  peak: number;
  augment?: Augment;
  labelSmoothing: number;
  ema?: WeightAverage;
  /** data-parallel steps over worker threads (absent: model.trainOnBatch here) */
  parallel?: DataParallelStep;
}

async function trainLoop(model: tf.LayersModel, data: TrainData, o: TrainOptions, u: LoopSetup): Promise<TrainResult> {
  const { shape, size, monitor, fingerprint, batches, ema, parallel } = u;
  const plateau = o.reduceLrOnPlateau;
  let state: LoopState = { history: [], best: null, wait: 0, stoppedEarly: false };
  let startEpoch = 0;
  if (o.checkpointDir) {
    const file = await readCheckpointFile<LoopState>(o.checkpointDir);
    if (file) {
      for (const k of new Set([...Object.keys(fingerprint), 'recipe'])) {
        const v = fingerprint[k];
        if (file.fingerprint[k] !== v) {
          throw new ModelsError(`Checkpoint in ${o.checkpointDir} was written with ${k} = ${String(file.fingerprint[k] ?? 'none')}, this run has ${k} = ${String(v ?? 'none')}.`, {
            file: o.checkpointDir,
            hint: 'Use the same data and settings to resume, or another checkpoint directory (or delete this one) to start over.',
          });
        }
      }
      await restoreCheckpoint(o.checkpointDir, file, model, ema ? (extra, where) => ema.restore(extra, where) : undefined);
      state = file.state;
      startEpoch = file.epoch;
      if (state.learningRate != null) setLearningRate(model.optimizer, state.learningRate);
    }
  }
  const resumedFromEpoch = startEpoch;
  let interrupted = false;
  const totalSteps = o.epochs * batches;

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
      const step = (epoch - 1) * batches + b;
      const { x, y } = gatherBatch(data, idx, shape, size, {
        augment: u.augment,
        random: u.augment ? batchRandom(o.seed, epoch, b) : undefined,
        labelSmoothing: u.labelSmoothing,
      });
      setNoiseStep(model, step);
      if (o.schedule) setLearningRate(model.optimizer, scheduledLearningRate(o.schedule, u.peak, step, totalSteps));
      let out: number | number[];
      try {
        out = parallel ? await parallel.trainOnBatch(x, y, step) : await model.trainOnBatch(x, y);
      } finally {
        x.dispose();
        y.dispose();
      }
      ema?.update(step);
      const [l, acc] = Array.isArray(out) ? out : [out, NaN];
      lossSum += l * idx.length;
      accSum += acc * idx.length;
      seen += idx.length;
      o.onProgress?.({ done: seen, total: data.n, unit: 'images', label: `epoch ${epoch}/${o.epochs}` });
      await nextTick();
    }
    if (interrupted) break;
    const seconds = (performance.now() - t0) / 1000;
    const m: EpochMetrics = { epoch, loss: lossSum / seen, accuracy: accSum / seen, seconds, imagesPerSecond: seen / seconds, learningRate: getLearningRate(model.optimizer), ...(parallel ? { threads: parallel.threads } : {}) };
    if (o.validation) {
      const validation = o.validation;
      const score = () => predictProbabilities(model, validation, Math.max(o.batchSize, 500), { tta: o.tta, ttaShift: o.ttaShift });
      const probs = ema ? await ema.withAverage(score) : await score();
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
    if (o.checkpointDir) await writeCheckpoint(o.checkpointDir, model, epoch, fingerprint, state, ema?.named());
    o.onEpoch?.(m);
  }
  if (ema && !interrupted) ema.copyIntoModel();
  return { history: state.history, resumedFromEpoch, stoppedEarly: state.stoppedEarly, interrupted };
}
