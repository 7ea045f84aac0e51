// Training-throughput benchmark of the reference CNN (the network /work/shared/bench/torch_cnn.py
// trains with PyTorch) and forward throughput of a VGG19 conv base, on each available backend.
//
// The "mode":"data-parallel" lines are one training over every core (`--threads`): reference and
// strong CNN, steps synchronised through shared memory.
//
// "imagesPerSecond" of the other training lines is what a user gets with every core busy: `workers` independent trainings
// (one per core, in worker threads, as k-fold folds / tuning trials run) started together,
// total images over wall time. `singleProcessImagesPerSecond` is one training alone.
//
// Not part of the library's surface: `@fmnist/models/bench` (bench/index.ts) exports it, for
// `fmnist bench` and `nx run models:bench`. Importing it has no side effect; a worker thread runs
// its training when its entry calls runBenchWorker() (bench-worker.ts, or the CLI bundle).
import * as tf from '@tensorflow/tfjs';
import { cpus } from 'node:os';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { initBackend, type BackendInfo, type BackendName } from '../src/backend/index';
import { spawnWorker } from '../src/parallel/spawn-worker';
import { createDataParallelStep, DEFAULT_SHARDS } from '../src/parallel/index';
import { createCnn, STRONG_CNN } from '../src/cnn';
import { fromErrorData, toErrorData, type ErrorData } from '@fmnist/core';
import { vggForwardOnnx, type OnnxVggBenchResult } from './vgg-forward-onnx';

export interface TrainBenchResult {
  kind: 'train-reference-cnn';
  backend: BackendName;
  imagesPerSecond: number;
  singleProcessImagesPerSecond: number;
  /** Single process: images per second of CPU time (user + system), a load-independent figure. */
  singleProcessImagesPerCpuSecond: number;
  workers: number;
  threads: number;
  batch: number;
  steps: number;
  warmup: number;
  reason: string;
  note?: string;
}
export interface VggBenchResult {
  kind: 'vgg19-conv-base-forward';
  backend: BackendName;
  inputSize: number;
  imagesPerSecond: number;
  batch: number;
  steps: number;
  weights: 'random';
  threads: number;
}
/** One training over all the cores: synchronous data-parallel steps (src/parallel), batch `batch` cut into `shards`. */
export interface DataParallelBenchResult {
  kind: 'train-reference-cnn' | 'train-strong-cnn';
  backend: BackendName;
  mode: 'data-parallel';
  threads: number;
  imagesPerSecond: number;
  shards: number;
  batch: number;
  steps: number;
  warmup: number;
}
export interface SkippedBenchResult { kind: 'skipped'; backend: string; reason: string }
export type BenchResult = TrainBenchResult | DataParallelBenchResult | VggBenchResult | OnnxVggBenchResult | SkippedBenchResult;

export interface ModelsBenchOptions {
  /** Backends to try (default tensorflow, wasm, cpu); unavailable ones give a 'skipped' line. */
  backends?: BackendName[];
  batch?: number;          // 500, as the PyTorch peer
  warmup?: number;         // 3
  steps?: number;          // 10
  /** Concurrent trainings for imagesPerSecond (default: the number of cores). */
  workers?: number;
  /** Steps on the slow cpu backend (default 1; 0 skips it). */
  cpuSteps?: number;
  /** Batch on the cpu backend (default 20: its Conv2DBackpropFilter takes ~1 s per image, so batch 500 would take ~9 minutes). */
  cpuBatch?: number;
  /** VGG19 forward sizes (default [32, 48]; [] skips). */
  vggSizes?: number[];
  vggBatch?: number;       // 32
  /** Timed VGG forward steps after one untimed one (default 4, as ../shared/bench/torch_vgg19.py). */
  vggSteps?: number;
  onResult?: (r: BenchResult) => void;
  /**
   * The module each worker thread starts, which must call runBenchWorker(): by default
   * bench-worker.ts (TypeScript, through tsx); a bundle passes itself.
   */
  workerUrl?: URL;
}

