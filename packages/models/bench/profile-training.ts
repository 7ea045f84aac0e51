// Per-kernel time of one training step of the reference CNN (batch 500) on a backend.
// Run: node --import tsx/esm packages/models/bench/profile-training.ts
// Options (environment variables):
//   FMNIST_BENCH_BACKEND=wasm|cpu|tensorflow   (default wasm)
//   FMNIST_BENCH_BATCH=500
//   FMNIST_BENCH_MODEL=reference|strong        ('strong' = the models team's STRONG_CNN from
//                                               createCnn: relu, batch norm, dropout, 'same')
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend/index';
import { createCnn, STRONG_CNN } from '../src/cnn';
import { envChoice, envInt } from './bench-env';
import { buildReferenceCnn, randomBatch } from './models-bench';

const backendName = envChoice('FMNIST_BENCH_BACKEND', ['wasm', 'cpu', 'tensorflow'] as const, 'wasm');
const batch = envInt('FMNIST_BENCH_BATCH', 1, 100_000) ?? 500;
const which = envChoice('FMNIST_BENCH_MODEL', ['reference', 'strong'] as const, 'reference');
const info = await initBackend(backendName);
console.log(info.reason);
const model = which === 'strong' ? createCnn(STRONG_CNN) : buildReferenceCnn(0);
const { x, y } = randomBatch(batch, 1);
for (let i = 0; i < 2; i++) await model.trainOnBatch(x, y);
const t0 = performance.now();
const prof = await tf.profile(async () => {
  await model.trainOnBatch(x, y);
});
const wall = performance.now() - t0;
const byKernel = new Map<string, { ms: number; n: number; shapes: string }>();
for (const k of prof.kernels) {
  const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
  const e = byKernel.get(k.name) ?? { ms: 0, n: 0, shapes: '' };
  e.ms += ms;
  e.n += 1;
  if (e.shapes.length < 120) e.shapes += `${JSON.stringify(k.inputShapes)} `;
  byKernel.set(k.name, e);
}
const rows = [...byKernel.entries()].sort((a, b) => b[1].ms - a[1].ms);
let total = 0;
for (const [, e] of rows) total += e.ms;
console.log(`step wall ${wall.toFixed(0)} ms (profiled), kernel sum ${total.toFixed(0)} ms`);
for (const [name, e] of rows.slice(0, 25)) console.log(`${name.padEnd(24)} ${e.ms.toFixed(1).padStart(8)} ms  x${e.n}  ${e.shapes}`);
const t1 = performance.now();
const steps = 5;
for (let i = 0; i < steps; i++) await model.trainOnBatch(x, y);
console.log(`unprofiled: ${((batch * steps) / ((performance.now() - t1) / 1000)).toFixed(0)} images/s`);
