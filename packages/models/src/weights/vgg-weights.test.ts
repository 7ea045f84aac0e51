import * as tf from '@tensorflow/tfjs';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/index';
import { ModelsError } from '../errors';
import { extractFeatures } from '../features';
import { createVggBase } from '../registry';
import { mulberry32 } from '../rng';
import { fashionSubset } from '../testing/fashion-subset';
import { vggConvLayerNames } from '../vgg-base';
import { VGG16_SPEC } from '../vgg16';
import { hashFile } from './download';
import { assignLayerWeights } from './layer-weights';
import { readKerasH5 } from './keras-h5';
import { KERAS_VGG_WEIGHTS, loadVggWeights, resolveVggWeights } from './vgg-weights';

const SHARED_VGG19 = join(__dirname, '../../../../../shared/weights/vgg19-imagenet-uint8');
type H5 = typeof import('h5wasm');

let dir: string;
let h5: H5;
let vgg16File: string;

/** Writes a weights file in the Keras legacy HDF5 layout (what keras.applications ships). */
function writeKerasH5(path: string, layers: { name: string; weights: { name: string; shape: number[]; values: Float32Array }[] }[], o: { nested?: boolean } = {}) {
  const f = new h5.File(path, 'w');
  const root = o.nested ? f.create_group('model_weights') : f;
  const names = layers.map((l) => l.name);
  root.create_attribute('layer_names', names, null, `S${Math.max(...names.map((n) => n.length))}`);
  f.create_attribute('backend', 'tensorflow');
  for (const layer of layers) {
    const g = root.create_group(layer.name);
    const wn = layer.weights.map((w) => w.name);
    // Keras writes np.asarray(names): for a layer without weights that is an empty float64 array.
    if (wn.length === 0) g.create_attribute('weight_names', new Float64Array(0), [0], '<d');
    else g.create_attribute('weight_names', wn, null, `S${Math.max(...wn.map((n) => n.length))}`);
    for (const w of layer.weights) {
      // 'block1_conv1/kernel:0' is a dataset 'kernel:0' inside a subgroup 'block1_conv1'.
      const parts = w.name.split('/');
      let parent = g;
      for (const p of parts.slice(0, -1)) parent = (parent.keys().includes(p) ? parent.get(p) : parent.create_group(p)) as typeof g;
      parent.create_dataset({ name: parts.at(-1)!, data: w.values, shape: w.shape, dtype: '<f' });
    }
  }
  f.close();
}

function randomValues(n: number, seed: number): Float32Array {
  const r = mulberry32(seed);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = r() - 0.5;
  return v;
}

/** Real VGG16 notop layer names and shapes (Keras 2 weight names), seeded values. */
function vgg16Layers() {
  const layers: { name: string; weights: { name: string; shape: number[]; values: Float32Array }[] }[] = [{ name: 'input_1', weights: [] }];
  let inCh = 3;
  VGG16_SPEC.convsPerBlock.forEach((convs, b) => {
    const out = VGG16_SPEC.filters[b];
    for (let c = 1; c <= convs; c++) {
      const name = `block${b + 1}_conv${c}`;
      const shape = [3, 3, inCh, out];
      layers.push({
        name,
        weights: [
          { name: `${name}/kernel:0`, shape, values: randomValues(9 * inCh * out, layers.length) },
          { name: `${name}/bias:0`, shape: [out], values: randomValues(out, 1000 + layers.length) },
        ],
      });
      inCh = out;
    }
    layers.push({ name: `block${b + 1}_pool`, weights: [] });
  });
  return layers;
}

