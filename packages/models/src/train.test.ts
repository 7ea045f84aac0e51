import * as tf from '@tensorflow/tfjs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from './backend/index';
import { createCnn, type CnnOptions } from './cnn';
import { evaluate } from './evaluate';
import { epochOrder, train, type EpochMetrics, type TrainOptions } from './train';
import { fashionSubset } from './testing/fashion-subset';

// Small enough to train in seconds, with every source of randomness the strong model has
// (seeded init, shuffling, dropout) plus batch norm and optimizer state.
const SMALL: Partial<CnnOptions> = { activation: 'relu', filters: [8, 16], denseUnits: 32, dropout: 0.25, batchNorm: true, seed: 11 };

let dir: string;
const trainSet = fashionSubset('train', 600);
const valSet = fashionSubset('train', 300, 50_000);
const data = { x: trainSet.x, labels: trainSet.labels, n: trainSet.n };
const validation = { x: valSet.x, labels: valSet.labels, n: valSet.n };
const metricsOf = (h: EpochMetrics[]) => h.map(({ epoch, loss, accuracy, valLoss, valAccuracy }) => ({ epoch, loss, accuracy, valLoss, valAccuracy }));

beforeAll(async () => {
  await initBackend();
  dir = await mkdtemp(join(tmpdir(), 'fmnist-train-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function run(o: Partial<TrainOptions> & { epochs: number }, opts: Partial<CnnOptions> = SMALL) {
  const model = createCnn(opts);
  try {
    return await train(model, data, { batchSize: 100, seed: 5, validation, ...o });
  } finally {
    model.dispose();
  }
}

describe('train', () => {
  let reference: EpochMetrics[];

  it('gives identical metrics for the same seed, and keeps the tensor count flat across epochs', async () => {
    const counts: number[] = [];
    const a = await run({ epochs: 3, onEpoch: () => counts.push(tf.memory().numTensors) });
    const b = await run({ epochs: 3 });
    reference = a.history;
    expect(a.history).toHaveLength(3);
    expect(metricsOf(b.history)).toEqual(metricsOf(a.history));
    expect(a.history[2].loss).toBeLessThan(a.history[0].loss);
    expect(counts[1]).toBe(counts[0]);
    expect(counts[2]).toBe(counts[0]);
    const other = await run({ epochs: 1, seed: 6 });
    expect(other.history[0].loss).not.toBe(a.history[0].loss);
  });

  it('resumes from a per-epoch checkpoint to the same final metrics', async () => {
    const ck = join(dir, 'resume');
    const first = await run({ epochs: 1, checkpointDir: ck });
    expect(first.resumedFromEpoch).toBe(0);
    expect(await readdir(ck)).toEqual(['checkpoint.json', 'epoch-0001']);
    const rest = await run({ epochs: 3, checkpointDir: ck });
    expect(rest.resumedFromEpoch).toBe(1);
    expect(metricsOf(rest.history)).toEqual(metricsOf(reference));
    expect(JSON.parse(await readFile(join(ck, 'checkpoint.json'), 'utf8')).epoch).toBe(3);
  });

  it('stops after the current batch on abort, keeps the last checkpoint, and resumes to the same result', async () => {
    const ck = join(dir, 'abort');
    const ac = new AbortController();
    const progress: number[] = [];
    const stopped = await run({
      epochs: 3,
      checkpointDir: ck,
      signal: ac.signal,
      onProgress: (p) => {
        if (p.label === 'epoch 2/3') {
          progress.push(p.done);
          if (p.done >= 300) ac.abort();
        }
      },
    });
    expect(stopped.interrupted).toBe(true);
    expect(progress).toEqual([100, 200, 300]);
    expect(stopped.history).toHaveLength(1);
    expect(JSON.parse(await readFile(join(ck, 'checkpoint.json'), 'utf8')).epoch).toBe(1);
    const resumed = await run({ epochs: 3, checkpointDir: ck });
    expect(resumed.resumedFromEpoch).toBe(1);
    expect(metricsOf(resumed.history)).toEqual(metricsOf(reference));
  });

  it('refuses to resume a checkpoint written for other data or settings', async () => {
    const ck = join(dir, 'resume');
    await expect(run({ epochs: 4, checkpointDir: ck, batchSize: 50 })).rejects.toThrow(/batchSize = 100.*batchSize = 50/);
  });

  it('stops early when the monitored value stops improving', async () => {
    // A learning rate far below float32 resolution (and no batch-norm statistics) leaves the
    // weights unchanged: valLoss is flat, so patience runs out after epoch 1 + 2.
    const r = await run({ epochs: 5, earlyStopping: { patience: 2 } }, { ...SMALL, dropout: 0, batchNorm: false, optimizer: 'sgd', learningRate: 1e-20 });
    expect(r.stoppedEarly).toBe(true);
    expect(r.history).toHaveLength(3);
    expect(r.history[2].valLoss).toBe(r.history[0].valLoss);
  });

  it('counts only improvements larger than minDelta', async () => {
    // A normal training improves its validation loss every epoch by far less than 10.
    const plain = await run({ epochs: 4, earlyStopping: { patience: 2 } });
    expect(plain.stoppedEarly).toBe(false);
    expect(plain.history).toHaveLength(4);
    const strict = await run({ epochs: 4, earlyStopping: { patience: 2, minDelta: 10 } });
    expect(strict.stoppedEarly).toBe(true);
    expect(strict.history).toHaveLength(3);
    // patience running out exactly on the last epoch is not an early stop
    const last = await run({ epochs: 3, earlyStopping: { patience: 2, minDelta: 10 } });
    expect(last.history).toHaveLength(3);
    expect(last.stoppedEarly).toBe(false);
    await expect(run({ epochs: 1, earlyStopping: { patience: 1, minDelta: -1 } })).rejects.toThrow(/earlyStopping.minDelta must be a finite number ≥ 0, got -1/);
  });

  it('reduces the learning rate on a plateau, and a resumed run keeps the reduced rate', async () => {
    const flat: Partial<CnnOptions> = { ...SMALL, dropout: 0, batchNorm: false, optimizer: 'sgd', learningRate: 1e-20 };
    const reduceLrOnPlateau = { factor: 0.5, patience: 1 };
    const full = await run({ epochs: 3, reduceLrOnPlateau }, flat);
    expect(full.history.map((m) => m.learningRate)).toEqual([1e-20, 1e-20, 5e-21]);
    const ck = join(dir, 'plateau');
    await run({ epochs: 2, reduceLrOnPlateau, checkpointDir: ck }, flat);
    const resumed = await run({ epochs: 3, reduceLrOnPlateau, checkpointDir: ck }, flat);
    expect(resumed.history.map((m) => m.learningRate)).toEqual([1e-20, 1e-20, 5e-21]);
    await expect(run({ epochs: 1, reduceLrOnPlateau: { factor: 2, patience: 1 } })).rejects.toThrow(/reduceLrOnPlateau.factor must be a finite number > 0 and < 1, got 2/);
  });

  it('shuffles every epoch differently but reproducibly', () => {
    const a = epochOrder(1000, 5, 1);
    expect(Array.from(a).sort((x, y) => x - y)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(epochOrder(1000, 5, 1)).toEqual(a);
    expect(epochOrder(1000, 5, 2)).not.toEqual(a);
  });
});

describe('evaluate', () => {
  it('scores a trained reference CNN well above chance on held-out test images', async () => {
    const big = fashionSubset('train', 2000, 10_000);
    const test = fashionSubset('t10k', 1000);
    const model = createCnn({ seed: 3 });
    await train(model, { x: big.x, labels: big.labels, n: big.n }, { epochs: 3, batchSize: 100, seed: 3 });
    const ev = await evaluate(model, { x: test.x, labels: test.labels, n: test.n });
    model.dispose();
    expect(ev.accuracy).toBeGreaterThan(0.65);
    expect(ev.loss).toBeLessThan(1.2);
    expect(ev.probabilities).toHaveLength(1000 * 10);
    const total = ev.confusion.flat().reduce((a, v) => a + v, 0);
    expect(total).toBe(1000);
    const diagonal = ev.confusion.reduce((a, row, k) => a + row[k], 0);
    expect(diagonal / 1000).toBeCloseTo(ev.accuracy, 10);
    const supports = ev.perClass.map((c) => c.support);
    expect(supports).toEqual(Array.from({ length: 10 }, (_, k) => test.labels.filter((l) => l === k).length));
    expect(ev.perClass[1].name).toBe('Trouser');
    for (const c of ev.perClass) {
      expect(c.recall).toBeCloseTo(ev.confusion[c.label][c.label] / c.support, 10);
      if (c.precision + c.recall > 0) expect(c.f1).toBeCloseTo((2 * c.precision * c.recall) / (c.precision + c.recall), 10);
    }
  });
});