/** The reference CNN, exactly as torch_cnn.py: conv(32,3,tanh) pool conv(64,3,tanh) pool dense(128,tanh) dense(10). */
export function buildReferenceCnn(seed = 0): tf.LayersModel {
  const init = (s: number) => tf.initializers.glorotUniform({ seed: seed * 10 + s });
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 3, activation: 'tanh', kernelInitializer: init(1) }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'tanh', kernelInitializer: init(2) }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 128, activation: 'tanh', kernelInitializer: init(3) }),
      tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: init(4) }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(0.001), loss: 'categoricalCrossentropy' });
  return model;
}

/** Uniform [0,1) images and random one-hot labels (like the PyTorch peer), seeded. */
export function randomBatch(n: number, seed: number): { x: tf.Tensor4D; y: tf.Tensor2D } {
  let s = seed >>> 0 || 1;
  const rnd = () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s / 4294967296;
  };
  const xs = new Float32Array(n * 784);
  for (let i = 0; i < xs.length; i++) xs[i] = rnd();
  const ys = new Float32Array(n * 10);
  for (let i = 0; i < n; i++) ys[i * 10 + Math.floor(rnd() * 10)] = 1;
  return { x: tf.tensor4d(xs, [n, 28, 28, 1]), y: tf.tensor2d(ys, [n, 10]) };
}

interface TrainJob { backend: BackendName; batch: number; warmup: number; steps: number; seed: number }
interface TrainJobResult { info: BackendInfo; images: number; seconds: number; cpuSeconds: number; start: number; end: number }

async function trainJob(job: TrainJob, waitForGo?: () => Promise<void>): Promise<TrainJobResult> {
  const info = await initBackend(job.backend);
  const model = buildReferenceCnn(job.seed);
  const { x, y } = randomBatch(job.batch, job.seed + 1);
  for (let i = 0; i < job.warmup; i++) await model.trainOnBatch(x, y);
  if (waitForGo) await waitForGo();
  const cpu0 = process.cpuUsage();
  const start = performance.timeOrigin + performance.now();
  for (let i = 0; i < job.steps; i++) await model.trainOnBatch(x, y);
  const end = performance.timeOrigin + performance.now();
  const cpu = process.cpuUsage(cpu0);
  x.dispose();
  y.dispose();
  model.dispose();
  return { info, images: job.batch * job.steps, seconds: (end - start) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6, start, end };
}

/**
 * The worker side of the concurrent measurement: in a worker thread started by
 * runModelsBenchmark, warm up, report ready, wait for 'go', train, report. Returns false (and
 * does nothing) anywhere else, so an entry file may call it unconditionally.
 */
export function runBenchWorker(): boolean {
  const job = (workerData as { fmnistBenchJob?: TrainJob } | null)?.fmnistBenchJob;
  if (isMainThread || !job || !parentPort) return false;
  const port = parentPort;
  trainJob(job, () => new Promise<void>((resolve) => {
    port.once('message', () => resolve());
    port.postMessage({ ready: true });
  })).then(
    (r) => port.postMessage({ result: r }),
    (e: unknown) => port.postMessage({ error: toErrorData(e) }),
  );
  return true;
}

