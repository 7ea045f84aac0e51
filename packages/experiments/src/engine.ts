// The one place that talks to @fmnist/models. Its functions are used when they exist; the
// interim local versions (local-engine.ts) fill the gaps while that package is being built.
import type * as tf from '@tensorflow/tfjs';
import * as models from '@fmnist/models';
import { ExperimentError } from './errors';
import {
  localEvaluate,
  localLoadModel,
  localLoadVggWeights,
  localSaveModel,
  localTrain,
  type Evaluation,
  type TrainData,
  type TrainOptions,
  type TrainResult,
} from './local-engine';
import type { BackendInfoLike, CnnParams, OnProgress } from './types';

export type { Evaluation, TrainData, TrainOptions, TrainResult };
export type Model = tf.LayersModel;
export type VggVariant = 'vgg16' | 'vgg19';

export interface Engine {
  initBackend(requested?: string): Promise<BackendInfoLike>;
  createCnn(o: CnnParams & { seed: number }): Model;
  train(model: Model, data: TrainData, o: TrainOptions): Promise<TrainResult>;
  evaluate(model: Model, data: TrainData, o?: { batchSize?: number }): Promise<Evaluation>;
  saveModel(model: Model, dir: string): Promise<void>;
  loadModel(dir: string): Promise<Model>;
  createVggBase(variant: VggVariant, o: { inputSize: number }): Model;
  /** weights: a model.json / .h5 path, or undefined to let @fmnist/models resolve (env, cache). */
  loadVggWeights(base: Model, variant: VggVariant, weights?: string): Promise<{ sha256: string; source: string }>;
  extractFeatures(base: Model, images: Uint8Array, n: number, o: { inputSize: number; onProgress?: OnProgress }): Promise<Float32Array>;
  createHead(featureDim: number, o: Partial<CnnParams> & { seed: number }): Model;
  /** which functions came from @fmnist/models and which are local stand-ins */
  provenance: Record<string, 'models' | 'local'>;
}

type Fn = (...a: any[]) => any;
const m = models as unknown as Record<string, Fn | undefined>;

/** Images (n*784 uint8) -> the CNN's input: x in [0, 1]. */
export function toTrainData(s: { n: number; images: Uint8Array; labels: Uint8Array }): TrainData {
  const x = new Float32Array(s.images.length);
  for (let i = 0; i < x.length; i++) x[i] = s.images[i] / 255;
  return { x, labels: s.labels, n: s.n };
}

export function weightsHowTo(variant: VggVariant): string {
  const env = variant === 'vgg16' ? 'FMNIST_VGG16_WEIGHTS' : 'FMNIST_VGG19_WEIGHTS';
  return (
    `provide ImageNet ${variant.toUpperCase()} conv-base weights: set ${env} (or --${variant}-weights) to a Keras ` +
    `${variant}_weights_tf_dim_ordering_tf_kernels_notop.h5 file or a tfjs layers model.json with Keras layer names ` +
    `(block1_conv1 ...), then re-run; finished parts are kept`
  );
}

export function createEngine(): Engine {
  const provenance: Record<string, 'models' | 'local'> = {};
  const pick = <T extends Fn>(name: string, local: T): T => {
    const f = m[name];
    provenance[name] = f ? 'models' : 'local';
    return (f as T | undefined) ?? local;
  };
  const need = (name: string): Fn => {
    const f = m[name];
    if (!f) throw new Error(`@fmnist/models does not export ${name} yet`);
    provenance[name] = 'models';
    return f;
  };
  const train = pick('train', localTrain);
  const evaluate = pick('evaluate', localEvaluate);
  const saveModel = pick('saveModel', localSaveModel);
  const loadModel = pick('loadModel', localLoadModel);
  const modelsLoadVgg = m.loadVggWeights;
  provenance.loadVggWeights = modelsLoadVgg ? 'models' : 'local';
  const modelsExtract = m.extractFeatures;
  provenance.extractFeatures = modelsExtract ? 'models' : 'local';

  return {
    provenance,
    initBackend: (requested) => need('initBackend')(requested === 'auto' ? undefined : requested),
    createCnn: (o) => need('createCnn')(o),
    train,
    evaluate,
    saveModel,
    loadModel,
    createVggBase: (variant, o) => need('createVggBase')(variant, o),
    createHead: (featureDim, o) => need('createHead')(featureDim, o),
    async loadVggWeights(base, variant, weights) {
      const env = variant === 'vgg16' ? process.env.FMNIST_VGG16_WEIGHTS : process.env.FMNIST_VGG19_WEIGHTS;
      const path = weights ?? env;
      if (modelsLoadVgg) {
        const source = path
          ? path.endsWith('.h5') ? { kind: 'keras-h5', path } : { kind: 'tfjs', modelJson: path }
          : { kind: 'auto', variant };
        return modelsLoadVgg(base, source);
      }
      if (!path) throw new ExperimentError(`no ${variant.toUpperCase()} weights available`, { hint: weightsHowTo(variant) });
      if (path.endsWith('.h5')) {
        throw new ExperimentError(`Keras .h5 weights need @fmnist/models' loader, not in this build: ${path}`, { file: path, hint: weightsHowTo(variant) });
      }
      return localLoadVggWeights(base, path);
    },
    async extractFeatures(base, images, n, o) {
      if (modelsExtract) return modelsExtract(base, images, n, o);
      const { preprocessCaffe } = models as unknown as { preprocessCaffe: (i: Uint8Array, n: number, s: number) => tf.Tensor4D };
      const dim = (base.outputs[0].shape.slice(1) as number[]).reduce((a, b) => a * b, 1);
      const out = new Float32Array(n * dim);
      const batch = 64;
      for (let s = 0; s < n; s += batch) {
        const nb = Math.min(batch, n - s);
        const x = preprocessCaffe(images.subarray(s * 784, (s + nb) * 784), nb, o.inputSize);
        const y = base.predict(x) as tf.Tensor;
        out.set(await y.data(), s * dim);
        x.dispose();
        y.dispose();
        o.onProgress?.({ done: s + nb, total: n, unit: 'img', label: 'features' });
      }
      return out;
    },
  };
}
