// The one place that calls @fmnist/models: a small typed surface the runners (and tests) use.
import type * as tf from '@tensorflow/tfjs';
import {
  confusionReport,
  createCnn,
  createHead,
  createVggBase,
  evaluate,
  extractFeatures,
  featureEngine,
  initBackend,
  loadModel,
  loadVggWeights,
  lossAndAccuracy,
  saveModel,
  train,
  weightsEnvVar,
  type Evaluation,
  type PredictOptions,
  type TrainData,
  type TrainOptions,
  type TrainResult,
  type VggVariant,
} from '@fmnist/models';
import type { BackendInfoLike, CnnParams, EvaluationLike, OnProgress } from './types';

export type { Evaluation, PredictOptions, TrainData, TrainOptions, TrainResult, VggVariant };
export type Model = tf.LayersModel;

export interface Engine {
  initBackend(requested?: string): Promise<BackendInfoLike>;
  createCnn(o: CnnParams & { seed: number }): Model;
  train(model: Model, data: TrainData, o: TrainOptions): Promise<TrainResult>;
  evaluate(model: Model, data: TrainData, o?: { batchSize?: number } & PredictOptions): Promise<Evaluation>;
  saveModel(model: Model, dir: string): Promise<void>;
  loadModel(dir: string): Promise<Model>;
  createVggBase(variant: VggVariant, o: { inputSize: number }): Model;
  /** path: .h5 / model.json / dir; absent: FMNIST_VGG16/19_WEIGHTS, the cache, then a download (unless download is false). */
  loadVggWeights(base: Model, o: { path?: string; download?: boolean }): Promise<{ sha256: string; source: string }>;
  /** precision int8 (onnxruntime only) quantizes the base with scales observed on `calibration` (28x28 uint8 images) */
  extractFeatures(base: Model, images: Uint8Array, n: number, o: { inputSize: number; onProgress?: OnProgress; signal?: AbortSignal; threads?: number; precision?: 'float32' | 'int8'; calibration?: Uint8Array }): Promise<Float32Array>;
  /** which engine extractFeatures runs: onnxruntime (native, threads over every core itself) or tfjs */
  featureEngine(): Promise<'onnxruntime' | 'tfjs'>;
  createHead(featureDim: number, o: Partial<CnnParams> & { seed: number }): Model;
}

export function createEngine(): Engine {
  return {
    initBackend: (requested) => initBackend((requested ?? 'auto') as 'auto'),
    createCnn: (o) => createCnn(o),
    train,
    evaluate,
    saveModel,
    loadModel,
    createVggBase: (variant, o) => createVggBase(variant, o),
    loadVggWeights: (base, o) => loadVggWeights(base, { kind: 'auto', path: o.path, download: o.download }),
    extractFeatures: (base, images, n, o) => extractFeatures(base, images, n, o),
    featureEngine: () => featureEngine(),
    createHead: (featureDim, o) => createHead(featureDim, o),
  };
}

/** Images (n*784 uint8) -> the CNN's input: x in [0, 1]. */
export function toTrainData(s: { n: number; images: Uint8Array; labels: Uint8Array }): TrainData {
  const x = new Float32Array(s.images.length);
  for (let i = 0; i < x.length; i++) x[i] = s.images[i] / 255;
  return { x, labels: s.labels, n: s.n };
}

/** Score averaged probabilities (the k-fold ensemble) like evaluate() scores a model's. */
export function scoreProbabilities(probabilities: Float32Array, labels: Uint8Array): EvaluationLike {
  const n = labels.length;
  return { ...lossAndAccuracy(probabilities, labels, n), ...confusionReport(probabilities, labels, n) };
}

export function weightsHowTo(variant: VggVariant): string {
  return (
    `set ${weightsEnvVar(variant)} (or the transfer.weights.${variant} setting) to a Keras ` +
    `${variant}_weights_tf_dim_ordering_tf_kernels_notop.h5 file or a TensorFlow.js model.json with Keras layer names, ` +
    `or allow the one-time download into the cache; then re-run (finished parts are kept)`
  );
}
