import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createCnn, REFERENCE_CNN, STRONG_CNN } from './cnn';
import { createHead } from './head';
import { createVggBase, getModelEntry, MODEL_REGISTRY } from './registry';
import { preprocessCaffe, vggConvLayerNames, vggFeatureDim } from './vgg-base';
import { VGG16_SPEC } from './vgg16';
import { VGG19_SPEC } from './vgg19';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const weightsOf = (m: tf.LayersModel) => m.getWeights().map((w) => Array.from(w.dataSync()));

describe('createCnn', () => {
  it('builds the reference network of the original study', () => {
    const m = createCnn();
    const summary = m.layers.map((l) => `${l.getClassName()}:${JSON.stringify(l.outputShape)}`);
    expect(summary).toEqual([
      'Conv2D:[null,26,26,32]',
      'MaxPooling2D:[null,13,13,32]',
      'Conv2D:[null,11,11,64]',
      'MaxPooling2D:[null,5,5,64]',
      'Flatten:[null,1600]',
      'Dense:[null,128]',
      'Dense:[null,10]',
    ]);
    // 3*3*1*32+32 + 3*3*32*64+64 + 1600*128+128 + 128*10+10
    expect(m.countParams()).toBe(320 + 18_496 + 204_928 + 1_290);
    expect((m.layers[0].getConfig() as { activation: string }).activation).toBe('tanh');
    expect(m.optimizer.getClassName()).toBe('Adam');
    m.dispose();
  });

  it('gives identical weights for the same seed and different ones for another seed', () => {
    const a = createCnn({ seed: 7 });
    const b = createCnn({ seed: 7 });
    const c = createCnn({ seed: 8 });
    expect(weightsOf(a)).toEqual(weightsOf(b));
    expect(weightsOf(a)[0]).not.toEqual(weightsOf(c)[0]);
    [a, b, c].forEach((m) => m.dispose());
  });

  it('builds the strong variant with batch norm and dropout, and predicts probabilities', () => {
    const m = createCnn(STRONG_CNN);
    const names = m.layers.map((l) => l.name);
    expect(names).toContain('conv1_bn');
    expect(names).toContain('drop1');
    expect(m.outputs[0].shape).toEqual([null, 10]);
    const p = tf.tidy(() => (m.predict(tf.zeros([2, 28, 28, 1])) as tf.Tensor).sum(1).arraySync() as number[]);
    expect(p[0]).toBeCloseTo(1, 5);
    m.dispose();
  });

  it('uses batch-norm momentum 0.9 unless told otherwise, so inference statistics follow within tens of steps', () => {
    const bnMomenta = (m: tf.LayersModel) =>
      m.layers.filter((l) => l.getClassName() === 'BatchNormalization').map((l) => l.getConfig().momentum);
    const byDefault = createCnn(STRONG_CNN);
    expect(bnMomenta(byDefault)).toEqual([0.9, 0.9, 0.9]);
    const keras = createCnn({ ...STRONG_CNN, batchNormMomentum: 0.99 });
    expect(bnMomenta(keras)).toEqual([0.99, 0.99, 0.99]);
    byDefault.dispose();
    keras.dispose();
  });

  it('rejects options that cannot build', () => {
    expect(() => createCnn({ activation: 'swish' as never })).toThrow(/activation/);
    expect(() => createCnn({ filters: [8, 8, 8, 8] })).toThrow(/shrink/);
    expect(() => createCnn({ optimizer: 'lbfgs' as never })).toThrow(/optimizer/);
    expect(REFERENCE_CNN.filters).toEqual([32, 64]);
  });
});

describe('VGG bases', () => {
  it.each([
    ['vgg16', VGG16_SPEC, 14_714_688, 13],
    ['vgg19', VGG19_SPEC, 20_024_384, 16],
  ] as const)('%s has the Keras layer names and parameter count', (variant, spec, params, convs) => {
    const base = createVggBase(variant, { inputSize: 32 });
    expect(base.countParams()).toBe(params);
    expect(spec.parameters).toBe(params);
    const weighted = base.layers.filter((l) => l.getWeights().length > 0).map((l) => l.name);
    expect(weighted).toEqual(vggConvLayerNames(spec));
    expect(weighted).toHaveLength(convs);
    expect(base.layers.at(-1)!.name).toBe('block5_pool');
    expect(base.getLayer('block3_conv1').getWeights()[0].shape).toEqual([3, 3, 128, 256]);
    expect(base.trainable).toBe(false);
    expect(base.trainableWeights).toHaveLength(0);
    expect(vggFeatureDim(base)).toBe(512);
    base.dispose();
  });

  it('accepts larger inputs and rejects inputs below 32', () => {
    const base = createVggBase('vgg16', { inputSize: 64 });
    expect(vggFeatureDim(base)).toBe(2 * 2 * 512);
    base.dispose();
    expect(() => createVggBase('vgg16', { inputSize: 28 })).toThrow(/VGG input size .* must be a whole number ≥ 32 and ≤ 224, got 28/);
  });

  it('preprocesses like Keras caffe mode: gray to BGR minus the ImageNet means', () => {
    const img = new Uint8Array(28 * 28).fill(200);
    img[0] = 0;
    const t = preprocessCaffe(img, 1, 28);
    const v = t.arraySync()[0];
    expect(v[5][5]).toEqual([200 - 103.939, 200 - 116.779, 200 - 123.68].map((x) => Math.fround(x)));
    expect(v[0][0][2]).toBeCloseTo(-123.68, 4);
    t.dispose();
    const big = preprocessCaffe(img, 1, 48);
    expect(big.shape).toEqual([1, 48, 48, 3]);
    big.dispose();
  });

  it('lists every model in the registry', () => {
    expect(Object.keys(MODEL_REGISTRY)).toEqual(['cnn-reference', 'cnn-strong', 'vgg16', 'vgg19']);
    expect(() => getModelEntry('resnet')).toThrow(/unknown model/);
  });
});

describe('createHead', () => {
  it('maps features to 10 softmax outputs, with an optional hidden layer', () => {
    const h = createHead(512);
    expect(h.layers.map((l) => l.name)).toEqual(['features', 'head_dense', 'head_drop', 'predictions']);
    expect(h.countParams()).toBe(512 * 256 + 256 + 256 * 10 + 10);
    const bare = createHead(512, { denseUnits: 0, dropout: 0 });
    expect(bare.countParams()).toBe(5130);
    h.dispose();
    bare.dispose();
  });
});
