// Shapes shared across this package. Those of docs/contracts.md come from @fmnist/core; the
// engine adapter maps @fmnist/models' types onto them.
import type { BackendInfo, EpochMetrics, EvaluationSummary, PerClassMetrics } from '@fmnist/core';
import type { Augment, CnnOptions, EmaOptions, LrSchedule } from '@fmnist/models';

export type { Technique, OnProgress, Score } from '@fmnist/core';

export type BackendInfoLike = BackendInfo;

/** One epoch's metrics as the models package reports them. */
export type EpochMetricsLike = EpochMetrics;

export type PerClass = PerClassMetrics;
export type EvaluationLike = EvaluationSummary;

export type { Activation, OptimizerName } from '@fmnist/models';

/** The network's hyperparameters: the models package's CnnOptions without the seed (runs derive it). */
export type CnnParams = Omit<CnnOptions, 'seed'>;

/**
 * How the network is trained beyond epochs and batches (@fmnist/models' TrainOptions of the same
 * names); each absent = off, so configurations without them keep their hash.
 */
export interface RecipeParams {
  /** per-step learning rate peaking at `learningRate` (not with callbacks.reduceLrOnPlateau) */
  schedule?: LrSchedule;
  /** targets (1 - s) * one-hot + s / 10 */
  labelSmoothing?: number;
  /** flips / translations / random erasing of each training batch, seeded by (seed, epoch, batch) */
  augment?: Augment;
  /** an average of the weights, evaluated each epoch, saved and scored */
  ema?: EmaOptions;
  /**
   * test-time flip averaging in the unit's final validation and test scores; the per-epoch
   * validation curve and the training score use plain predictions (a speed-run's per-epoch test
   * score averages flips, as that score is its result). Only for networks trained with augment.flip: Fashion-MNIST's
   * shoes all face left, and a network that never saw a mirrored one lost 7 points of test
   * accuracy with it (bench/recipe-accuracy.ts)
   */
  tta?: boolean;
  /**
   * test-time shift averaging, in the same scores as tta: the image moved by this many pixels
   * right, left, down and up joins the average (5 views, 10 with tta). On the full profile's fold
   * models, 1 pixel added 0.02 to 0.14 points to each fold's test accuracy, but little to their
   * ensemble's, which averages much the same out: 4 folds in batches of 256, 94.39% to 94.58%; in
   * batches of 128, 94.63% to 94.64% (2026-12-07, wasm). Not in a profile: 5 times the cost of
   * scoring for that
   */
  ttaShift?: number;
}

/** A full training configuration: the network, how it is trained, and how long / in which batches. */
export interface TrainParams extends CnnParams, RecipeParams { batchSize: number; epochs: number }
