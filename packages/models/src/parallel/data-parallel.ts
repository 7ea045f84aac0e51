// Synchronous data-parallel training of one model over worker threads (issue #10).
//
// Each batch is cut into a fixed number of shards (shards.ts); thread t of T computes shards
// t, t+T, ... with its own replica (replica.ts) and writes each shard's gradients and batch-norm
// state into that shard's slot of shared memory. The main thread then sums the slots in shard
// order 0..S-1, whatever T is, and applies the sum with the model's own optimizer
// (optimizer.applyGradients), so a seed gives the same weights and metrics with any thread count,
// including T = 1, where the main thread computes all the shards itself. Batch norm keeps
// per-shard batch statistics (as DDP without synchronised batch norm); its moving averages move
// by the shards' changes weighted by shard rows, which is the update from the rows-weighted mean
// of the shard statistics.
import * as tf from '@tensorflow/tfjs';
import { pathToFileURL } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { fromErrorData, type ErrorData } from '@fmnist/core';
import { ModelsError } from '../errors';
import { checkRange } from '../limits';
import { allocateShared, buildReplica, CONTROL, describeReplica, METRICS_PER_SHARD, ShardWorker, sharedViews, weightCount, type ReplicaSpec, type SharedBuffers, type SharedViews } from './replica';
import type { ReplicaJob } from './replica-worker';
import { DEFAULT_SHARDS } from './shards';
import { spawnWorker } from './spawn-worker';

export interface ParallelTraining {
  /** Threads computing shards, this one included (1: the shards run one after the other here). */
  threads: number;
  /**
   * Asked before each step: the threads the caller would have it run on now (a scheduler lending
   * the training a core that became free, or taking it back). Undefined: unchanged. The results do
   * not depend on it.
   */
  wanted?: () => number | undefined;
  /** Shards per batch (default DEFAULT_SHARDS). Results depend on it, not on `threads`. */
  shards?: number;
  /** Named in the error when a thread dies (e.g. the run's unit id). */
  unit?: string;
  /** Module the worker threads start (default: replica-worker-entry.ts, or the bundle this process runs). */
  workerUrl?: URL;
}

export const PARALLEL_LIMITS = { threads: { integer: true, min: 1, max: 256 }, shards: { integer: true, min: 1, max: 256 } };

export interface DataParallelStep {
  /** One synchronous step on the batch (x, y); `step` (the global batch number) seeds dropout. Returns [loss, accuracy]. */
  trainOnBatch(x: tf.Tensor, y: tf.Tensor, step: number): Promise<[number, number]>;
  /** The threads the last step ran on (the initial count before the first). */
  readonly threads: number;
  /** Stops the worker threads (idempotent). */
  close(): Promise<void>;
}

/** Set by a bundle's entry (the CLI's main.ts): the script whose worker threads run runReplicaWorker(). */
export const REPLICA_ENTRY_ENV = 'FMNIST_REPLICA_ENTRY';

/**
 * Where worker threads start: from the TypeScript sources, the entry beside this file; in a bundle
 * (split into chunks, so not this file), the script named by FMNIST_REPLICA_ENTRY, whose entry sends
 * worker threads to runReplicaWorker() (the CLI's main.ts sets it for `fmnist` and, inherited, for
 * its `__worker` processes). Only the CLI reads its own command line.
 */
function defaultWorkerUrl(): URL {
  const here = import.meta.url;
  if (here.endsWith('.ts')) return new URL('./replica-worker-entry.ts', here);
  const entry = process.env[REPLICA_ENTRY_ENV];
  if (!entry) throw new ModelsError(`data-parallel training from a bundle needs the script its worker threads start: set ${REPLICA_ENTRY_ENV} or pass parallel.workerUrl.`);
  return pathToFileURL(entry);
}

type WaitAsync = (a: Int32Array, i: number, v: number) => { async: boolean; value: Promise<string> | string };
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;

