// Shapes shared across this package. They mirror docs/contracts.md; the engine adapter maps
// @fmnist/models' types onto them.

export type Technique = 'tune' | 'holdout' | 'kfold' | 'transfer';
export type OnProgress = (p: { done: number; total: number; unit: string; label?: string }) => void;

export interface BackendInfoLike { name: string; reason: string; threads: number; version: string }

export interface EpochMetricsLike {
  epoch: number;
  loss: number;
  accuracy: number;
  valLoss?: number;
  valAccuracy?: number;
  seconds: number;
  imagesPerSecond: number;
}

export interface Score { accuracy: number; loss: number }

export interface PerClass { label: number; name: string; precision: number; recall: number; f1: number; support: number }
export interface EvaluationLike { accuracy: number; loss: number; confusion: number[][]; perClass: PerClass[] }

export type Activation = 'relu' | 'tanh' | 'elu' | 'selu' | 'sigmoid';
export type OptimizerName = 'adam' | 'sgd' | 'rmsprop' | 'adagrad' | 'adamax';

export interface CnnParams {
  activation: Activation;
  filters: number[];
  denseUnits: number;
  dropout: number;
  batchNorm: boolean;
  optimizer: OptimizerName;
  learningRate: number;
  momentum: number;
  /** conv padding; 'same' keeps the map size (deeper stacks), 'valid' is the original's */
  padding?: 'valid' | 'same';
  convsPerBlock?: number;
}

/** A full training configuration: the network, and how long / in which batches to train it. */
export interface TrainParams extends CnnParams { batchSize: number; epochs: number }
