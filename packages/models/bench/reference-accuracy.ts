// Accuracy benchmark: trains the reference CNN (the original study's network: tanh, [32, 64],
// Dense(128), Adam 0.001, batch 500) on all 60,000 training images and scores it on the 10,000
// test images after every epoch. One JSON line per epoch, then a final line.
//
//   node --import tsx/esm packages/models/bench/reference-accuracy.ts
// Options (environment variables): FMNIST_BENCH_EPOCHS=15, FMNIST_BENCH_SEED=1,
// FMNIST_BENCH_BACKEND=auto|tensorflow|wasm|cpu; the data is found as everywhere (FMNIST_DATA_DIR, ...).
//
// Takes tens of minutes on 2 cores: it is a benchmark, not a test.
import { createCnn, evaluate, initBackend, REFERENCE_CNN, train } from '../src/index';
import { envChoice, envInt } from './bench-env';
import { readBenchDataset } from './idx-dataset';

const epochs = envInt('FMNIST_BENCH_EPOCHS', 1, 1000) ?? 15;
const seed = envInt('FMNIST_BENCH_SEED', 0, 2 ** 31 - 1) ?? 1;

const backend = await initBackend(envChoice('FMNIST_BENCH_BACKEND', ['auto', 'tensorflow', 'wasm', 'cpu'] as const, 'auto'));
const { train: trainData, test: testData } = await readBenchDataset('reference-accuracy');

const model = createCnn({ ...REFERENCE_CNN, seed });
const started = performance.now();
const { history } = await train(model, trainData, {
  epochs,
  batchSize: 500,
  seed,
  validation: testData,
  onEpoch: (m) => console.log(JSON.stringify({ kind: 'epoch', ...m })),
});
const test = await evaluate(model, testData);
console.log(
  JSON.stringify({
    kind: 'reference-cnn-accuracy',
    backend: backend.name,
    trainImages: trainData.n,
    testImages: testData.n,
    epochs: history.length,
    trainAccuracy: history.at(-1)?.accuracy,
    testAccuracy: test.accuracy,
    testLoss: test.loss,
    minutes: +((performance.now() - started) / 60000).toFixed(1),
  }),
);