beforeAll(async () => {
  await initBackend();
  const mod = (await import('h5wasm/node')) as unknown as { default?: H5 } & H5;
  h5 = mod.default ?? mod;
  await h5.ready;
  dir = await mkdtemp(join(tmpdir(), 'fmnist-weights-'));
  vgg16File = join(dir, KERAS_VGG_WEIGHTS.vgg16.file);
  writeKerasH5(vgg16File, vgg16Layers());
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('Keras HDF5 weights (loader a)', () => {
  it('loads every VGG16 layer by its Keras name from a file in the keras.applications layout', async () => {
    const base = createVggBase('vgg16');
    const r = await loadVggWeights(base, { kind: 'keras-h5', path: vgg16File });
    expect(r.source).toBe(vgg16File);
    expect(r.sha256).toBe((await hashFile(vgg16File)).sha256);
    const layers = vgg16Layers();
    for (const name of vggConvLayerNames(VGG16_SPEC)) {
      const want = layers.find((l) => l.name === name)!.weights;
      const got = base.getLayer(name).getWeights();
      expect(got[0].shape).toEqual(want[0].shape);
      const k = got[0].dataSync();
      expect([k[0], k[k.length - 1]]).toEqual([want[0].values[0], want[0].values.at(-1)]);
      expect(Array.from(got[1].dataSync())).toEqual(Array.from(want[1].values));
    }
    base.dispose();
  });

  it('maps legacy weight names (W/b, any order) and nested model_weights by name', async () => {
    const path = join(dir, 'legacy.h5');
    const kernel = randomValues(3 * 3 * 3 * 4, 1);
    const bias = randomValues(4, 2);
    writeKerasH5(
      path,
      [{ name: 'block1_conv1', weights: [{ name: 'block1_conv1_b_1:0', shape: [4], values: bias }, { name: 'block1_conv1_W_1:0', shape: [3, 3, 3, 4], values: kernel }] }],
      { nested: true },
    );
    const layers = await readKerasH5(path);
    expect([...layers.keys()]).toEqual(['block1_conv1']);
    const m = tf.sequential({ layers: [tf.layers.conv2d({ name: 'block1_conv1', inputShape: [8, 8, 3], filters: 4, kernelSize: 3 })] });
    expect(assignLayerWeights(m, layers, path)).toBe(1);
    const [k, b] = m.getLayer('block1_conv1').getWeights();
    expect(Array.from(k.dataSync())).toEqual(Array.from(kernel));
    expect(Array.from(b.dataSync())).toEqual(Array.from(bias));
    m.dispose();
  });

  it('rejects a shape mismatch naming the layer and file, and a missing layer without touching the base', async () => {
    const base = createVggBase('vgg16');
    const before = base.getLayer('block1_conv1').getWeights()[0].dataSync().slice(0, 5);
    const gray = join(dir, 'gray.h5');
    writeKerasH5(gray, [{ name: 'block1_conv1', weights: [{ name: 'block1_conv1/kernel:0', shape: [3, 3, 1, 64], values: randomValues(576, 3) }, { name: 'block1_conv1/bias:0', shape: [64], values: randomValues(64, 4) }] }]);
    await expect(loadVggWeights(base, { kind: 'keras-h5', path: gray })).rejects.toThrow(ModelsError);
    await expect(loadVggWeights(base, { kind: 'keras-h5', path: gray })).rejects.toThrow(`Layer "block1_conv1" weight "kernel": ${gray} has shape [3, 3, 1, 64]`);
    const partial = join(dir, 'partial.h5');
    writeKerasH5(partial, vgg16Layers().slice(0, 2));
    await expect(loadVggWeights(base, { kind: 'keras-h5', path: partial })).rejects.toThrow(`Weights file ${partial} has no weights for layer "block1_conv2"`);
    expect(base.getLayer('block1_conv1').getWeights()[0].dataSync().slice(0, 5)).toEqual(before);
    const notKeras = join(dir, 'plain.h5');
    const f = new h5.File(notKeras, 'w');
    f.create_dataset({ name: 'x', data: new Float32Array(3) });
    f.close();
    await expect(loadVggWeights(base, { kind: 'keras-h5', path: notKeras })).rejects.toThrow(/no "layer_names" attribute/);
    base.dispose();
  });
});

describe('TensorFlow.js weights (loader b)', () => {
  it('loads the quantized ImageNet VGG19 conv base into every layer, dequantized', async () => {
    const manifest = JSON.parse(readFileSync(join(SHARED_VGG19, 'model.json'), 'utf8')).weightsManifest[0];
    const bytes = Buffer.concat(manifest.paths.map((p: string) => readFileSync(join(SHARED_VGG19, p))));
    const base = createVggBase('vgg19');
    const r = await loadVggWeights(base, { kind: 'auto', env: { FMNIST_VGG19_WEIGHTS: SHARED_VGG19 }, download: false });
    expect(r.source).toBe(join(SHARED_VGG19, 'model.json'));
    expect(r.sha256).toMatch(/^[0-9a-f]{64}$/);
    let offset = 0;
    const seen = new Set<string>();
    for (const w of manifest.weights as { name: string; shape: number[]; quantization: { scale: number; min: number } }[]) {
      const size = w.shape.reduce((a, d) => a * d, 1);
      const [layer, kind] = w.name.split('/');
      const t = base.getLayer(layer).getWeights()[kind === 'kernel' ? 0 : 1];
      const v = t.dataSync();
      const deq = (q: number) => Math.fround(q * w.quantization.scale + w.quantization.min);
      expect(v[0]).toBeCloseTo(deq(bytes[offset]), 6);
      expect(v[size - 1]).toBeCloseTo(deq(bytes[offset + size - 1]), 6);
      offset += size;
      seen.add(layer);
    }
    expect(offset).toBe(bytes.length);
    expect([...seen]).toEqual(base.layers.filter((l) => l.weights.length > 0).map((l) => l.name));

    // The loaded base turns test images into finite 512-d features that separate classes.
    const imgs = fashionSubset('t10k', 40);
    const tensorsBefore = tf.memory().numTensors;
    const done: number[] = [];
    const feats = await extractFeatures(base, imgs.images, imgs.n, { inputSize: 32, batchSize: 16, onProgress: (p) => done.push(p.done) });
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(done).toEqual([16, 32, 40]);
    await expect(extractFeatures(base, imgs.images, imgs.n, { inputSize: 48 })).rejects.toThrow(/inputSize 48 differs/);
    expect(feats).toHaveLength(40 * 512);
    expect(feats.every(Number.isFinite)).toBe(true);
    expect(feats.some((x) => x > 0)).toBe(true);
    base.dispose();
  });

  it('refuses VGG19 weights for a VGG16 base', async () => {
    const base = createVggBase('vgg16');
    await expect(loadVggWeights(base, { kind: 'tfjs', modelJson: join(SHARED_VGG19, 'model.json') })).rejects.toThrow(/layer "block3_conv4", which vgg16 does not have/);
    base.dispose();
  });
});

describe('weights resolution and download (loader a, first use)', () => {
  let server: Server;
  let baseUrl: string;
  const requests: string[] = [];
  beforeAll(async () => {
    const body = readFileSync(vgg16File);
    server = createServer((req, res) => {
      requests.push(req.url ?? '');
      if (req.url === `/vgg16/${KERAS_VGG_WEIGHTS.vgg16.file}`) {
        res.writeHead(200, { 'content-length': body.length });
        res.end(body);
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const addr = server.address() as { port: number };
    baseUrl = `http://127.0.0.1:${addr.port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('downloads into the cache with hash verification, then reuses the cache', async () => {
    const cacheDir = join(dir, 'cache');
    const { md5 } = await hashFile(vgg16File);
    const progress: number[] = [];
    const base = createVggBase('vgg16');
    const r = await loadVggWeights(base, { kind: 'auto', env: {}, cacheDir, baseUrl, expectedMd5: md5, onProgress: (p) => progress.push(p.done) });
    expect(r.source).toBe(join(cacheDir, KERAS_VGG_WEIGHTS.vgg16.file));
    expect(progress.at(-1)).toBe(readFileSync(vgg16File).length);
    expect(requests).toHaveLength(1);
    const again = await resolveVggWeights('vgg16', { env: {}, cacheDir, baseUrl, expectedMd5: md5 });
    expect(again.source).toEqual({ kind: 'keras-h5', path: r.source });
    expect(requests).toHaveLength(1);
    base.dispose();
  });

  it('deletes a download whose hash differs from the published one and says how to provide weights', async () => {
    const cacheDir = join(dir, 'cache-bad');
    // The official MD5 cannot match the fixture: verification must fail.
    const err = await resolveVggWeights('vgg16', { env: {}, cacheDir, baseUrl }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelsError);
    expect(String(err)).toContain(`published hash is ${KERAS_VGG_WEIGHTS.vgg16.md5}`);
    expect(String(err)).toContain('FMNIST_VGG16_WEIGHTS');
    expect(existsSync(cacheDir) ? await readdir(cacheDir) : []).toEqual([]);
  });

  it('fails with instructions when the weights are nowhere, instead of using random weights', async () => {
    const cacheDir = join(dir, 'cache-none');
    await expect(resolveVggWeights('vgg19', { env: {}, cacheDir, baseUrl })).rejects.toThrow(/HTTP 404.*FMNIST_VGG19_WEIGHTS/s);
    await expect(resolveVggWeights('vgg19', { env: {}, cacheDir, download: false })).rejects.toThrow(/vgg19_weights_tf_dim_ordering_tf_kernels_notop\.h5/);
    await expect(resolveVggWeights('vgg16', { env: { FMNIST_VGG16_WEIGHTS: join(dir, 'nope.h5') } })).rejects.toThrow(/FMNIST_VGG16_WEIGHTS .*nope\.h5 does not exist/);
  });
});