async function concurrentTraining(job: TrainJob, workers: number, workerUrl: URL): Promise<{ imagesPerSecond: number }> {
  const ws = Array.from({ length: workers }, (_, i) => spawnWorker(workerUrl, { fmnistBenchJob: { ...job, seed: job.seed + i } }));
  try {
    const ready = ws.map((w) => new Promise<void>((resolve, reject) => {
      w.once('error', reject);
      w.on('message', (m: { ready?: boolean; error?: ErrorData }) => {
        if (m.ready) resolve();
        if (m.error) reject(fromErrorData(m.error));
      });
    }));
    await Promise.all(ready);
    const done = ws.map((w) => new Promise<TrainJobResult>((resolve, reject) => {
      w.on('message', (m: { result?: TrainJobResult; error?: ErrorData }) => {
        if (m.result) resolve(m.result);
        if (m.error) reject(fromErrorData(m.error));
      });
      w.once('error', reject);
    }));
    for (const w of ws) w.postMessage('go');
    const results = await Promise.all(done);
    const start = Math.min(...results.map((r) => r.start));
    const end = Math.max(...results.map((r) => r.end));
    const images = results.reduce((a, r) => a + r.images, 0);
    return { imagesPerSecond: images / ((end - start) / 1000) };
  } finally {
    await Promise.all(ws.map((w) => w.terminate()));
  }
}

/** One model trained over `threads` threads (the main one included), as `--threads` trains. */
async function dataParallelTraining(kind: DataParallelBenchResult['kind'], job: TrainJob, threads: number): Promise<DataParallelBenchResult> {
  const model = kind === 'train-reference-cnn' ? buildReferenceCnn(job.seed) : createCnn({ ...STRONG_CNN, seed: job.seed });
  const step = createDataParallelStep(model, { threads }, job.batch);
  const { x, y } = randomBatch(job.batch, job.seed + 1);
  try {
    for (let i = 0; i < job.warmup; i++) await step.trainOnBatch(x, y, i);
    const t0 = performance.now();
    for (let i = 0; i < job.steps; i++) await step.trainOnBatch(x, y, job.warmup + i);
    const seconds = (performance.now() - t0) / 1000;
    return { kind, backend: job.backend, mode: 'data-parallel', threads, imagesPerSecond: round((job.batch * job.steps) / seconds), shards: DEFAULT_SHARDS, batch: job.batch, steps: job.steps, warmup: job.warmup };
  } finally {
    await step.close();
    tf.dispose([x, y]);
    model.dispose();
  }
}

function vggConvBase(inputSize: number): tf.LayersModel {
  const blocks = [[64, 2], [128, 2], [256, 4], [512, 4], [512, 4]];
  const layers: tf.layers.Layer[] = [];
  blocks.forEach(([filters, n], b) => {
    for (let i = 0; i < n; i++) {
      layers.push(tf.layers.conv2d({
        ...(layers.length === 0 ? { inputShape: [inputSize, inputSize, 3] } : {}),
        filters, kernelSize: 3, padding: 'same', activation: 'relu', name: `block${b + 1}_conv${i + 1}`,
      }));
    }
    layers.push(tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name: `block${b + 1}_pool` }));
  });
  return tf.sequential({ layers });
}

async function vggForward(info: BackendInfo, inputSize: number, batch: number, steps: number): Promise<VggBenchResult> {
  const model = vggConvBase(inputSize);
  const x = tf.randomUniform([batch, inputSize, inputSize, 3], 0, 255);
  const run = async () => {
    const y = model.predict(x) as tf.Tensor;
    await y.data();
    y.dispose();
  };
  await run();
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) await run();
  const seconds = (performance.now() - t0) / 1000;
  x.dispose();
  model.dispose();
  return {
    kind: 'vgg19-conv-base-forward', backend: info.name, inputSize, batch, steps, weights: 'random', threads: info.threads,
    imagesPerSecond: round((batch * steps) / seconds),
  };
}

function round(v: number): number {
  return Math.round(v * 10) / 10;
}

