import * as tf from '@tensorflow/tfjs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/index';
import { createCnn, type CnnOptions } from '../cnn';
import { createHead } from '../head';
import { readCheckpointFile } from '../checkpoint';
import { train, type EpochMetrics, type TrainOptions } from '../train';
import type { TrainData } from '../train-data';
import { fashionSubset } from '../testing/fashion-subset';
import { createDataParallelStep } from './data-parallel';
import { shardRanges } from './shards';

// Every source of randomness and state the strong model has: seeded init, shuffling, dropout,
// batch norm (moving averages) and Adam's moments. 130 rows in batches of 50: the last batch (30)
// and a batch of 3 rows in 4 shards are covered.
const SMALL: Partial<CnnOptions> = { activation: 'relu', filters: [8, 16], denseUnits: 32, dropout: 0.25, batchNorm: true, padding: 'same', seed: 3 };
const set = fashionSubset('train', 130);
const data: TrainData = { x: set.x, labels: set.labels, n: set.n };
const val = fashionSubset('train', 60, 40_000);
const validation: TrainData = { x: val.x, labels: val.labels, n: val.n };
const metricsOf = (h: EpochMetrics[]) => h.map(({ epoch, loss, accuracy, valLoss, valAccuracy }) => ({ epoch, loss, accuracy, valLoss, valAccuracy }));
let dir: string;

beforeAll(async () => {
  await initBackend('wasm');
  dir = await mkdtemp(join(tmpdir(), 'fmnist-parallel-'));
});
afterAll(async () => {
  delete process.env.FMNIST_TEST_THREAD_EXIT_AT_STEP;
  await rm(dir, { recursive: true, force: true });
});

async function run(model: tf.LayersModel, d: TrainData, o: Partial<TrainOptions>) {
  try {
    const r = await train(model, d, { epochs: 2, batchSize: 50, seed: 9, validation: d === data ? validation : undefined, ...o });
    const weights = model.getWeights().map((w) => Array.from(w.dataSync()));
    return { r, weights };
  } finally {
    model.dispose();
  }
}

describe('shardRanges', () => {
  it('cuts a batch into the same near-equal, contiguous shards whatever the thread count', () => {
    expect(shardRanges(10, 4)).toEqual([[0, 2], [2, 5], [5, 7], [7, 10]]);
    expect(shardRanges(3, 4)).toEqual([[0, 0], [0, 1], [1, 2], [2, 3]]);
  });
});

