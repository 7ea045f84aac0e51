// Where one training step's time goes: the data-parallel step (src/parallel, what `train` runs
// with --threads) by phase and by kernel, or model.trainOnBatch (the single-thread loop).
// Run: node --import tsx/esm packages/models/bench/profile-training.ts
// Options (environment variables):
//   FMNIST_BENCH_BACKEND=wasm|cpu|tensorflow   (default wasm)
//   FMNIST_BENCH_BATCH=500
//   FMNIST_BENCH_MODEL=reference|strong|full   ('strong' = STRONG_CNN from createCnn: relu, batch
//                                               norm, dropout, 'same' padding; 'full' the full
//                                               profile's network: STRONG_CNN with two convolutions
//                                               per block and no dropout; 'reference' the study's)
//   FMNIST_BENCH_WINOGRAD=1|0                  (0: 3x3 convolutions and filter gradients on the
//                                               direct kernels, for a before/after; default 1; this
//                                               thread only: compare with FMNIST_BENCH_THREADS=1)
//   FMNIST_BENCH_MODE=data-parallel|fit        (default data-parallel)
//   FMNIST_BENCH_THREADS=N                     (data-parallel: threads of the timed steps, default 2;
//                                               the phase and kernel profile always runs every shard
//                                               on this thread, the only one tf.profile sees)
//   FMNIST_BENCH_STEPS=5                       (timed steps)
//   FMNIST_BENCH_PROFILES=3                    (profiled steps: each kernel's and part's time is its
//                                               least over them, which other load on the machine
//                                               inflates least)
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend/index';
import { createCnn, STRONG_CNN } from '../src/cnn';
import { conv2DOptions } from '../src/kernels/conv2d';
import { conv2DBackpropFilterOptions } from '../src/kernels/conv2d-backprop-filter';
import { createDataParallelStep } from '../src/parallel/index';
import { ShardWorker } from '../src/parallel/replica';
import { envChoice, envInt } from './bench-env';
import { buildReferenceCnn, randomBatch } from './models-bench';

const backendName = envChoice('FMNIST_BENCH_BACKEND', ['wasm', 'cpu', 'tensorflow'] as const, 'wasm');
const batch = envInt('FMNIST_BENCH_BATCH', 1, 100_000) ?? 500;
const which = envChoice('FMNIST_BENCH_MODEL', ['reference', 'strong', 'full'] as const, 'reference');
const winograd = envChoice('FMNIST_BENCH_WINOGRAD', ['1', '0'] as const, '1') === '1';
conv2DOptions.winograd = winograd;
conv2DBackpropFilterOptions.winograd = winograd;
const mode = envChoice('FMNIST_BENCH_MODE', ['data-parallel', 'fit'] as const, 'data-parallel');
const threads = envInt('FMNIST_BENCH_THREADS', 1, 64) ?? 2;
const steps = envInt('FMNIST_BENCH_STEPS', 1, 1000) ?? 5;
const profiles = envInt('FMNIST_BENCH_PROFILES', 1, 100) ?? 3;

/** Kernel name -> the part of the step it belongs to (the profile's rows). */
const PARTS: [RegExp, string][] = [
  [/^(Conv2D|FusedConv2D)$/, 'conv forward'],
  [/^Conv2DBackpropFilter$/, 'conv filter gradient'],
  [/^Conv2DBackpropInput$/, 'conv input gradient'],
  [/^(BatchMatMul|_FusedMatMul|MatMul)$/, 'dense matmul (forward + gradients)'],
  [/^(FmnistBatchNorm.*|FmnistChannelAffine2|FusedBatchNorm)$/, 'batch norm (statistics, forward, gradient)'],
  [/^MaxPool$/, 'max pool'],
  [/^MaxPoolGrad$/, 'max pool gradient'],
  [/^(Relu|FmnistReluGrad|Tanh|FmnistTanhGrad)$/, 'activation + its gradient'],
];
const partOf = (name: string) => PARTS.find(([re]) => re.test(name))?.[1] ?? 'other kernels (dropout, loss, small ops)';

const info = await initBackend(backendName);
console.log(info.reason);
const model =
  which === 'strong' ? createCnn({ ...STRONG_CNN, seed: 1 })
  : which === 'full' ? createCnn({ ...STRONG_CNN, convsPerBlock: 2, dropout: 0, seed: 1 })
  : buildReferenceCnn(1);
const { x, y } = randomBatch(batch, 2);
console.log(`${which} CNN, batch ${batch}, ${mode}${winograd ? '' : ', Winograd off'}`);

