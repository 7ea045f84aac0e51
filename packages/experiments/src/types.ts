// Shapes shared across this package. They mirror docs/contracts.md; the engine adapter maps
// @fmnist/models' types onto them.
import type { CnnOptions, EpochMetrics } from '@fmnist/models';

export type Technique = 'tune' | 'holdout' | 'kfold' | 'transfer';
export type { OnProgress } from '@fmnist/data';

export interface BackendInfoLike { name: string; reason: string; threads: number; version: string }

/** One epoch's metrics as the models package reports them. */
export type EpochMetricsLike = EpochMetrics;

export interface Score { accuracy: number; loss: number }

export interface PerClass { label: number; name: string; precision: number; recall: number; f1: number; support: number }
export interface EvaluationLike { accuracy: number; loss: number; confusion: number[][]; perClass: PerClass[] }

export type { Activation, OptimizerName } from '@fmnist/models';

/** The network's hyperparameters: the models package's CnnOptions without the seed (runs derive it). */
export type CnnParams = Omit<CnnOptions, 'seed'>;

/** A full training configuration: the network, and how long / in which batches to train it. */
export interface TrainParams extends CnnParams { batchSize: number; epochs: number }