export function createDataParallelStep(model: tf.LayersModel, o: ParallelTraining, maxRows: number): DataParallelStep {
  let threads = checkRange('threads', o.threads, PARALLEL_LIMITS.threads);
  const shards = checkRange('shards', o.shards ?? DEFAULT_SHARDS, PARALLEL_LIMITS.shards);
  const unit = o.unit ? ` of ${o.unit}` : '';
  let started: Promise<{ spec: ReplicaSpec; buffers: SharedBuffers; views: SharedViews; local: ShardWorker }> | undefined;
  // worker thread t (from 1) is workers[t - 1]; those from `threads` on sit the steps out
  const workers: Worker[] = [];
  let closing = false;
  let currentStep = -1;
  let fail: (e: unknown) => void = () => {};
  const failure = new Promise<never>((_, reject) => (fail = reject));
  failure.catch(() => {});

  /** Starts worker threads up to `n` (the ones missing), resolving once they are ready. */
  const spawnUpTo = async (spec: ReplicaSpec, buffers: SharedBuffers, n: number) => {
    const url = o.workerUrl ?? defaultWorkerUrl();
    const ready: Promise<void>[] = [];
    for (let t = workers.length + 1; t < n; t++) {
      const job: ReplicaJob = { spec, buffers, thread: t, threads: n, backend: tf.getBackend() };
      const w = spawnWorker(url, { fmnistReplica: job });
      workers.push(w);
      ready.push(new Promise<void>((resolve) => w.on('message', (m: { ready?: boolean }) => m.ready && resolve())));
      w.on('message', (m: { error?: ErrorData }) => m.error && fail(fromErrorData(m.error)));
      w.on('error', (e) => fail(e));
      w.on('exit', (code) => {
        if (closing) return;
        const when = currentStep < 0 ? 'while starting' : `during step ${currentStep + 1}`;
        fail(new ModelsError(`Training thread ${t + 1} of ${Math.max(threads, t + 1)}${unit} exited (code ${code}) ${when}; training stopped, the last epoch checkpoint is kept.`, {
          hint: 'Re-run the same command to resume from it (with fewer --threads if memory ran out).',
        }));
      });
    }
    await Promise.race([Promise.all(ready), failure]);
  };

  const start = async () => {
    const loss = (model as unknown as { loss?: unknown }).loss;
    if (loss !== 'categoricalCrossentropy') {
      throw new ModelsError(`data-parallel training supports the categoricalCrossentropy loss, the model is compiled with ${JSON.stringify(loss)}.`, { hint: 'Compile the model with loss categoricalCrossentropy, or train it without threads.' });
    }
    const spec = describeReplica(model, maxRows, shards);
    const buffers = allocateShared(spec);
    const views = sharedViews(buffers);
    const local = new ShardWorker(buildReplica(spec), spec, views);
    await spawnUpTo(spec, buffers, threads);
    return { spec, buffers, views, local };
  };

  const waitForWorkers = async (control: Int32Array, n: number) => {
    for (;;) {
      const done = Atomics.load(control, CONTROL.done);
      if (done >= n - 1) return;
      const r = waitAsync(control, CONTROL.done, done);
      if (r.async) await Promise.race([r.value, failure]);
    }
  };

  return {
    get threads() {
      return threads;
    },
    async trainOnBatch(x, y, step) {
      const { spec, buffers, views, local } = await (started ??= start());
      const rows = x.shape[0];
      if (rows > spec.maxRows) throw new RangeError(`data-parallel step: a batch of ${rows} rows, at most ${spec.maxRows} were planned`);
      if (!model.optimizer) throw new ModelsError('train: the model is not compiled.');
      // the caller's count from this step on: more start their threads first; with fewer, the
      // threads left over sit the steps out until asked again
      const asked = o.wanted?.();
      if (asked !== undefined) {
        const n = checkRange('threads', asked, PARALLEL_LIMITS.threads);
        if (n > workers.length + 1) await spawnUpTo(spec, buffers, n);
        threads = n;
      }
      currentStep = step;
      // The step's weights and batch into shared memory, then start the workers.
      let off = 0;
      for (const v of [...model.trainableWeights, ...model.nonTrainableWeights]) {
        const d = v.read().dataSync() as Float32Array;
        views.weights.set(d, off);
        off += d.length;
      }
      views.x.set(x.dataSync() as Float32Array);
      views.y.set(y.dataSync() as Float32Array);
      const c = views.control;
      Atomics.store(c, CONTROL.rows, rows);
      Atomics.store(c, CONTROL.step, step);
      Atomics.store(c, CONTROL.threads, threads);
      Atomics.store(c, CONTROL.done, 0);
      Atomics.add(c, CONTROL.generation, 1);
      Atomics.notify(c, CONTROL.generation);
      local.runStep(0, threads);
      await waitForWorkers(c, threads);
      return applyReduced(model, spec, views, rows);
    },
    async close() {
      closing = true;
      await Promise.all(workers.splice(0).map((w) => w.terminate()));
      if (started) (await started.catch(() => undefined))?.local.model.dispose();
    },
  };
}

/** Sums the shard slots in order 0..S-1 and applies them to `model`; returns [loss, accuracy] of the batch. */
function applyReduced(model: tf.LayersModel, spec: ReplicaSpec, views: SharedViews, rows: number): [number, number] {
  const stride = weightCount(spec);
  const trainable = spec.trainableSizes.reduce((a, n) => a + n, 0);
  const acc = new Float32Array(stride);
  let loss = 0;
  let correct = 0;
  for (let s = 0; s < spec.shards; s++) {
    const m = views.metrics.subarray(s * METRICS_PER_SHARD, (s + 1) * METRICS_PER_SHARD);
    if (m[2] === 0) continue;
    const slot = views.slots.subarray(s * stride, (s + 1) * stride);
    for (let i = 0; i < trainable; i++) acc[i] += slot[i];
    // state: the step's value plus the rows-weighted shard changes, so state no shard changes
    // (the weights of frozen layers) stays bit-identical
    const w = m[2] / rows;
    for (let i = trainable; i < stride; i++) acc[i] += w * (slot[i] - views.weights[i]);
    loss += m[0];
    correct += m[1];
  }
  for (let i = trainable; i < stride; i++) acc[i] += views.weights[i];
  tf.tidy(() => {
    const grads: tf.NamedTensorMap = {};
    let off = 0;
    model.trainableWeights.forEach((v, i) => {
      grads[(v.read() as tf.Variable).name] = tf.tensor(acc.subarray(off, off + spec.trainableSizes[i]), v.shape as number[], 'float32');
      off += spec.trainableSizes[i];
    });
    model.optimizer.applyGradients(grads);
    model.nonTrainableWeights.forEach((v, i) => {
      v.write(tf.tensor(acc.subarray(off, off + spec.stateSizes[i]), v.shape as number[], 'float32'));
      off += spec.stateSizes[i];
    });
  });
  return [loss / rows, correct / rows];
}