/** Wall milliseconds spent in `obj[name]` (wrapped in place), summed until reset. */
const spent = new Map<string, number>();
function timeMethod(obj: object, name: string, label: string): void {
  const target = obj as Record<string, (...a: unknown[]) => unknown>;
  const f = target[name];
  target[name] = function (this: unknown, ...a: unknown[]) {
    const t = performance.now();
    try {
      return f.apply(this, a);
    } finally {
      spent.set(label, (spent.get(label) ?? 0) + performance.now() - t);
    }
  };
}

async function timed(run: (i: number) => Promise<unknown>, n: number, from: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await run(from + i);
  return (performance.now() - t0) / n;
}

let runStep: (i: number) => Promise<unknown>;
let close = async () => {};
if (mode === 'fit') {
  runStep = () => model.trainOnBatch(x, y);
} else {
  // the steps over `threads` threads first (tf.profile would only see this thread's share)
  const parallel = createDataParallelStep(model, { threads }, batch);
  for (let i = 0; i < 3; i++) await parallel.trainOnBatch(x, y, i);
  const ms = await timed((i) => parallel.trainOnBatch(x, y, i), steps, 3);
  console.log(`${threads} thread(s): ${ms.toFixed(0)} ms per step, ${((batch * 1000) / ms).toFixed(0)} images/s`);
  await parallel.close();
  const local = createDataParallelStep(model, { threads: 1 }, batch);
  runStep = (i) => local.trainOnBatch(x, y, i);
  close = () => local.close();
  timeMethod(ShardWorker.prototype, 'runShard', 'shards: forward + backward + gradients into shared memory');
  timeMethod(ShardWorker.prototype, 'load', 'shards: weights from shared memory into the replica');
  timeMethod(model.optimizer, 'applyGradients', 'optimizer update (Adam, tfjs ops)');
}
for (let i = 0; i < 3; i++) await runStep(100 + i);
spent.clear();
const wall = await timed(runStep, steps, 200);
console.log(`1 thread: ${wall.toFixed(0)} ms per step, ${((batch * 1000) / wall).toFixed(0)} images/s`);
if (spent.size > 0) {
  console.log('\nphase (1 thread, all shards here)                       ms/step');
  let inPhases = 0;
  for (const [label, ms] of spent) {
    inPhases += ms / steps;
    console.log(`${label.padEnd(55)} ${(ms / steps).toFixed(1).padStart(7)}`);
  }
  console.log(`${'rest: batch + weights into shared memory, shard reduction'.padEnd(55)} ${(wall - inPhases).toFixed(1).padStart(7)}`);
}

/** Per kernel and per part: the least over the profiled steps of its time in one step. */
const byKernel = new Map<string, { ms: number; n: number; shapes: string }>();
const byPart = new Map<string, number>();
let calls = 0;
for (let p = 0; p < profiles; p++) {
  const prof = await tf.profile(async () => {
    await runStep(300 + p);
  });
  calls = 0;
  const kernels = new Map<string, { ms: number; n: number; shapes: string }>();
  const parts = new Map<string, number>();
  for (const k of prof.kernels) {
    // op scopes (fusedConv2d__op, unnamed scope) contain the kernels they run: counted there
    if (k.name.endsWith('__op') || k.name === 'unnamed scope') continue;
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    calls++;
    const e = kernels.get(k.name) ?? { ms: 0, n: 0, shapes: '' };
    e.ms += ms;
    e.n += 1;
    if (e.shapes.length < 100) e.shapes += `${JSON.stringify(k.inputShapes)} `;
    kernels.set(k.name, e);
    parts.set(partOf(k.name), (parts.get(partOf(k.name)) ?? 0) + ms);
  }
  for (const [name, e] of kernels) {
    const best = byKernel.get(name);
    if (!best || e.ms < best.ms) byKernel.set(name, e);
  }
  for (const [part, ms] of parts) byPart.set(part, Math.min(ms, byPart.get(part) ?? Infinity));
}
let total = 0;
for (const ms of byPart.values()) total += ms;
console.log(`\nprofiled steps (least of ${profiles}): ${calls} kernel calls per step, ${total.toFixed(0)} ms in kernels`);
console.log('part of the step                              ms   share');
for (const [part, ms] of [...byPart].sort((a, b) => b[1] - a[1])) console.log(`${part.padEnd(42)} ${ms.toFixed(1).padStart(7)}  ${((100 * ms) / total).toFixed(0).padStart(3)}%`);
console.log('\nkernel                        ms  calls  input shapes');
for (const [name, e] of [...byKernel].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25)) {
  console.log(`${name.padEnd(24)} ${e.ms.toFixed(1).padStart(8)}  x${String(e.n).padEnd(4)} ${e.shapes}`);
}
await close();