/** Runs the benchmark; returns (and reports through onResult) one result per backend and VGG size. */
export async function runModelsBenchmark(o: ModelsBenchOptions = {}): Promise<BenchResult[]> {
  const backends = o.backends ?? ['tensorflow', 'wasm', 'cpu'];
  const batch = o.batch ?? 500;
  const warmup = o.warmup ?? 3;
  const steps = o.steps ?? 10;
  const workers = o.workers ?? cpus().length;
  const cpuSteps = o.cpuSteps ?? 1;
  const cpuBatch = o.cpuBatch ?? 20;
  const vggSizes = o.vggSizes ?? [32, 48];
  const vggBatch = o.vggBatch ?? 32;
  const vggSteps = o.vggSteps ?? 4;
  const workerUrl = o.workerUrl ?? new URL('./bench-worker.ts', import.meta.url);
  const out: BenchResult[] = [];
  const emit = (r: BenchResult) => {
    out.push(r);
    o.onResult?.(r);
  };
  for (const backend of backends) {
    let info: BackendInfo;
    try {
      info = await initBackend(backend);
    } catch (e) {
      emit({ kind: 'skipped', backend, reason: e instanceof Error ? e.message : String(e) });
      continue;
    }
    if (backend === 'cpu') {
      if (cpuSteps <= 0) {
        emit({ kind: 'skipped', backend, reason: 'cpu training skipped (cpuSteps = 0): it takes tens of seconds per batch of 500' });
        continue;
      }
      const r = await trainJob({ backend, batch: cpuBatch, warmup: 0, steps: cpuSteps, seed: 1 });
      const ips = round(r.images / r.seconds);
      emit({
        kind: 'train-reference-cnn', backend, imagesPerSecond: ips, singleProcessImagesPerSecond: ips,
        singleProcessImagesPerCpuSecond: round(r.images / r.cpuSeconds), workers: 1, threads: 1,
        batch: cpuBatch, steps: cpuSteps, warmup: 0, reason: info.reason,
        note: `cpu: batch ${cpuBatch}, ${cpuSteps} step(s), no warm-up, one process (a batch of ${batch} would take minutes)`,
      });
      continue;
    }
    const single = await trainJob({ backend, batch, warmup, steps, seed: 1 });
    const singleIps = single.images / single.seconds;
    let all = singleIps;
    let note: string | undefined;
    let usedWorkers = 1;
    if (backend === 'wasm' && workers > 1) {
      // The wasm backend runs one thread per process in Node: use the cores with concurrent trainings.
      all = (await concurrentTraining({ backend, batch, warmup, steps, seed: 1 }, workers, workerUrl)).imagesPerSecond;
      usedWorkers = workers;
      note = `${workers} concurrent trainings in worker threads (how k-fold folds and tuning trials use the cores)`;
    }
    emit({
      kind: 'train-reference-cnn', backend, imagesPerSecond: round(all), singleProcessImagesPerSecond: round(singleIps),
      singleProcessImagesPerCpuSecond: round(single.images / single.cpuSeconds),
      workers: usedWorkers, threads: info.threads, batch, steps, warmup, reason: info.reason, ...(note ? { note } : {}),
    });
    if (backend === 'wasm') {
      for (const kind of ['train-reference-cnn', 'train-strong-cnn'] as const) emit(await dataParallelTraining(kind, { backend, batch, warmup, steps, seed: 1 }, workers));
    }
    for (const size of vggSizes) {
      await initBackend(backend);
      emit(await vggForward(info, size, vggBatch, vggSteps));
    }
  }
  // The VGG19 forward on onnxruntime-node (independent of the tfjs backend), same sizes and batch.
  // Its random weights come from tfjs: on the cpu backend when none of the asked-for ones started.
  if (vggSizes.length > 0 && !out.some((r) => r.kind !== 'skipped')) await initBackend('cpu');
  // float32 (the same arithmetic as the peer) and int8 (what `transfer.precision: int8` runs)
  vgg: for (const size of vggSizes) {
    const base = vggConvBase(size);
    try {
      for (const precision of ['float32', 'int8'] as const) {
        const r = await vggForwardOnnx(base, size, vggBatch, vggSteps, precision);
        if ('skipped' in r) {
          emit({ kind: 'skipped', backend: 'onnxruntime', reason: r.skipped });
          break vgg;
        }
        emit(r);
      }
    } finally {
      base.dispose();
    }
  }
  return out;
}
