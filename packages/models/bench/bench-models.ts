// `npx nx run models:bench`: one JSON line per backend (training the reference CNN, batch 500),
// on wasm one "mode":"data-parallel" line each for the reference and the strong CNN (one training
// over FMNIST_BENCH_WORKERS threads), and one per VGG19 input size (conv-base forward). Compare
// with the PyTorch peer, run right after:
//   OMP_NUM_THREADS=2 /usr/bin/python3 ../shared/bench/torch_cnn.py [--model strong]
// Options (environment variables; `fmnist bench` takes the same as flags):
//   FMNIST_BENCH_BACKENDS=wasm,cpu    backends to measure (default tensorflow,wasm,cpu)
//   FMNIST_BENCH_STEPS=10             timed steps        FMNIST_BENCH_WARMUP=3   untimed steps first
//   FMNIST_BENCH_WORKERS=N            concurrent trainings / data-parallel threads for the all-cores figures (default: cores)
//   FMNIST_BENCH_CPU_STEPS=1          steps on the slow cpu backend (0 skips it)
//   FMNIST_BENCH_CPU_BATCH=20         batch on the cpu backend
//   FMNIST_BENCH_VGG=32,48|none       VGG19 forward input sizes
// e.g. FMNIST_BENCH_BACKENDS=wasm FMNIST_BENCH_VGG=none npx nx run models:bench
import { envInt, envList } from './bench-env';

const vgg = process.env.FMNIST_BENCH_VGG?.trim();
const vggSizes = !vgg ? undefined : vgg === 'none' ? [] : vgg.split(',').map((s) => envInt('FMNIST_BENCH_VGG', 32, 224, { FMNIST_BENCH_VGG: s }) as number);

const options = {
  backends: envList('FMNIST_BENCH_BACKENDS', ['tensorflow', 'wasm', 'cpu'] as const),
  steps: envInt('FMNIST_BENCH_STEPS', 1, 10_000),
  warmup: envInt('FMNIST_BENCH_WARMUP', 0, 1000),
  workers: envInt('FMNIST_BENCH_WORKERS', 1, 256),
  cpuSteps: envInt('FMNIST_BENCH_CPU_STEPS', 0, 10_000),
  cpuBatch: envInt('FMNIST_BENCH_CPU_BATCH', 1, 10_000),
  vggSizes,
};
// Imported after the options are read, so that a bad one fails before TensorFlow.js loads.
const { runModelsBenchmark } = await import('./models-bench');
await runModelsBenchmark({ ...options, onResult: (r) => console.log(JSON.stringify(r)) });
