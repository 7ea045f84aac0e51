// A replica of the model under data-parallel training, and the shared memory it works in.
//
// Every shard of a batch is computed by a replica built the same way from the same description
// (the main thread's replica for its shards, one per worker thread for theirs), so a shard's
// gradients do not depend on which thread computed it. Shared memory, one SharedArrayBuffer each:
//   control  Int32   generation (bumped by the main thread to start a step), done (workers
//                    finished), rows of this step's batch, the global step number, the threads
//                    of this step (worker threads numbered from it on sit the step out)
//   weights  Float32 the model's trainable weights then its state (batch-norm moving averages),
//                    written by the main thread before each step
//   x, y     Float32 this step's batch (inputs, targets), written by the main thread
//   slots    Float32 per shard: the gradient of (sum of the shard's losses / batch rows), then the
//                    state after the shard's forward pass
//   metrics  Float64 per shard: loss sum, correct predictions, rows
import * as tf from '@tensorflow/tfjs';
import { FastBatchNormalization } from '../fast-batch-norm';
import { registerCustomLayers, SeededDropout, setNoiseStep } from '../seeded-dropout';
import { shardRanges, shardsOfThread } from './shards';

export const CONTROL = { generation: 0, done: 1, rows: 2, step: 3, threads: 4, length: 5 } as const;
export const METRICS_PER_SHARD = 3;
/** tfjs-layers' epsilon: the clip of its categorical cross-entropy. */
const EPSILON = 1e-7;

/** What a thread needs to build a replica and find its way in shared memory (structured-cloneable). */
export interface ReplicaSpec {
  className: string;
  config: tf.serialization.ConfigDict;
  inputShape: number[];
  classes: number;
  trainableSizes: number[];
  stateSizes: number[];
  maxRows: number;
  shards: number;
}

export interface SharedBuffers {
  control: SharedArrayBuffer;
  weights: SharedArrayBuffer;
  x: SharedArrayBuffer;
  y: SharedArrayBuffer;
  slots: SharedArrayBuffer;
  metrics: SharedArrayBuffer;
}

export interface SharedViews {
  control: Int32Array;
  weights: Float32Array;
  x: Float32Array;
  y: Float32Array;
  slots: Float32Array;
  metrics: Float64Array;
}

const sum = (a: number[]) => a.reduce((s, v) => s + v, 0);
const sizeOf = (shape: readonly (number | null)[]) => shape.reduce<number>((a, d) => a * (d ?? 1), 1);
export const exampleLength = (spec: ReplicaSpec) => sizeOf(spec.inputShape);
export const weightCount = (spec: ReplicaSpec) => sum(spec.trainableSizes) + sum(spec.stateSizes);

/** The description of a compiled model every replica is built from. */
export function describeReplica(model: tf.LayersModel, maxRows: number, shards: number): ReplicaSpec {
  const output = model.outputs[0].shape;
  return {
    className: model.getClassName(),
    // a JSON round trip: the same plain config in every thread
    config: JSON.parse(JSON.stringify(model.getConfig())) as tf.serialization.ConfigDict,
    inputShape: model.inputs[0].shape.slice(1) as number[],
    classes: output[output.length - 1] as number,
    trainableSizes: model.trainableWeights.map((w) => sizeOf(w.shape)),
    stateSizes: model.nonTrainableWeights.map((w) => sizeOf(w.shape)),
    maxRows,
    shards,
  };
}

export function allocateShared(spec: ReplicaSpec): SharedBuffers {
  const f32 = (n: number) => new SharedArrayBuffer(n * 4);
  return {
    control: new SharedArrayBuffer(CONTROL.length * 4),
    weights: f32(weightCount(spec)),
    x: f32(spec.maxRows * exampleLength(spec)),
    y: f32(spec.maxRows * spec.classes),
    slots: f32(spec.shards * weightCount(spec)),
    metrics: new SharedArrayBuffer(spec.shards * METRICS_PER_SHARD * 8),
  };
}

export function sharedViews(b: SharedBuffers): SharedViews {
  return {
    control: new Int32Array(b.control),
    weights: new Float32Array(b.weights),
    x: new Float32Array(b.x),
    y: new Float32Array(b.y),
    slots: new Float32Array(b.slots),
    metrics: new Float64Array(b.metrics),
  };
}

/**
 * A fresh model of the described architecture. Batch norm is always this project's
 * FastBatchNormalization (the stock class name maps to it while the layers are built), so every
 * replica runs the same kernels whichever class the original model used. A seeded Dropout is a
 * SeededDropout (saved under the stock name, which alone would build tfjs' Dropout: the same mask
 * on every batch), so its masks follow the step and shard that setNoiseStep gives it.
 */
