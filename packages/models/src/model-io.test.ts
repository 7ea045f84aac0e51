import * as tf from '@tensorflow/tfjs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCnn, STRONG_CNN } from './cnn';
import { ModelsError } from './errors';
import { createHead } from './head';
import { loadModel, saveModel } from './model-io';
import { fashionSubset } from './testing/fashion-subset';
import { plainTfjsPredict } from './testing/plain-tfjs';
import { train } from './train';

let dir: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = await mkdtemp(join(tmpdir(), 'fmnist-io-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const predict = (m: tf.LayersModel, x: tf.Tensor) => tf.tidy(() => Array.from((m.predict(x) as tf.Tensor).dataSync()));

describe('saveModel / loadModel', () => {
  it('round-trips a trained CNN with batch norm and seeded dropout to identical predictions', async () => {
    const d = fashionSubset('train', 200);
    const model = createCnn({ ...STRONG_CNN, filters: [4, 8], denseUnits: 16 });
    await train(model, { x: d.x, labels: d.labels, n: d.n }, { epochs: 1, batchSize: 100, seed: 1 });
    const out = join(dir, 'cnn');
    await saveModel(model, out);
    expect((await readdir(out)).sort()).toEqual(['model.json', 'weights.bin']);
    const loaded = await loadModel(out);
    const x = tf.tensor4d(d.x.subarray(0, 20 * 784), [20, 28, 28, 1]);
    expect(predict(loaded, x)).toEqual(predict(model, x));
    expect(loaded.layers.map((l) => l.name)).toEqual(model.layers.map((l) => l.name));
    expect(loaded.optimizer).toBeDefined();
    x.dispose();
    model.dispose();
    loaded.dispose();
  });

  it('round-trips a head model and overwrites an earlier save in place', async () => {
    const out = join(dir, 'head');
    const a = createHead(64, { seed: 1 });
    const b = createHead(64, { seed: 2 });
    await saveModel(a, out);
    await saveModel(b, out);
    const loaded = await loadModel(out);
    const x = tf.randomNormal([3, 64], 0, 1, 'float32', 9);
    expect(predict(loaded, x)).toEqual(predict(b, x));
    expect((await readdir(out)).sort()).toEqual(['model.json', 'weights.bin']);
    [a, b, loaded, x].forEach((t) => t.dispose());
  });

  it('names the directory and the fix when there is no model or it is not a layers model', async () => {
    const missing = join(dir, 'nothing-here');
    await expect(loadModel(missing)).rejects.toThrow(ModelsError);
    await expect(loadModel(missing)).rejects.toThrow(`No saved model at ${join(missing, 'model.json')}`);
    const bad = join(dir, 'bad');
    await saveModel(createHead(8), bad);
    await writeFile(join(bad, 'model.json'), '{"format":"graph-model"}');
    await expect(loadModel(bad)).rejects.toThrow(/no modelTopology/);
    await rm(join(bad, 'weights.bin'));
    await writeFile(join(bad, 'model.json'), JSON.stringify({ modelTopology: {}, weightsManifest: [{ paths: ['weights.bin'], weights: [] }] }));
    await expect(loadModel(bad)).rejects.toThrow(/weights shard .*weights\.bin/);
  });

  it('a model.json tfjs cannot build a model from (topology, dtype, weight list) is a ModelsError naming it', async () => {
    const src = join(dir, 'src-model');
    await saveModel(createHead(8, { seed: 3 }), src);
    const json = JSON.parse(await readFile(join(src, 'model.json'), 'utf8'));
    const weights = await readFile(join(src, 'weights.bin'));
    const variants: [string, (j: typeof json) => void][] = [
      ['a topology that is a number', (j) => (j.modelTopology = 42)],
      ['no weights listed', (j) => (j.weightsManifest = [{ paths: [], weights: [] }])],
      ['a dtype tfjs cannot decode', (j) => (j.weightsManifest[0].weights[0].dtype = 'complex64')],
    ];
    for (const [what, edit] of variants) {
      const d = join(dir, `broken-${variants.findIndex(([w]) => w === what)}`);
      const j = structuredClone(json);
      edit(j);
      await saveModel(createHead(8), d);
      await writeFile(join(d, 'model.json'), JSON.stringify(j));
      await writeFile(join(d, 'weights.bin'), weights);
      const err = await loadModel(d).then(() => null, (e: unknown) => e);
      expect(err, what).toBeInstanceOf(ModelsError);
      expect((err as Error).message, what).toMatch(new RegExp(`^${join(d, 'model.json').replace(/[/.]/g, '\\$&')} does not describe a model that loads: \\S`));
      // one line naming the file and what tfjs said, then the fix
      expect((err as Error).message.split('\n'), what).toHaveLength(2);
    }
  });

  it('saves standard tfjs layers models: plain @tensorflow/tfjs in another process loads them (no project code) and predicts the same', async () => {
    const d = fashionSubset('train', 100);
    const model = createCnn({ ...STRONG_CNN, filters: [4, 8, 8], denseUnits: 16, pooling: 'global-average' });
    await train(model, { x: d.x, labels: d.labels, n: d.n }, { epochs: 1, batchSize: 100, seed: 1, ema: { decay: 0.9 } });
    const out = join(dir, 'portable');
    await saveModel(model, out);
    const xFile = join(dir, 'x.bin');
    await writeFile(xFile, d.x.subarray(0, 20 * 784));
    const child = await plainTfjsPredict(out, xFile, 20);
    expect(child.classes).toContain('Dropout');
    expect(child.classes).toContain('BatchNormalization');
    expect(child.classes).toContain('GlobalAveragePooling2D');
    const x = tf.tensor4d(d.x.subarray(0, 20 * 784), [20, 28, 28, 1]);
    predict(model, x).forEach((p, i) => expect(child.p[i]).toBeCloseTo(p, 5));
    // models saved before the rename (class "SeededDropout") still load with loadModel
    const json = await readFile(join(out, 'model.json'), 'utf8');
    await writeFile(join(out, 'model.json'), json.replaceAll('"class_name":"Dropout"', '"class_name":"SeededDropout"'));
    const legacy = await loadModel(out);
    expect(predict(legacy, x)).toEqual(predict(model, x));
    [x, model, legacy].forEach((t) => t.dispose());
  });
});

