// The training recipe's options, each for what it promises: smoothed targets change the loss as
// specified, the scheduled rate is the one each step uses and each epoch records, the weight
// average is a true EMA and is what is evaluated and kept, test-time flips and shifts change
// evaluation only, and a run resumed mid-schedule (with augmentation, smoothing and EMA) ends where
// an uninterrupted one does.
import * as tf from '@tensorflow/tfjs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from './backend/index';
import { createCnn, type CnnOptions } from './cnn';
import { evaluate, predictProbabilities, shiftImages } from './evaluate';
import { scheduledLearningRate } from './lr-schedule';
import { loadModel, saveModel } from './model-io';
import { train, type EpochMetrics, type TrainOptions } from './train';
import { fashionSubset } from './testing/fashion-subset';

const SMALL: Partial<CnnOptions> = { activation: 'relu', filters: [8, 16], denseUnits: 32, dropout: 0.25, batchNorm: true, padding: 'same', seed: 11 };
/** No dropout or batch norm: the training-mode forward pass is the inference one. */
const PLAIN: Partial<CnnOptions> = { activation: 'tanh', filters: [4, 8], denseUnits: 16, dropout: 0, batchNorm: false, seed: 3 };

const t = fashionSubset('train', 600);
const v = fashionSubset('train', 200, 50_000);
const data = { x: t.x, labels: t.labels, n: t.n };
const validation = { x: v.x, labels: v.labels, n: v.n };
const weightsOf = (m: tf.LayersModel) => m.getWeights().map((w) => Array.from(w.dataSync()));
const metricsOf = (h: EpochMetrics[]) => h.map(({ seconds: _s, imagesPerSecond: _i, ...rest }) => rest);
const maxDiff = (a: number[][], b: number[][]) => Math.max(...a.map((w, i) => Math.max(...w.map((x, j) => Math.abs(x - b[i][j])))));

