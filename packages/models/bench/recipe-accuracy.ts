// Accuracy per second of training recipes: each named recipe trains from scratch on the first
// FMNIST_BENCH_TRAIN training images (default 10,000) and is scored on all 10,000 test images,
// with and without test-time flips. One JSON line per recipe: test accuracy, seconds of training.
// It guides the profiles' choice of recipe; it is a benchmark, not a test.
//
//   node --import tsx/esm packages/models/bench/recipe-accuracy.ts
// Options (environment variables): FMNIST_BENCH_RECIPES=strong,recipe,... (default all),
// FMNIST_BENCH_TRAIN=10000, FMNIST_BENCH_SEED=1, FMNIST_BENCH_BACKEND=auto|tensorflow|wasm|cpu.
import { createCnn, evaluate, initBackend, STRONG_CNN, train, type CnnOptions, type TrainOptions } from '../src/index';
import { envChoice, envInt, envList } from './bench-env';
import { readBenchDataset } from './idx-dataset';

type Recipe = { cnn: Partial<CnnOptions>; train: Partial<TrainOptions> & { epochs: number; batchSize: number } };
const RECIPE_TRAINING: Partial<TrainOptions> = {
  schedule: { kind: 'one-cycle', warmupFraction: 0.2 },
  augment: { flip: true, translate: 2 },
  labelSmoothing: 0.1,
  ema: { decay: 0.99, warmupEpochs: 1 },
};
const RECIPES: Record<string, Recipe> = {
  // today's strong network and training (Adam 0.001, constant rate)
  strong: { cnn: {}, train: { epochs: 6, batchSize: 128 } },
  // the same network with the recipe: one-cycle Adam peaking at 0.003, flips + 2-pixel shifts, smoothing 0.1, EMA
  recipe: { cnn: { learningRate: 0.003 }, train: { epochs: 6, batchSize: 128, ...RECIPE_TRAINING } },
  // one technique at a time on top of today's network
  'one-cycle': { cnn: { learningRate: 0.003 }, train: { epochs: 6, batchSize: 128, schedule: RECIPE_TRAINING.schedule } },
  'one-cycle-ls-ema': { cnn: { learningRate: 0.003 }, train: { epochs: 6, batchSize: 128, ...RECIPE_TRAINING, augment: undefined } },
  // the network: one-cycle with deeper or wider variants, and sgd + Nesterov + weight decay
  'one-cycle-3blocks-gap': { cnn: { learningRate: 0.003, filters: [32, 64, 128], pooling: 'global-average', denseUnits: 128 }, train: { epochs: 6, batchSize: 128, schedule: RECIPE_TRAINING.schedule } },
  'one-cycle-2convs': { cnn: { learningRate: 0.003, convsPerBlock: 2 }, train: { epochs: 6, batchSize: 128, schedule: RECIPE_TRAINING.schedule } },
  'one-cycle-sgd': { cnn: { optimizer: 'sgd', learningRate: 0.05, momentum: 0.9, nesterov: true, weightDecay: 5e-4 }, train: { epochs: 6, batchSize: 128, schedule: RECIPE_TRAINING.schedule } },
  'recipe-noflip': { cnn: { learningRate: 0.003 }, train: { epochs: 6, batchSize: 128, ...RECIPE_TRAINING, augment: { translate: 2 } } },
  'recipe-sgd': { cnn: { optimizer: 'sgd', learningRate: 0.05, momentum: 0.9, nesterov: true, weightDecay: 0.005 }, train: { epochs: 6, batchSize: 128, ...RECIPE_TRAINING } },
  'recipe-3blocks-gap': { cnn: { learningRate: 0.003, filters: [32, 64, 128], pooling: 'global-average', denseUnits: 128 }, train: { epochs: 6, batchSize: 128, ...RECIPE_TRAINING } },
  'recipe-2convs': { cnn: { learningRate: 0.003, convsPerBlock: 2 }, train: { epochs: 6, batchSize: 128, ...RECIPE_TRAINING } },
};

const names = envList('FMNIST_BENCH_RECIPES', Object.keys(RECIPES)) ?? Object.keys(RECIPES);
const trainN = envInt('FMNIST_BENCH_TRAIN', 100, 60_000) ?? 10_000;
const seed = envInt('FMNIST_BENCH_SEED', 0, 2 ** 31 - 1) ?? 1;
const backend = await initBackend(envChoice('FMNIST_BENCH_BACKEND', ['auto', 'tensorflow', 'wasm', 'cpu'] as const, 'auto'));
const { train: all, test: testData } = await readBenchDataset('recipe-accuracy');
const trainData = { x: all.x.subarray(0, trainN * 784), labels: all.labels.subarray(0, trainN), n: trainN };

for (const name of names) {
  const r = RECIPES[name];
  const model = createCnn({ ...STRONG_CNN, ...r.cnn, seed });
  const t0 = performance.now();
  await train(model, trainData, { seed, ...r.train });
  const seconds = (performance.now() - t0) / 1000;
  const test = await evaluate(model, testData);
  const tta = await evaluate(model, testData, { tta: true });
  console.log(JSON.stringify({ recipe: name, backend: backend.name, trainImages: trainN, epochs: r.train.epochs, seconds: +seconds.toFixed(1), testAccuracy: test.accuracy, testAccuracyTta: tta.accuracy, params: model.countParams() }));
  model.dispose();
}
