// The int8 conv graph: its parameters (uint8 activations, per-channel int8 weights), its shape
// (one QLinearConv per conv, ReLUs folded, MaxPool on uint8) and, on onnxruntime, its features
// against the float32 graph's, deterministic whatever the thread count and batching.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/index';
import { ModelsError } from '../errors';
import { extractFeatures } from '../features';
import { createVggBase } from '../registry';
import { fashionSubset } from '../testing/fashion-subset';
import { seededVggWeights } from '../testing/seeded-vgg-weights';
import { assignLayerWeights } from '../weights/layer-weights';
import { loadVggWeights } from '../weights/vgg-weights';
import { layersToOnnx } from './from-layers';
import { calibrationTensors, quantizeConvGraph, quantizeKernel, uint8Params } from './quantize';

const SHARED_VGG19 = join(__dirname, '../../../../../shared/weights/vgg19-imagenet-uint8');
const train = fashionSubset('train', 64).images;
const test = fashionSubset('t10k', 24).images;

beforeAll(async () => {
  await initBackend('wasm');
});
afterEach(() => {
  delete process.env.FMNIST_ONNXRUNTIME;
});

function cosine(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  expect(aa).toBeGreaterThan(0);
  return ab / Math.sqrt(aa * bb);
}

describe('quantization parameters', () => {
  it('uint8: the range always holds 0 exactly; ReLU outputs get zero point 0', () => {
    expect(uint8Params({ min: 0, max: 2.55 })).toEqual({ scale: expect.closeTo(0.01, 9), zeroPoint: 0 });
    const p = uint8Params({ min: -1, max: 3 });
    expect(p.scale).toBeCloseTo(4 / 255, 9);
    expect(p.zeroPoint).toBe(64); // round(1 / (4/255)) = round(63.75)
    // positive-only ranges are widened to 0, all-zero ones get a usable scale
    expect(uint8Params({ min: 2, max: 5.1 })).toEqual({ scale: expect.closeTo(0.02, 9), zeroPoint: 0 });
    expect(uint8Params({ min: 0, max: 0 })).toEqual({ scale: 1, zeroPoint: 0 });
    expect(() => uint8Params({ min: Infinity, max: -Infinity })).toThrow(ModelsError);
    expect(() => uint8Params({ min: 0, max: NaN })).toThrow(/not finite/);
  });

  it('weights: per output channel, symmetric, the largest magnitude at +-127 (or +-63 with 7 bits)', () => {
    // 3 channels of 4 weights; the second is all zeros
    const w = Float32Array.of(0.5, -1, 0.25, 0.1, 0, 0, 0, 0, 3, 2, -1.6, 0.001);
    const { q, scales } = quantizeKernel(w, 3);
    expect(Array.from(scales)).toEqual([Math.fround(1 / 127), 1, Math.fround(3 / 127)]);
    expect(Array.from(q)).toEqual([64, -127, 32, 13, 0, 0, 0, 0, 127, 85, -68, 0]);
    for (let i = 0; i < w.length; i++) expect(Math.abs(q[i] * scales[Math.floor(i / 4)] - w[i])).toBeLessThanOrEqual(scales[Math.floor(i / 4)] / 2 + 1e-7);
    const seven = quantizeKernel(w, 3, 63);
    expect(Math.max(...Array.from(seven.q).map(Math.abs))).toBe(63);
    expect(seven.q[1]).toBe(-63);
  });
});

