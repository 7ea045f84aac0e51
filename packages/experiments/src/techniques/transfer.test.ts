import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { mkdtemp, readdir, rm, stat, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadData, resolveData, subset } from '../data/dataset';
import { createEngine } from '../engine';
import { deriveSeed } from '../util/rng';
import { readFeatures } from './feature-cache';
import { createBaseCache, runFeatureTask } from './feature-task';
import { readFile } from 'node:fs/promises';
import { runTransfer } from './transfer';

// The team's shared folder sits beside the repository (as in CI): ../shared/weights/...
const VGG19 = fileURLToPath(new URL('../../../../../shared/weights/vgg19-imagenet-uint8/model.json', import.meta.url));

let root: string;
const saved = { ...process.env };
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'fmnist-transfer-'));
  // No weights anywhere: empty user cache, no env vars.
  process.env.XDG_CACHE_HOME = join(root, 'cache-home');
  delete process.env.FMNIST_VGG16_WEIGHTS;
  delete process.env.FMNIST_VGG19_WEIGHTS;
});
afterAll(async () => {
  process.env = saved;
  await rm(root, { recursive: true, force: true });
});

const head = { denseUnits: 64, dropout: 0.2, activation: 'relu' as const, optimizer: 'adam' as const, learningRate: 0.001, momentum: 0, epochs: 8, batchSize: 32 };

