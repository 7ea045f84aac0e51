// Trained CNNs exported to ONNX against their tfjs forward pass, on onnxruntime-node.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/index';
import { createCnn, type CnnOptions } from '../cnn';
import { ModelsError } from '../errors';
import { fashionSubset } from '../testing/fashion-subset';
import { train } from '../train';
import { exportOnnx } from './export-onnx';
import { layersToOnnx } from './from-layers';
import { createOrtRunner, loadOnnxRuntime, type OrtModule } from './onnx-runtime';
import { predictWithEngine } from './ort-predict';

let ort: OrtModule;
const test = fashionSubset('t10k', 200);
const trainSet = fashionSubset('train', 300);

beforeAll(async () => {
  await initBackend('wasm');
  const r = await loadOnnxRuntime({});
  if (!r.ok) throw new Error(r.why);
  ort = r.ort;
});

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

async function onOrt(model: tf.LayersModel, x: Float32Array, n: number): Promise<Float32Array> {
  const runner = await createOrtRunner(ort, exportOnnx(model), { threads: 2 });
  try {
    return await runner.run(x, [n, 28, 28, 1]);
  } finally {
    await runner.release();
  }
}

describe('CNNs exported to ONNX compute what tfjs computes', () => {
  const variants: [string, Partial<CnnOptions>][] = [
    ['the reference CNN (tanh, valid padding, biases)', { activation: 'tanh' }],
    ['the strong CNN shape (relu, batch norm, dropout, same padding)', { activation: 'relu', filters: [8, 16], denseUnits: 32, dropout: 0.3, batchNorm: true, padding: 'same' }],
    ['elu with two convs per block', { activation: 'elu', filters: [8, 8], denseUnits: 16, convsPerBlock: 2, padding: 'same' }],
    ['selu, no hidden dense layer', { activation: 'selu', filters: [4], denseUnits: 0 }],
    ['sigmoid with batch norm', { activation: 'sigmoid', filters: [4, 8], denseUnits: 8, batchNorm: true }],
  ];
  it.each(variants)('%s, after a little training', async (_name, options) => {
    const model = createCnn({ ...options, seed: 3 });
    // Training moves batch-norm statistics and weights away from their initial values.
    await train(model, { x: trainSet.x, labels: trainSet.labels, n: trainSet.n }, { epochs: 1, batchSize: 100, seed: 1 });
    const want = (model.predict(tf.tensor4d(test.x, [test.n, 28, 28, 1])) as tf.Tensor).dataSync();
    const got = await onOrt(model, test.x, test.n);
    expect(maxAbsDiff(got, want)).toBeLessThan(1e-5);
    model.dispose();
  });
});

describe('predictWithEngine', () => {
  it('scores with onnxruntime by default and gives the tfjs argmax on every image', async () => {
    const model = createCnn({ activation: 'relu', filters: [8, 16], denseUnits: 32, dropout: 0.3, batchNorm: true, padding: 'same', seed: 5 });
    await train(model, { x: trainSet.x, labels: trainSet.labels, n: trainSet.n }, { epochs: 2, batchSize: 50, seed: 1 });
    const native = await predictWithEngine(model, test, { batchSize: 64 });
    const tfjs = await predictWithEngine(model, test, { engine: 'tfjs' });
    expect(native.engine).toBe('onnxruntime');
    expect(tfjs.engine).toBe('tfjs');
    expect(maxAbsDiff(native.probabilities, tfjs.probabilities)).toBeLessThan(1e-5);
    const argmax = (p: Float32Array, i: number) => p.subarray(i * 10, i * 10 + 10).reduce((b, v, k, r) => (v > r[b] ? k : b), 0);
    for (let i = 0; i < test.n; i++) expect(argmax(native.probabilities, i)).toBe(argmax(tfjs.probabilities, i));
    model.dispose();
  });
});

describe('layersToOnnx', () => {
  it('names the layer it cannot express', () => {
    const model = tf.sequential({ layers: [tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 2, kernelSize: 3, name: 'c' }), tf.layers.averagePooling2d({ poolSize: 2, name: 'avg' })] });
    expect(() => layersToOnnx(model)).toThrow(ModelsError);
    expect(() => layersToOnnx(model)).toThrow(/Layer "avg" cannot be exported to ONNX: layer class AveragePooling2D/);
    model.dispose();
  });

  it('keeps tfjs channels-last order in flattened outputs (transpose back before Flatten)', () => {
    const g = layersToOnnx(createCnn({ filters: [4], denseUnits: 0 }));
    const ops = g.nodes.map((n) => n.op);
    expect(ops).toEqual(['Transpose', 'Conv', 'Tanh', 'MaxPool', 'Transpose', 'Flatten', 'Gemm', 'Softmax']);
    expect(g.nodes[4].attributes).toEqual({ perm: [0, 2, 3, 1] });
    expect(g.outputs).toEqual([{ name: 'output', dims: ['batch', 10] }]);
  });
});
