// The fast training-mode batch norm against tfjs's own layer: outputs, moving statistics and
// gradients in x, gamma and beta; the fall-back cases; saved models that load as the stock layer.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { FastBatchNormalization, fastBatchNormalization } from './fast-batch-norm';
import { FMNIST_CHANNEL_AFFINE2 } from './kernels/fmnist-channel-affine2';
import { maxAbs, maxAbsDiff, seededArray, useBackend } from './kernels/kernel-test-utils';

beforeAll(async () => {
  await useBackend('wasm');
});

/** One training-mode call of `layer` on x: output, moving stats after it, and d(sum(y * r)) / d(x, gamma, beta). */
function trainStep(layer: tf.layers.Layer, x: Float32Array, shape: number[], r: Float32Array) {
  return tf.tidy(() => {
    const xv = tf.variable(tf.tensor(x, shape), true, `x_${layer.name}`);
    const [gamma, beta] = layer.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
    let yData: Float32Array | undefined;
    const { grads } = tf.variableGrads(() => {
      const y = layer.apply(xv, { training: true }) as tf.Tensor;
      yData = y.dataSync() as Float32Array;
      return tf.sum(tf.mul(y, tf.tensor(r, shape))) as tf.Scalar;
    }, [xv, gamma, beta]);
    const moving = layer.getWeights().slice(2).map((w) => w.dataSync() as Float32Array);
    const out = {
      y: yData!,
      dx: grads[xv.name].dataSync() as Float32Array,
      dgamma: grads[gamma.name].dataSync() as Float32Array,
      dbeta: grads[beta.name].dataSync() as Float32Array,
      movingMean: moving[0],
      movingVariance: moving[1],
    };
    xv.dispose();
    return out;
  });
}

async function kernelsOf(f: () => void): Promise<string[]> {
  const p = await tf.profile(() => {
    f();
    return [];
  });
  return p.kernels.map((k) => k.name);
}

function pair(shape: number[], momentum: number) {
  const C = shape[shape.length - 1];
  const fast = fastBatchNormalization({ momentum });
  const stock = tf.layers.batchNormalization({ momentum });
  for (const l of [fast, stock]) l.build(shape);
  const weights = [seededArray(C, 3, 0.5, 1.5), seededArray(C, 4, -0.5, 0.5), seededArray(C, 5, -0.2, 0.2), seededArray(C, 6, 0.5, 2)];
  for (const l of [fast, stock]) l.setWeights(weights.map((w) => tf.tensor1d(w)));
  return { fast, stock };
}

describe('FastBatchNormalization (wasm)', () => {
  const cases = [
    { shape: [16, 6, 6, 8], what: 'NHWC conv activations' },
    { shape: [64, 12], what: 'dense activations' },
    { shape: [3, 5, 5, 20], what: 'channels in 16 + 4' },
  ];
  for (const c of cases) {
    it(`matches tfjs's layer in training mode: ${c.what} ${c.shape}`, async () => {
      const n = c.shape.reduce((a, b) => a * b, 1);
      // an offset mean, so the variance formula's cancellation would show
      const x = seededArray(n, 11, 2, 5);
      const r = seededArray(n, 12);
      const { fast, stock } = pair(c.shape, 0.9);
      let a!: ReturnType<typeof trainStep>;
      const kernels = await kernelsOf(() => (a = trainStep(fast, x, c.shape, r)));
      // the fused path ran: no tf.moments (Mean), one affine pass for dx
      expect(kernels).toContain(FMNIST_CHANNEL_AFFINE2);
      expect(kernels).not.toContain('Mean');
      const b = trainStep(stock, x, c.shape, r);
      expect(maxAbsDiff(a.y, b.y)).toBeLessThan(2e-5 * Math.max(1, maxAbs(b.y)));
      expect(maxAbsDiff(a.movingMean, b.movingMean)).toBeLessThan(1e-5);
      expect(maxAbsDiff(a.movingVariance, b.movingVariance)).toBeLessThan(1e-5);
      expect(maxAbsDiff(a.dx, b.dx)).toBeLessThan(1e-4 * Math.max(1, maxAbs(b.dx)));
      expect(maxAbsDiff(a.dgamma, b.dgamma)).toBeLessThan(1e-4 * Math.max(1, maxAbs(b.dgamma)));
      expect(maxAbsDiff(a.dbeta, b.dbeta)).toBeLessThan(1e-4 * Math.max(1, maxAbs(b.dbeta)));
      // the moving statistics did move
      expect(maxAbs(a.movingMean.map((m, i) => m - seededArray(c.shape.at(-1)!, 5, -0.2, 0.2)[i]))).toBeGreaterThan(0.1);
    });
  }

  it('leaves no tensors behind', () => {
    const shape = [8, 4, 4, 8];
    const { fast } = pair(shape, 0.9);
    const x = seededArray(128 * 8, 21);
    trainStep(fast, x, shape, x);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) trainStep(fast, x, shape, x);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('runs the stock code where the kernels do not apply: inference, channels % 4 != 0', async () => {
    const shape = [10, 3, 3, 6];
    const x = seededArray(540, 31, -1, 3);
    const { fast, stock } = pair(shape, 0.8);
    let a!: ReturnType<typeof trainStep>;
    expect(await kernelsOf(() => (a = trainStep(fast, x, shape, x)))).not.toContain(FMNIST_CHANNEL_AFFINE2);
    const b = trainStep(stock, x, shape, x);
    for (const k of ['y', 'dx', 'dgamma', 'dbeta', 'movingMean', 'movingVariance'] as const) expect(maxAbsDiff(a[k], b[k])).toBe(0);
    const s8 = [10, 3, 3, 8];
    const p8 = pair(s8, 0.8);
    const inf = (l: tf.layers.Layer) => tf.tidy(() => (l.apply(tf.tensor(seededArray(720, 32), s8), { training: false }) as tf.Tensor).dataSync() as Float32Array);
    expect(maxAbsDiff(inf(p8.fast), inf(p8.stock))).toBe(0);
  });

  it('saves as a stock BatchNormalization layer that plain tfjs loads', async () => {
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [4], units: 8 }), new FastBatchNormalization({ momentum: 0.9 })] });
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(tf.io.withSaveHandler(async (a) => ((saved = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })));
    expect(JSON.stringify(saved!.modelTopology)).toContain('"class_name":"BatchNormalization"');
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved!));
    expect(loaded.layers[1].constructor).not.toBe(FastBatchNormalization);
    const x = tf.tensor(seededArray(20, 41), [5, 4]);
    expect(maxAbsDiff((model.predict(x) as tf.Tensor).dataSync() as Float32Array, (loaded.predict(x) as tf.Tensor).dataSync() as Float32Array)).toBe(0);
  });
});