describe('quantizeConvGraph', () => {
  it('turns each conv + ReLU of a VGG16 base into one QLinearConv; pooling stays on uint8; no float kernel is left', () => {
    const base = createVggBase('vgg16', { inputSize: 32 });
    const g = layersToOnnx(base, { flattenOutput: true });
    const names = calibrationTensors(g);
    // the float input of the first conv, then every conv's (ReLU) output
    expect(names).toHaveLength(1 + 13);
    const ranges = new Map(names.map((n, i) => [n, i === 0 ? { min: -124, max: 152 } : { min: 0, max: 10 + i }]));
    const q = quantizeConvGraph(g, ranges);
    const count = (op: string) => q.nodes.filter((n) => n.op === op).length;
    expect(count('QLinearConv')).toBe(13);
    expect(count('Conv') + count('Relu')).toBe(0);
    expect(count('MaxPool')).toBe(5);
    expect([count('QuantizeLinear'), count('DequantizeLinear')]).toEqual([1, 1]);
    expect(q.nodes.map((n) => n.op).slice(0, 2)).toEqual(['Transpose', 'QuantizeLinear']);
    expect(q.nodes.map((n) => n.op).slice(-3)).toEqual(['DequantizeLinear', 'Transpose', 'Flatten']);
    expect(q.nodes.at(-1)!.outputs).toEqual(['output']);
    const kernels = q.initializers.filter((t) => t.dims.length === 4);
    expect(kernels).toHaveLength(13);
    for (const k of kernels) expect(k.values).toBeInstanceOf(Int8Array);
    // each conv's output scale is its range over 255 with zero point 0: the ReLU is the saturation
    const s = q.initializers.find((t) => t.name === 'block1_conv1.scale')!;
    expect((s.values as Float32Array)[0]).toBeCloseTo(11 / 255, 7);
    expect(Array.from(q.initializers.find((t) => t.name === 'block1_conv1.zero_point')!.values as Uint8Array)).toEqual([0]);
    base.dispose();
  });

  it('names the tensor whose calibration range is missing', () => {
    const base = createVggBase('vgg16', { inputSize: 32 });
    const g = layersToOnnx(base, { flattenOutput: true });
    expect(() => quantizeConvGraph(g, new Map())).toThrow(/No calibration range for tensor "transpose_0"/);
    base.dispose();
  });
});

describe('int8 features on onnxruntime', () => {
  it('agree with the float32 features of a VGG16 base with generated weights (48x48)', async () => {
    const base = createVggBase('vgg16', { inputSize: 48 });
    assignLayerWeights(base, seededVggWeights(base, 11), 'generated');
    const f32 = await extractFeatures(base, test, 24, { engine: 'onnxruntime' });
    const labels: string[] = [];
    const i8 = await extractFeatures(base, test, 24, { engine: 'onnxruntime', precision: 'int8', calibration: train, onProgress: (p) => labels.push(p.label ?? '') });
    expect(labels.at(-1)).toBe('features vgg16@48 (onnxruntime int8)');
    expect(i8).not.toEqual(f32);
    expect(cosine(i8, f32)).toBeGreaterThan(0.995);
    base.dispose();
  });

  it('are the same bit for bit for 1 and 2 threads and any batch size', async () => {
    const base = createVggBase('vgg16', { inputSize: 32 });
    assignLayerWeights(base, seededVggWeights(base, 12), 'generated');
    const one = await extractFeatures(base, test, 24, { precision: 'int8', calibration: train, threads: 1, batchSize: 24 });
    const two = await extractFeatures(base, test, 24, { precision: 'int8', calibration: train, threads: 2, batchSize: 5 });
    expect(two).toEqual(one);
    // other calibration images give other scales
    const other = await extractFeatures(base, test, 24, { precision: 'int8', calibration: test, threads: 2 });
    expect(other).not.toEqual(one);
    base.dispose();
  });

  it.runIf(existsSync(join(SHARED_VGG19, 'model.json')))('agree with float32 for VGG19 with the ImageNet weights (32x32, cosine > 0.998)', async () => {
    const base = createVggBase('vgg19', { inputSize: 32 });
    await loadVggWeights(base, { kind: 'tfjs', modelJson: join(SHARED_VGG19, 'model.json') });
    const f32 = await extractFeatures(base, test, 24, { engine: 'onnxruntime' });
    const i8 = await extractFeatures(base, test, 24, { precision: 'int8', calibration: train });
    expect(cosine(i8, f32)).toBeGreaterThan(0.998);
    base.dispose();
  });

  it('refuses int8 without calibration images, on the tfjs engine, or without onnxruntime', async () => {
    const base = createVggBase('vgg16', { inputSize: 32 });
    await expect(extractFeatures(base, test, 2, { precision: 'int8' })).rejects.toThrow(/needs calibration images/);
    await expect(extractFeatures(base, test, 2, { precision: 'int8', calibration: train, engine: 'tfjs' })).rejects.toThrow(/onnxruntime only/);
    process.env.FMNIST_ONNXRUNTIME = '0';
    await expect(extractFeatures(base, test, 2, { precision: 'int8', calibration: train })).rejects.toThrow(/precision int8 needs onnxruntime-node but .*FMNIST_ONNXRUNTIME=0/);
    base.dispose();
  });
});