let dir: string;
beforeAll(async () => {
  await initBackend();
  dir = await mkdtemp(join(tmpdir(), 'fmnist-recipe-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function withModel<T>(opts: Partial<CnnOptions>, f: (m: tf.LayersModel) => Promise<T>): Promise<T> {
  const m = createCnn(opts);
  try {
    return await f(m);
  } finally {
    m.dispose();
  }
}

describe('train with the recipe options', () => {
  it('label smoothing: the loss is the cross-entropy against (1 - s) * one-hot + s / 10', async () => {
    const first = { x: data.x.subarray(0, 100 * 784), labels: data.labels.subarray(0, 100), n: 100 };
    const lossOf = (s: number) =>
      withModel(PLAIN, async (m) => {
        const p = await predictProbabilities(m, first);
        // one step on the whole batch: the loss reported is that of the weights before it
        const r = await train(m, first, { epochs: 1, batchSize: 100, seed: 1, labelSmoothing: s });
        let hand = 0;
        for (let i = 0; i < 100; i++) {
          const row = p.subarray(i * 10, i * 10 + 10);
          for (let k = 0; k < 10; k++) hand -= ((k === first.labels[i] ? 1 - s : 0) + s / 10) * Math.log(Math.min(1 - 1e-7, Math.max(1e-7, row[k])));
        }
        return { reported: r.history[0].loss, hand: hand / 100 };
      });
    const smooth = await lossOf(0.2);
    const hard = await lossOf(0);
    expect(smooth.reported).toBeCloseTo(smooth.hand, 4);
    expect(hard.reported).toBeCloseTo(hard.hand, 4);
    // an untrained network is near uniform, so the two losses are close, but far apart at 4 decimals
    expect(Math.abs(smooth.reported - hard.reported)).toBeGreaterThan(1e-3);
  });

  it('schedule: every step runs at the scheduled rate, and each epoch records the rate of its last step', async () => {
    const schedule = { kind: 'one-cycle', warmupFraction: 0.3 } as const;
    const seen: number[] = [];
    const r = await withModel({ ...PLAIN, optimizer: 'sgd', learningRate: 0.05, momentum: 0.9, nesterov: true }, (m) =>
      train(m, data, { epochs: 2, batchSize: 100, seed: 1, schedule, onProgress: () => seen.push((m.optimizer as unknown as { learningRate: number }).learningRate) }),
    );
    expect(seen).toHaveLength(12);
    seen.forEach((lr, step) => expect(lr).toBeCloseTo(scheduledLearningRate(schedule, 0.05, step, 12), 12));
    expect(seen[3]).toBeCloseTo(0.05, 2);
    expect(r.history.map((h) => h.learningRate)).toEqual([seen[5], seen[11]]);
  });

  it('ema: the model ends with the average of the per-step weights (not the trained ones), validated each epoch and saved', async () => {
    const decay = 0.6;
    await withModel(SMALL, async (m) => {
      let avg = weightsOf(m);
      let raw = avg;
      const r = await train(m, data, {
        epochs: 1,
        batchSize: 100,
        seed: 2,
        validation,
        ema: { decay },
        onProgress: () => {
          raw = weightsOf(m);
          avg = avg.map((w, i) => w.map((x, j) => decay * x + (1 - decay) * raw[i][j]));
        },
      });
      const final = weightsOf(m);
      expect(maxDiff(final, avg)).toBeLessThan(1e-5);
      expect(maxDiff(final, raw)).toBeGreaterThan(1e-3);
      // the epoch's validation scored the averaged weights
      const ev = await evaluate(m, validation, { batchSize: 500 });
      expect(r.history[0].valLoss).toBeCloseTo(ev.loss, 5);
      await saveModel(m, join(dir, 'ema'));
      const loaded = await loadModel(join(dir, 'ema'));
      expect(maxDiff(weightsOf(loaded), final)).toBe(0);
      loaded.dispose();
    });
    // during its warm-up the average follows the weights
    const warm = await withModel(SMALL, async (m) => {
      let raw: number[][] = [];
      await train(m, data, { epochs: 1, batchSize: 100, seed: 2, ema: { decay, warmupEpochs: 1 }, onProgress: () => (raw = weightsOf(m)) });
      return maxDiff(weightsOf(m), raw);
    });
    expect(warm).toBe(0);
  });

  it('tta: evaluation averages each image with its mirror; training is unchanged', async () => {
    await withModel(SMALL, async (m) => {
      await train(m, data, { epochs: 1, batchSize: 100, seed: 2 });
      const before = weightsOf(m);
      const plain = await predictProbabilities(m, validation);
      const tta = await predictProbabilities(m, validation, 1000, { tta: true });
      const mirror = await predictProbabilities(m, { ...validation, x: flipAll(validation.x) });
      tta.forEach((p, i) => expect(p).toBeCloseTo((plain[i] + mirror[i]) / 2, 5));
      expect(maxDiff([Array.from(tta)], [Array.from(plain)])).toBeGreaterThan(1e-3);
      expect(weightsOf(m)).toEqual(before);
      const ev = await evaluate(m, validation, { tta: true });
      expect(Array.from(ev.probabilities)).toEqual(Array.from(tta));
    });
    const run = (tta: boolean) => withModel(SMALL, (m) => train(m, data, { epochs: 2, batchSize: 100, seed: 2, validation, tta }));
    const [a, b] = [await run(false), await run(true)];
    expect(a.history.map((h) => h.loss)).toEqual(b.history.map((h) => h.loss));
    expect(a.history[1].valLoss).not.toBe(b.history[1].valLoss);
  });

  it('ttaShift: evaluation also averages the image moved 1 pixel each way (and their mirrors with tta)', async () => {
    await withModel(SMALL, async (m) => {
      await train(m, data, { epochs: 1, batchSize: 100, seed: 2 });
      const before = weightsOf(m);
      const moves: [number, number][] = [[0, 0], [1, 0], [-1, 0], [0, 1], [0, -1]];
      const each = await Promise.all(moves.map(([dx, dy]) => predictProbabilities(m, { ...validation, x: shiftAll(validation.x, dx, dy) })));
      const mirrored = await Promise.all(moves.map(([dx, dy]) => predictProbabilities(m, { ...validation, x: flipAll(shiftAll(validation.x, dx, dy)) })));
      const shifts = await predictProbabilities(m, validation, 64, { ttaShift: 1 });
      shifts.forEach((p, i) => expect(p).toBeCloseTo(each.reduce((a, e) => a + e[i], 0) / 5, 5));
      const both = await predictProbabilities(m, validation, 1000, { tta: true, ttaShift: 1 });
      both.forEach((p, i) => expect(p).toBeCloseTo([...each, ...mirrored].reduce((a, e) => a + e[i], 0) / 10, 5));
      expect(maxDiff([Array.from(shifts)], [Array.from(each[0])])).toBeGreaterThan(1e-3);
      expect(weightsOf(m)).toEqual(before);
      const ev = await evaluate(m, validation, { tta: true, ttaShift: 1 });
      expect(Array.from(ev.probabilities)).toEqual(Array.from(both));
      // each view is moved the way it says, zeros filling in (the averages above are symmetric)
      for (const [dx, dy] of [[2, -1], [-3, 0], [0, 27], [28, 0]] as const) {
        const moved = tf.tidy(() => shiftImages(tf.tensor4d(validation.x.subarray(0, 3 * 784), [3, 28, 28, 1]), dx, dy).dataSync());
        expect(Array.from(moved)).toEqual(Array.from(shiftAll(validation.x.subarray(0, 3 * 784), dx, dy)));
      }
      // moved by 2, the views differ from those moved by 1
      const two = await predictProbabilities(m, validation, 1000, { ttaShift: 2 });
      expect(maxDiff([Array.from(two)], [Array.from(shifts)])).toBeGreaterThan(1e-3);
      await expect(predictProbabilities(m, validation, 1000, { ttaShift: 1.5 })).rejects.toThrow(/ttaShift must be/);
      await expect(predictProbabilities(m, validation, 1000, { ttaShift: -1 })).rejects.toThrow(/ttaShift must be/);
    });
    // training is unchanged by it, and refuses a bad value before the first step
    const run = (ttaShift: number) => withModel(SMALL, (m) => train(m, data, { epochs: 1, batchSize: 100, seed: 2, validation, ttaShift }));
    const [a, b] = [await run(0), await run(1)];
    expect(a.history[0].loss).toBe(b.history[0].loss);
    expect(a.history[0].valLoss).not.toBe(b.history[0].valLoss);
    await expect(run(9)).rejects.toThrow(/ttaShift must be/);
  });

  it('resumed mid-schedule (with augmentation, smoothing and ema) it ends exactly where an uninterrupted run does', async () => {
    const o: Partial<TrainOptions> = {
      batchSize: 100,
      seed: 4,
      validation,
      schedule: { kind: 'triangular', cycles: 2 },
      augment: { flip: true, translate: 2 },
      labelSmoothing: 0.1,
      ema: { decay: 0.8, warmupEpochs: 0.5 },
    };
    const whole = await withModel(SMALL, async (m) => ({ r: await train(m, data, { ...o, epochs: 3 } as TrainOptions), w: weightsOf(m) }));
    const ck = join(dir, 'resume-recipe');
    const ac = new AbortController();
    const cut = await withModel(SMALL, (m) =>
      train(m, data, { ...o, epochs: 3, checkpointDir: ck, signal: ac.signal, onProgress: (p) => p.label === 'epoch 2/3' && p.done >= 300 && ac.abort() } as TrainOptions),
    );
    expect(cut.interrupted).toBe(true);
    expect(cut.history).toHaveLength(1);
    const resumed = await withModel(SMALL, async (m) => ({ r: await train(m, data, { ...o, epochs: 3, checkpointDir: ck } as TrainOptions), w: weightsOf(m) }));
    expect(resumed.r.resumedFromEpoch).toBe(1);
    expect(metricsOf(resumed.r.history)).toEqual(metricsOf(whole.r.history));
    expect(resumed.w).toEqual(whole.w);
    // augmentation changes training: the same run without it differs
    const noAug = await withModel(SMALL, (m) => train(m, data, { ...o, augment: undefined, epochs: 1 } as TrainOptions));
    expect(noAug.history[0].loss).not.toBe(whole.r.history[0].loss);
    // a checkpoint of another recipe is refused
    await expect(withModel(SMALL, (m) => train(m, data, { ...o, labelSmoothing: 0.2, epochs: 3, checkpointDir: ck } as TrainOptions))).rejects.toThrow(/written with recipe/);
  });

  it('refuses a schedule together with the plateau callback', async () => {
    await expect(
      withModel(PLAIN, (m) => train(m, data, { epochs: 1, batchSize: 100, seed: 1, schedule: { kind: 'one-cycle' }, reduceLrOnPlateau: { factor: 0.5, patience: 1 } })),
    ).rejects.toThrow(/schedule and reduceLrOnPlateau both set the learning rate/);
  });
});

function flipAll(x: Float32Array): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i += 784) for (let r = 0; r < 28; r++) for (let c = 0; c < 28; c++) out[i + r * 28 + c] = x[i + r * 28 + 27 - c];
  return out;
}

/** Each 28x28 image moved dx pixels right and dy down, zeros where nothing moved in. */
function shiftAll(x: Float32Array, dx: number, dy: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i += 784)
    for (let r = 0; r < 28; r++)
      for (let c = 0; c < 28; c++) {
        const [sr, sc] = [r - dy, c - dx];
        if (sr >= 0 && sr < 28 && sc >= 0 && sc < 28) out[i + r * 28 + c] = x[i + sr * 28 + sc];
      }
  return out;
}
