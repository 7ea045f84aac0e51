// VGG feature extraction on onnxruntime-node against the tfjs forward pass of the same base.
import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from './backend/index';
import { ModelsError } from './errors';
import { extractFeatures } from './features';
import { createVggBase } from './registry';
import { mulberry32 } from './rng';
import { fashionSubset } from './testing/fashion-subset';
import type { LayerWeights } from './weights/layer-weights';
import { assignLayerWeights } from './weights/layer-weights';
import { loadVggWeights } from './weights/vgg-weights';

const SHARED_VGG19 = join(__dirname, '../../../../shared/weights/vgg19-imagenet-uint8');
const images = fashionSubset('t10k', 6).images;

beforeAll(async () => {
  await initBackend('wasm');
});
afterEach(() => {
  delete process.env.FMNIST_ONNXRUNTIME;
});

/** Largest difference relative to the largest feature (features span orders of magnitude). */
function relativeDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    m = Math.max(m, Math.abs(b[i]));
  }
  expect(m).toBeGreaterThan(0);
  return d / m;
}

/**
 * Seeded He-scaled kernels and non-zero biases for every conv layer, written into the base the
 * way the weight loaders do (assignLayerWeights), so activations stay O(1) through 13 layers and
 * a wrong layout or padding shows.
 */
function seededWeights(base: tf.LayersModel, seed: number): LayerWeights {
  const r = mulberry32(seed);
  const layers: LayerWeights = new Map();
  for (const layer of base.layers) {
    if (layer.weights.length === 0) continue;
    const [k, b] = layer.weights.map((w) => w.shape as number[]);
    const fanIn = k[0] * k[1] * k[2];
    const scale = Math.sqrt(6 / fanIn);
    const kernel = Float32Array.from({ length: k.reduce((a, d) => a * d, 1) }, () => (r() * 2 - 1) * scale);
    const bias = Float32Array.from({ length: b[0] }, () => r() * 0.2 - 0.05);
    layers.set(layer.name, [
      { name: `${layer.name}/kernel`, shape: k, values: kernel },
      { name: `${layer.name}/bias`, shape: b, values: bias },
    ]);
  }
  return layers;
}

describe('extractFeatures on onnxruntime', () => {
  it('gives the tfjs features of a VGG16 base with generated weights (48x48, batches of 4)', async () => {
    const base = createVggBase('vgg16', { inputSize: 48 });
    assignLayerWeights(base, seededWeights(base, 7), 'generated');
    const labels: string[] = [];
    const native = await extractFeatures(base, images, 6, { engine: 'onnxruntime', batchSize: 4, onProgress: (p) => labels.push(p.label ?? '') });
    const tfjs = await extractFeatures(base, images, 6, { engine: 'tfjs', batchSize: 4 });
    expect(native.length).toBe(6 * 512);
    expect(relativeDiff(native, tfjs)).toBeLessThan(1e-4);
    expect(labels).toEqual(['features vgg16@48 (onnxruntime)', 'features vgg16@48 (onnxruntime)']);
    base.dispose();
  });

  it.runIf(existsSync(join(SHARED_VGG19, 'model.json')))('gives the tfjs features of VGG19 with the ImageNet weights (32x32)', async () => {
    const base = createVggBase('vgg19', { inputSize: 32 });
    await loadVggWeights(base, { kind: 'tfjs', modelJson: join(SHARED_VGG19, 'model.json') });
    const native = await extractFeatures(base, images, 4, { engine: 'onnxruntime' });
    const tfjs = await extractFeatures(base, images, 4, { engine: 'tfjs' });
    expect(relativeDiff(native, tfjs)).toBeLessThan(1e-4);
    base.dispose();
  });

  it('runs on tfjs when onnxruntime is turned off, and refuses the onnxruntime engine then', async () => {
    process.env.FMNIST_ONNXRUNTIME = '0';
    const base = createVggBase('vgg16', { inputSize: 32 });
    const labels: string[] = [];
    await extractFeatures(base, images, 2, { onProgress: (p) => labels.push(p.label ?? '') });
    expect(labels).toEqual(['features vgg16@32']);
    await expect(extractFeatures(base, images, 2, { engine: 'onnxruntime' })).rejects.toThrow(ModelsError);
    await expect(extractFeatures(base, images, 2, { engine: 'onnxruntime' })).rejects.toThrow(/FMNIST_ONNXRUNTIME=0/);
    base.dispose();
  });
});