describe('transfer', () => {
  it('without weights: each model is skipped with a reason that says how to provide weights', async () => {
    const r = await runTransfer({
      runsDir: join(root, 'runs-none'),
      overrides: { transfer: { trainSubset: 100, testSubset: 50, download: false, head } },
    });
    expect(r.models.map((m) => [m.variant, m.status])).toEqual([['vgg16', 'skipped'], ['vgg19', 'skipped']]);
    for (const m of r.models) {
      expect(m.reason).toMatch(new RegExp(`FMNIST_${m.variant.toUpperCase()}_WEIGHTS`));
      expect(m.reason).toMatch(/\.h5|model\.json/);
    }
  });

  it('with the real VGG19 weights on 300 images at 32x32: completes, beats chance, caches features', async () => {
    const runsDir = join(root, 'runs');
    // float32 features (the quick profile computes them in int8; the test below covers that)
    const overrides = { transfer: { variants: ['vgg19' as const], trainSubset: 300, testSubset: 200, inputSize: 32, weights: { vgg19: VGG19 }, download: false, head, parallelFeaturesMin: 0, precision: 'float32' as const } };
    // Features extracted in 2 worker processes (row ranges), checked below against in-process extraction.
    const r = await runTransfer({ runsDir, overrides, concurrency: 2 });
    const m = r.models[0];
    expect(m.status, m.reason).toBe('complete');
    expect(m.featureDim).toBe(512);
    expect(m.weights?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(m.history).toHaveLength(8);
    expect(m.featureCache?.hit).toBe(false);
    // 10 classes: chance is 10%; frozen ImageNet features on 300 images do far better.
    expect(m.test!.accuracy).toBeGreaterThan(0.45);
    expect(m.train!.accuracy).toBeGreaterThan(m.test!.accuracy - 0.05);
    expect(m.test!.confusion.flat().reduce((a, b) => a + b, 0)).toBe(200);
    expect(existsSync(join(r.runDir, 'vgg19', 'model', 'model.json'))).toBe(true);
    const cached = await readdir(join(runsDir, 'cache', 'features'));
    expect(cached).toHaveLength(1);

    // The workers' features equal the in-process ones, row for row (first rows of train, last of test).
    const engine = createEngine();
    await engine.initBackend();
    const base = engine.createVggBase('vgg19', { inputSize: 32 });
    await engine.loadVggWeights(base, { path: VGG19, download: false });
    const d = await loadData(await resolveData());
    const seed = deriveSeed(42, 'transfer-subset');
    const trainRows = subset(d.train, 300, seed);
    const testRows = subset(d.test, 200, seed + 1);
    const here = await engine.extractFeatures(base, trainRows.images.subarray(0, 8 * 784), 8, { inputSize: 32 });
    const hereTest = await engine.extractFeatures(base, testRows.images.subarray(192 * 784), 8, { inputSize: 32 });
    base.dispose();
    const cacheDir = join(runsDir, 'cache', 'features', cached[0]);
    // one shard per split here (fewer rows than a shard holds), each extracted by a worker
    expect((await readdir(cacheDir)).sort()).toEqual(['meta.json', 'test-0-200.f32', 'train-0-300.f32']);
    const { x: fTrain, missing } = await readFeatures(cacheDir, 'train', 300, 512);
    const { x: fTest } = await readFeatures(cacheDir, 'test', 200, 512);
    expect(missing).toEqual([]);
    expect(fTrain.subarray(0, 8 * 512)).toEqual(here);
    expect(fTest.subarray(192 * 512)).toEqual(hereTest);

    // Another head on the same base reuses the cached features shard by shard: the intact train
    // shard is read as it is, and a torn test shard (an extraction killed while writing, or a
    // foreign file) is extracted again, in this process, to the same features.
    const trainShard = join(cacheDir, 'train-0-300.f32');
    const before = (await stat(trainShard)).mtimeMs;
    await truncate(join(cacheDir, 'test-0-200.f32'), 1000);
    const lines: string[] = [];
    const r2 = await runTransfer({ runsDir, overrides: { transfer: { ...overrides.transfer, head: { ...head, epochs: 4 } } }, log: (l) => lines.push(l) });
    expect(r2.runId).not.toBe(r.runId);
    expect(r2.models[0].status).toBe('complete');
    expect(r2.models[0].featureCache?.hit).toBe(false);
    expect(lines).toContain('vgg19: extracting features of 200 test images (1 cache shard)');
    expect((await stat(trainShard)).mtimeMs).toBe(before);
    expect((await readFeatures(cacheDir, 'test', 200, 512)).x).toEqual(fTest);
  });

  it('the optional extra fine-tunes the last block with the head and is labelled as such', async () => {
    const r = await runTransfer({
      runsDir: join(root, 'runs-ft'),
      overrides: {
        transfer: {
          variants: ['vgg19'], trainSubset: 100, testSubset: 50, inputSize: 32, weights: { vgg19: VGG19 }, download: false,
          head: { ...head, epochs: 3 }, fineTune: { enabled: true, epochs: 1, batchSize: 25, learningRate: 0.0001 },
        },
      },
    });
    const m = r.models[0];
    expect(m.status, m.reason).toBe('complete');
    const ft = m.fineTuned as { label: string; block: string; history: unknown[]; test: { confusion: number[][] } };
    expect(ft.label).toMatch(/^extra: block5 fine-tuned .*not in the original study/);
    expect(ft.block).toBe('block5');
    expect(ft.history).toHaveLength(1);
    expect(ft.test.confusion.flat().reduce((a, b) => a + b, 0)).toBe(50);
  });

  it('precision int8: features calibrated on the first 256 training rows, cached apart from float32, the same from a worker task', async () => {
    const runsDir = join(root, 'runs-int8');
    const transfer = { variants: ['vgg19' as const], trainSubset: 300, testSubset: 200, inputSize: 32, weights: { vgg19: VGG19 }, download: false, head: { ...head, epochs: 2 } };
    const lines: string[] = [];
    const r8 = await runTransfer({ runsDir, overrides: { transfer: { ...transfer, precision: 'int8' } }, log: (l) => lines.push(l) });
    const r32 = await runTransfer({ runsDir, overrides: { transfer: { ...transfer, precision: 'float32' } } });
    const [m8, m32] = [r8.models[0], r32.models[0]];
    expect([m8.status, m32.status], m8.reason ?? m32.reason).toEqual(['complete', 'complete']);
    expect([m8.precision, m32.precision]).toEqual(['int8', 'float32']);
    expect(lines.some((l) => /^vgg19: int8 features extracted in/.test(l))).toBe(true);
    // two caches: int8 features never mix with float32 ones
    expect(m8.featureCache!.key).not.toBe(m32.featureCache!.key);
    const dir8 = join(runsDir, 'cache', 'features', `vgg19-${m8.featureCache!.key}`);
    expect(JSON.parse(await readFile(join(dir8, 'meta.json'), 'utf8'))).toMatchObject({ precision: 'int8', featureDim: 512 });
    const { x: f8 } = await readFeatures(dir8, 'test', 200, 512);
    const { x: f32 } = await readFeatures(join(runsDir, 'cache', 'features', `vgg19-${m32.featureCache!.key}`), 'test', 200, 512);
    expect(f8).not.toEqual(f32);
    // a frozen head does about as well on either
    expect(Math.abs(m8.test!.accuracy - m32.test!.accuracy)).toBeLessThan(0.06);

    // what a worker process (fmnist worker, a queue) computes for a shard: the same scales from
    // the same calibration rows, so the same features as the in-process extraction
    const engine = createEngine();
    await engine.initBackend();
    const source = await resolveData();
    const seed = deriveSeed(42, 'transfer-subset');
    const outFile = join(root, 'int8-shard.f32');
    await runFeatureTask(engine, loadData, createBaseCache(engine), {
      kind: 'features', id: 't', source, which: 'test', rows: { n: 200, seed: seed + 1 }, start: 0, end: 200, variant: 'vgg19', inputSize: 32,
      precision: 'int8', calibration: { rows: { n: 300, seed }, count: 256 }, weights: VGG19, download: false, outFile,
    });
    const worker = new Float32Array((await readFile(outFile)).buffer.slice(0));
    expect(worker).toEqual(f8);
  });
});