describe('data-parallel training', () => {
  it('gives bit-identical weights and metrics with 1 and 2 threads (batch norm, dropout, Adam)', async () => {
    const one = await run(createCnn(SMALL), data, { parallel: { threads: 1 } });
    const two = await run(createCnn(SMALL), data, { parallel: { threads: 2 } });
    expect(metricsOf(two.r.history)).toEqual(metricsOf(one.r.history));
    expect(two.weights).toEqual(one.weights);
    // it trains: the loss falls, the batch-norm moving averages moved off their initial values
    expect(one.r.history[1].loss).toBeLessThan(one.r.history[0].loss);
    const model = createCnn(SMALL);
    const initial = model.getWeights().map((w) => Array.from(w.dataSync()));
    model.dispose();
    expect(one.weights.find((w, i) => w.length === 8 && w.join() !== initial[i].join())).toBeDefined();
    // 3 threads for 4 shards computes the same numbers too
    const three = await run(createCnn(SMALL), data, { epochs: 1, parallel: { threads: 3 } });
    const oneEpoch = await run(createCnn(SMALL), data, { epochs: 1, parallel: { threads: 1 } });
    expect(three.weights).toEqual(oneEpoch.weights);
  });

  it('gives the same weights and metrics when the threads change between steps (lent a core, then giving it back)', async () => {
    const straight = await run(createCnn(SMALL), data, { parallel: { threads: 1 } });
    // 3 steps per epoch, 6 in all: 1, 3, 3, 2, 1, 2 threads, asked before each step
    const plan = [1, 3, 3, 2, 1, 2];
    let step = 0;
    const changing = await run(createCnn(SMALL), data, { parallel: { threads: 1, wanted: () => plan[step++] } });
    expect(step).toBe(6);
    expect(changing.weights).toEqual(straight.weights);
    expect(metricsOf(changing.r.history)).toEqual(metricsOf(straight.r.history));
    // the step runs on the count asked (threads started when more are asked, idle when fewer)
    const model = createCnn(SMALL);
    const seen: number[] = [];
    const p = createDataParallelStep(model, { threads: 2, wanted: () => plan[seen.length] }, 50);
    try {
      for (let i = 0; i < plan.length; i++) {
        const [x, y] = [tf.tensor4d(data.x.subarray(0, 50 * 784), [50, 28, 28, 1]), tf.oneHot(tf.tensor1d(Array.from(data.labels.subarray(0, 50)), 'int32'), 10)];
        await p.trainOnBatch(x, y, i);
        tf.dispose([x, y]);
        seen.push(p.threads);
      }
    } finally {
      await p.close();
      model.dispose();
    }
    expect(seen).toEqual(plan);
    // a count out of range is refused at the step that asks for it
    await expect(run(createCnn(SMALL), data, { epochs: 1, parallel: { threads: 1, wanted: () => 0 } })).rejects.toThrow(/threads must be/);
  });

  it('trains a functional model (a transfer head) the same with 1 and 2 threads', async () => {
    const feats = new Float32Array(130 * 24).map((_, i) => Math.sin(i * 0.37));
    const d: TrainData = { x: feats, labels: set.labels, n: 130 };
    const one = await run(createHead(24, { seed: 4, dropout: 0.3 }), d, { parallel: { threads: 1 } });
    const two = await run(createHead(24, { seed: 4, dropout: 0.3 }), d, { parallel: { threads: 2 } });
    expect(two.weights).toEqual(one.weights);
    expect(metricsOf(two.r.history)).toEqual(metricsOf(one.r.history));
  });

  it('leaves the weights of a frozen layer bit-identical (they are state no shard changes)', async () => {
    const feats = new Float32Array(130 * 24).map((_, i) => Math.cos(i * 0.11));
    const d: TrainData = { x: feats, labels: set.labels, n: 130 };
    const model = createHead(24, { seed: 5 });
    model.getLayer('head_dense').trainable = false;
    const frozen = model.getLayer('head_dense').getWeights().map((w) => Array.from(w.dataSync()));
    const before = model.getLayer('predictions').getWeights()[0].dataSync().slice();
    await train(model, d, { epochs: 2, batchSize: 50, seed: 9, parallel: { threads: 2 } });
    expect(model.getLayer('head_dense').getWeights().map((w) => Array.from(w.dataSync()))).toEqual(frozen);
    expect(model.getLayer('predictions').getWeights()[0].dataSync()).not.toEqual(before);
    model.dispose();
  });

  it('a thread that exits mid-step stops training with an error naming the unit; the checkpoint is kept and a re-run resumes to the same weights', async () => {
    const ck = join(dir, 'dies');
    const straight = await run(createCnn(SMALL), data, { parallel: { threads: 2 } });
    // 3 batches per epoch: step 4 is the second batch of epoch 2
    process.env.FMNIST_TEST_THREAD_EXIT_AT_STEP = '4';
    await expect(run(createCnn(SMALL), data, { checkpointDir: ck, parallel: { threads: 2, unit: 'holdout/final' } })).rejects.toThrow(
      /Training thread 2 of 2 of holdout\/final exited \(code 3\) during step 5; training stopped, the last epoch checkpoint is kept/,
    );
    delete process.env.FMNIST_TEST_THREAD_EXIT_AT_STEP;
    expect((await readCheckpointFile(ck))?.epoch).toBe(1);
    const resumed = await run(createCnn(SMALL), data, { checkpointDir: ck, parallel: { threads: 1 } });
    expect(resumed.r.resumedFromEpoch).toBe(1);
    expect(resumed.weights).toEqual(straight.weights);
    expect(metricsOf(resumed.r.history)).toEqual(metricsOf(straight.r.history));
  });
});