export function buildReplica(spec: ReplicaSpec): tf.LayersModel {
  registerCustomLayers();
  const map = tf.serialization.SerializationMap.getMap().classNameMap;
  const stock = { bn: map.BatchNormalization, dropout: map.Dropout };
  const fast = FastBatchNormalization as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>;
  map.BatchNormalization = [fast, (fast as unknown as { fromConfig: (typeof map.BatchNormalization)[1] }).fromConfig];
  map.Dropout = [stock.dropout[0], (cls, config, ...rest) =>
    typeof config.seed === 'number'
      ? new SeededDropout({ name: config.name as string, rate: config.rate as number, seed: config.seed })
      : stock.dropout[1](cls, config, ...rest)];
  try {
    const config = JSON.parse(JSON.stringify(spec.config)) as tf.serialization.ConfigDict;
    return spec.className === 'Sequential'
      ? (tf.Sequential.fromConfig(tf.Sequential, config) as tf.LayersModel)
      : (tf.LayersModel.fromConfig(tf.LayersModel, config) as tf.LayersModel);
  } finally {
    map.BatchNormalization = stock.bn;
    map.Dropout = stock.dropout;
  }
}

/** Computes shards of the current step with one replica, writing their slots. */
export class ShardWorker {
  private readonly trainable: tf.Variable[];
  private readonly state: tf.LayerVariable[];
  private readonly stride: number;
  private readonly trainableCount: number;

  constructor(
    readonly model: tf.LayersModel,
    private readonly spec: ReplicaSpec,
    private readonly shared: SharedViews,
  ) {
    this.trainable = model.trainableWeights.map((w) => w.read() as tf.Variable);
    this.state = model.nonTrainableWeights;
    this.trainableCount = sum(spec.trainableSizes);
    this.stride = weightCount(spec);
  }

  /** Copies weights from shared memory into the replica: all of them, or only the state. */
  private load(stateOnly: boolean): void {
    const w = this.shared.weights;
    tf.tidy(() => {
      let off = 0;
      this.model.trainableWeights.forEach((v, i) => {
        const n = this.spec.trainableSizes[i];
        if (!stateOnly) v.write(tf.tensor(w.subarray(off, off + n), v.shape as number[], 'float32'));
        off += n;
      });
      this.state.forEach((v, i) => {
        const n = this.spec.stateSizes[i];
        v.write(tf.tensor(w.subarray(off, off + n), v.shape as number[], 'float32'));
        off += n;
      });
    });
  }

  /** Runs shards thread, thread + threads, ... of the step described by the control block. */
  runStep(thread: number, threads: number): void {
    const rows = Atomics.load(this.shared.control, CONTROL.rows);
    const step = Atomics.load(this.shared.control, CONTROL.step);
    const ranges = shardRanges(rows, this.spec.shards);
    this.load(false);
    for (const s of shardsOfThread(thread, threads, this.spec.shards)) this.runShard(s, ranges[s], rows, step);
  }

  private runShard(s: number, [lo, hi]: [number, number], rows: number, step: number): void {
    const slot = this.shared.slots.subarray(s * this.stride, (s + 1) * this.stride);
    const metrics = this.shared.metrics.subarray(s * METRICS_PER_SHARD, (s + 1) * METRICS_PER_SHARD);
    const n = hi - lo;
    if (n === 0) {
      slot.fill(0);
      metrics.fill(0);
      return;
    }
    // Each shard starts from the step's state, so its batch-norm update is its own statistics'.
    this.load(true);
    // Dropout masks: a pure function of (layer seed, step, shard).
    setNoiseStep(this.model, step * this.spec.shards + s);
    const e = exampleLength(this.spec);
    const k = this.spec.classes;
    tf.tidy(() => {
      const x = tf.tensor(this.shared.x.subarray(lo * e, hi * e), [n, ...this.spec.inputShape], 'float32');
      const y = tf.tensor2d(this.shared.y.subarray(lo * k, hi * k), [n, k], 'float32');
      let pred: tf.Tensor | undefined;
      let lossSum: tf.Tensor | undefined;
      const { value, grads } = tf.variableGrads(() => {
        pred = tf.keep(this.model.apply(x, { training: true }) as tf.Tensor);
        // tfjs-layers' categorical cross-entropy, summed over the shard's rows
        const p = tf.clipByValue(tf.div(pred, tf.sum(pred, -1, true)), EPSILON, 1 - EPSILON);
        lossSum = tf.keep(tf.neg(tf.sum(tf.mul(y, tf.log(p)))));
        return tf.div(lossSum, rows) as tf.Scalar;
      }, this.trainable);
      value.dispose();
      let off = 0;
      this.trainable.forEach((v, i) => {
        slot.set(grads[v.name].dataSync() as Float32Array, off);
        off += this.spec.trainableSizes[i];
      });
      this.state.forEach((v, i) => {
        slot.set(v.read().dataSync() as Float32Array, off);
        off += this.spec.stateSizes[i];
      });
      metrics[0] = lossSum!.dataSync()[0];
      metrics[1] = tf.sum(tf.equal(tf.argMax(pred!, -1), tf.argMax(y, -1))).dataSync()[0];
      metrics[2] = n;
      tf.dispose([pred!, lossSum!]);
    });
  }
}
