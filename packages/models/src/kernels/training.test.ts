// End-to-end checks of the wasm training kernels inside a real training loop: same losses as the
// cpu backend from the same initial weights, and no tensor leaks across steps and epochs.
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { buildReferenceCnn } from '../../bench/models-bench';
import { useBackend } from './kernel-test-utils';

const DATA = '/usr/share/datasets/fashion-mnist';

/** The first n training images (scaled to [0,1]) and one-hot labels of the real dataset. */
function realSubset(n: number): { x: Float32Array; y: Float32Array } {
  const images = gunzipSync(readFileSync(`${DATA}/train-images-idx3-ubyte.gz`));
  const labels = gunzipSync(readFileSync(`${DATA}/train-labels-idx1-ubyte.gz`));
  expect(images.readUInt32BE(0)).toBe(2051);
  expect(labels.readUInt32BE(0)).toBe(2049);
  const x = new Float32Array(n * 784);
  for (let i = 0; i < n * 784; i++) x[i] = images[16 + i] / 255;
  const y = new Float32Array(n * 10);
  for (let i = 0; i < n; i++) y[i * 10 + labels[8 + i]] = 1;
  return { x, y };
}

async function trainSteps(backend: 'wasm' | 'cpu', weights: Float32Array[] | null, data: { x: Float32Array; y: Float32Array }, n: number, steps: number) {
  await useBackend(backend);
  const model = buildReferenceCnn(5);
  if (weights) model.setWeights(weights.map((w, i) => tf.tensor(w, model.getWeights()[i].shape)));
  const initial = model.getWeights().map((w) => w.dataSync() as Float32Array);
  const x = tf.tensor4d(data.x, [n, 28, 28, 1]);
  const y = tf.tensor2d(data.y, [n, 10]);
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) losses.push(Number(await model.trainOnBatch(x, y)));
  x.dispose();
  y.dispose();
  model.dispose();
  return { losses, initial };
}

describe('training the reference CNN with the fmnist wasm kernels', () => {
  it('gives the same losses as the cpu backend from the same initial weights (real images)', async () => {
    // The cpu backend's own Conv2DBackpropFilter takes ~1 s per image: keep the batch tiny.
    const n = 4;
    const data = realSubset(n);
    const wasm = await trainSteps('wasm', null, data, n, 3);
    const cpu = await trainSteps('cpu', wasm.initial, data, n, 3);
    expect(wasm.losses[2]).toBeLessThan(wasm.losses[0]); // it learns
    for (let i = 0; i < 3; i++) expect(Math.abs(wasm.losses[i] - cpu.losses[i])).toBeLessThan(2e-3 * cpu.losses[i]);
  });

  it('leaks no tensors across steps and epochs', async () => {
    await useBackend('wasm');
    const n = 64;
    const data = realSubset(n);
    const model = buildReferenceCnn(6);
    const x = tf.tensor4d(data.x, [n, 28, 28, 1]);
    const y = tf.tensor2d(data.y, [n, 10]);
    await model.trainOnBatch(x.slice(0, 16), y.slice(0, 16)); // creates the optimizer's slots
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const counts: string[] = [];
    await model.fit(x, y, {
      epochs: 4, batchSize: 16, shuffle: false, verbose: 0,
      callbacks: { onEpochEnd: async () => { counts.push(`${tf.memory().numTensors}/${backend.numDataIds()}`); } },
    });
    const after = tf.memory().numTensors;
    const buffers = backend.numDataIds();
    for (let i = 0; i < 3; i++) await model.trainOnBatch(x, y);
    // Neither tensors nor the wasm heap buffers behind them (the kernels' temporaries) pile up.
    expect(new Set(counts).size).toBe(1);
    expect(tf.memory().numTensors).toBe(after);
    expect(backend.numDataIds()).toBe(buffers);
    x.dispose();
    y.dispose();
    model.dispose();
  });

  it('leaks no tensors with batch norm, relu and dropout either (the fused batch-norm gradient)', async () => {
    await useBackend('wasm');
    const n = 32;
    const data = realSubset(n);
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 8, kernelSize: 3, padding: 'same', useBias: false }),
        tf.layers.batchNormalization(),
        tf.layers.activation({ activation: 'relu' }),
        tf.layers.maxPooling2d({ poolSize: 2 }),
        tf.layers.flatten(),
        tf.layers.dropout({ rate: 0.3 }),
        tf.layers.dense({ units: 10, activation: 'softmax' }),
      ],
    });
    model.compile({ optimizer: tf.train.adam(0.001), loss: 'categoricalCrossentropy' });
    const x = tf.tensor4d(data.x, [n, 28, 28, 1]);
    const y = tf.tensor2d(data.y, [n, 10]);
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const first = Number(await model.trainOnBatch(x, y));
    const tensors = tf.memory().numTensors;
    const buffers = backend.numDataIds();
    let last = first;
    for (let i = 0; i < 8; i++) last = Number(await model.trainOnBatch(x, y));
    expect(tf.memory().numTensors).toBe(tensors);
    expect(backend.numDataIds()).toBe(buffers);
    expect(last).toBeLessThan(first); // and it learns
    x.dispose();
    y.dispose();
    model.dispose();
  });
});
