// Shapes shared across this package. Those of docs/contracts.md come from @fmnist/core; the
// engine adapter maps @fmnist/models' types onto them.
import type { BackendInfo, EpochMetrics, EvaluationSummary, PerClassMetrics } from '@fmnist/core';
import type { CnnOptions } from '@fmnist/models';

export type { Technique, OnProgress, Score } from '@fmnist/core';

export type BackendInfoLike = BackendInfo;

/** One epoch's metrics as the models package reports them. */
export type EpochMetricsLike = EpochMetrics;

export type PerClass = PerClassMetrics;
export type EvaluationLike = EvaluationSummary;

export type { Activation, OptimizerName } from '@fmnist/models';

/** The network's hyperparameters: the models package's CnnOptions without the seed (runs derive it). */
export type CnnParams = Omit<CnnOptions, 'seed'>;

/** A full training configuration: the network, and how long / in which batches to train it. */
export interface TrainParams extends CnnParams { batchSize: number; epochs: number }
