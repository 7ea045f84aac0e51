// VGG feature extraction on onnxruntime-node against the tfjs forward pass of the same base.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from './backend/index';
import { ModelsError } from './errors';
import { extractFeatures } from './features';
import { createVggBase } from './registry';
import { fashionSubset } from './testing/fashion-subset';
import { seededVggWeights } from './testing/seeded-vgg-weights';
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

describe('extractFeatures on onnxruntime', () => {
  it('gives the tfjs features of a VGG16 base with generated weights (48x48, batches of 4)', async () => {
    const base = createVggBase('vgg16', { inputSize: 48 });
    assignLayerWeights(base, seededVggWeights(base, 7), 'generated');
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
