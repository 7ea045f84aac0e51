// `@fmnist/models/bench`: the training and VGG19 forward benchmark, kept out of the library's
// surface (src/index.ts). Used by `fmnist bench` (apps/cli) and `nx run models:bench`.
export { runModelsBenchmark, runBenchWorker, buildReferenceCnn, randomBatch } from './models-bench';
export type { OnnxVggBenchResult } from './vgg-forward-onnx';
export type { BenchResult, TrainBenchResult, VggBenchResult, SkippedBenchResult, ModelsBenchOptions } from './models-bench';
