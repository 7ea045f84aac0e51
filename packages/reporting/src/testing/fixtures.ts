/**
 * Test fixtures: a prepared data directory built from real Fashion-MNIST images (the first rows
 * of the Debian dataset's IDX files) and run directories for the four techniques following
 * docs/contracts.md. Used by the tests only.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import { CLASS_NAMES, PIXELS } from '@fmnist/core';

export const DATASET_DIR = process.env.FMNIST_TEST_DATASET_DIR ?? '/usr/share/datasets/fashion-mnist';

export interface Subset {
  n: number;
  images: Uint8Array;
  labels: Uint8Array;
}

/** The first `n` images and labels of the official IDX files (gzip), checked by magic number. */
export function readIdxSubset(split: 'train' | 't10k', n: number): Subset {
  const img = gunzipSync(readFileSync(join(DATASET_DIR, `${split}-images-idx3-ubyte.gz`)));
  const lab = gunzipSync(readFileSync(join(DATASET_DIR, `${split}-labels-idx1-ubyte.gz`)));
  if (img.readUInt32BE(0) !== 2051 || lab.readUInt32BE(0) !== 2049) throw new Error('unexpected IDX magic number');
  return { n, images: new Uint8Array(img.subarray(16, 16 + n * PIXELS)), labels: new Uint8Array(lab.subarray(8, 8 + n)) };
}

/** Pearson correlation over label + 784 pixels, row-major 785x785, NaN for constant variables. */
export function pearson(s: Subset): Float64Array {
  const v = PIXELS + 1;
  const x = new Float64Array(s.n * v);
  for (let r = 0; r < s.n; r++) {
    x[r * v] = s.labels[r];
    for (let j = 0; j < PIXELS; j++) x[r * v + 1 + j] = s.images[r * PIXELS + j];
  }
  for (let c = 0; c < v; c++) {
    let m = 0;
    for (let r = 0; r < s.n; r++) m += x[r * v + c];
    m /= s.n;
    for (let r = 0; r < s.n; r++) x[r * v + c] -= m;
  }
  const cov = new Float64Array(v * v);
  for (let r = 0; r < s.n; r++) {
    const row = r * v;
    for (let i = 0; i < v; i++) {
      const xi = x[row + i];
      if (xi === 0) continue;
      const o = i * v;
      for (let j = i; j < v; j++) cov[o + j] += xi * x[row + j];
    }
  }
  const out = new Float64Array(v * v);
  for (let i = 0; i < v; i++) {
    for (let j = i; j < v; j++) {
      const d = Math.sqrt(cov[i * v + i] * cov[j * v + j]);
      const r = d === 0 ? NaN : cov[i * v + j] / d;
      out[i * v + j] = r;
      out[j * v + i] = r;
    }
  }
  return out;
}

function imageTableIpc(s: Subset): Uint8Array {
  const cols: Record<string, Uint8Array> = { label: s.labels };
  for (let j = 0; j < PIXELS; j++) {
    const col = new Uint8Array(s.n);
    for (let r = 0; r < s.n; r++) col[r] = s.images[r * PIXELS + j];
    cols[`pixel${j + 1}`] = col;
  }
  return tableToIPC(tableFromArrays(cols), 'file');
}

function correlationIpc(m: Float64Array): Uint8Array {
  const v = PIXELS + 1;
  const cols: Record<string, Float64Array> = {};
  for (let c = 0; c < v; c++) {
    const col = new Float64Array(v);
    for (let r = 0; r < v; r++) col[r] = m[r * v + c];
    cols[c === 0 ? 'label' : `pixel${c}`] = col;
  }
  return tableToIPC(tableFromArrays(cols), 'file');
}

function balance(labels: Uint8Array) {
  const counts = new Array(10).fill(0);
  for (const l of labels) counts[l]++;
  const maxMinRatio = Math.max(...counts) / Math.max(1, Math.min(...counts));
  return {
    counts,
    classes: counts.map((count, label) => ({ label, name: CLASS_NAMES[label], count, share: count / labels.length })),
    maxMinRatio,
    verdict: maxMinRatio <= 1.5 ? 'balanced' : 'imbalanced',
  };
}

export interface PreparedFixture {
  dir: string;
  train: Subset;
  test: Subset;
  correlation: Float64Array;
}

/** Writes a prepared data directory (docs/contracts.md) from the first rows of the real dataset. */
export async function writePreparedDir(dir: string, o: { train: number; test: number }): Promise<PreparedFixture> {
  await mkdir(dir, { recursive: true });
  const train = readIdxSubset('train', o.train);
  const test = readIdxSubset('t10k', o.test);
  const correlation = pearson(train);
  await writeFile(join(dir, 'train.arrow'), imageTableIpc(train));
  await writeFile(join(dir, 'test.arrow'), imageTableIpc(test));
  await writeFile(join(dir, 'correlation-train.arrow'), correlationIpc(correlation));
  const cleaning = (n: number, dup: number) => ({
    rowsRead: n + dup,
    duplicates: dup,
    emptyCells: 0,
    invalid: 0,
    conflictingLabels: 0,
    rowsKept: n,
    examples: { duplicates: dup ? [n + 1] : [], emptyCells: [], invalid: [], conflictingLabels: [] },
  });
  await writeFile(join(dir, 'cleaning.json'), JSON.stringify({ train: cleaning(train.n, 1), test: cleaning(test.n, 0) }));
  await writeFile(join(dir, 'balance.json'), JSON.stringify({ train: balance(train.labels), test: balance(test.labels) }));
  const head = (s: Subset) => Array.from({ length: 5 }, (_, r) => [s.labels[r], ...s.images.subarray(r * PIXELS, (r + 1) * PIXELS)]);
  const top = Array.from({ length: PIXELS }, (_, j) => ({ pixel: j + 1, r: correlation[j + 1] }))
    .filter((x) => Number.isFinite(x.r))
    .sort((a, b) => Math.abs(b.r) - Math.abs(a.r))
    .slice(0, 20);
  await writeFile(
    join(dir, 'summary.json'),
    JSON.stringify({
      source: { kind: 'idx', files: [{ path: join(DATASET_DIR, 'train-images-idx3-ubyte.gz'), bytes: 26421880, md5: '8d4fb7e6c68d591d4c3dfef9ec88bf0d' }] },
      inputKey: 'fixture-key',
      head: { train: head(train), test: head(test) },
      describe: { train: { label: { count: train.n, mean: 4.5, std: 2.9, min: 0, max: 9 } }, test: { label: { count: test.n, mean: 4.5, std: 2.9, min: 0, max: 9 } } },
      topCorrelated: { train: top },
      createdAt: '2026-11-20T10:00:00.000Z',
    }),
  );
  return { dir, train, test, correlation };
}

/** A seeded generator so fixture runs are the same every time. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An Evaluation (docs/contracts.md) for predictions drawn at the given accuracy on `labels`. */
export function evaluationFor(labels: Uint8Array, accuracy: number, rand: () => number) {
  const confusion = Array.from({ length: 10 }, () => new Array(10).fill(0));
  for (const t of labels) {
    const p = rand() < accuracy ? t : (t + 1 + Math.floor(rand() * 9)) % 10;
    confusion[t][p]++;
  }
  const correct = confusion.reduce((a, row, i) => a + row[i], 0);
  const perClass = confusion.map((row, label) => {
    const tp = row[label];
    const support = row.reduce((a, b) => a + b, 0);
    const predicted = confusion.reduce((a, r) => a + r[label], 0);
    const precision = predicted ? tp / predicted : 0;
    const recall = support ? tp / support : 0;
    return { label, name: CLASS_NAMES[label], precision, recall, f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0, support };
  });
  return { accuracy: correct / labels.length, loss: 0.3 + (1 - correct / labels.length), confusion, perClass };
}

function history(epochs: number, rand: () => number, top: number) {
  const shift = rand() * 0.08;
  return Array.from({ length: epochs }, (_, i) => {
    const e = i + 1;
    const acc = top - (top - 0.6) * Math.exp(-e / 2) + rand() * 0.005;
    return { epoch: e, loss: 1.2 * Math.exp(-e / 3) + 0.2 + shift, accuracy: acc, valLoss: 1.1 * Math.exp(-e / 3) + 0.28 + shift * 1.5, valAccuracy: acc - 0.015, seconds: 4 + rand(), imagesPerSecond: 2000 + Math.round(rand() * 100) };
  });
}

function manifest(technique: string, runId: string, label: string | undefined, endedAt: string, status = 'complete') {
  return {
    technique,
    runId,
    status,
    profile: 'quick',
    label,
    config: { epochs: 5, batchSize: 500, ...(label ? { label } : {}) },
    seed: 42,
    backend: { name: 'wasm', reason: 'tfjs-node not installed', threads: 2, version: '4.22.0' },
    versions: { node: 'v20.20.2', fmnist: '0.1.0', tfjs: '4.22.0' },
    gitRevision: 'abc1234',
    data: { dir: 'runs/data', inputKey: 'fixture-key' },
    startedAt: '2026-11-20T11:00:00.000Z',
    endedAt,
    durationSeconds: 95.5,
  };
}

async function writeRun(runsDir: string, technique: string, runId: string, files: { manifest: object; results?: object; latest?: boolean }) {
  const dir = join(runsDir, technique, runId);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'manifest.json'), JSON.stringify(files.manifest));
  if (files.results) await writeFile(join(dir, 'results.json'), JSON.stringify(files.results));
  if (files.latest) await writeFile(join(runsDir, technique, 'latest.json'), JSON.stringify({ runId }));
  return dir;
}

export const KFOLD_CALLBACKS = { reduceLrOnPlateau: { factor: 0.5, patience: 1, minLearningRate: 1e-5 }, earlyStopping: { patience: 3 } };

export const XSS_LABEL = '<script>alert(1)</script> & "quoted" | pipe *star*';

export interface RunsFixture {
  holdoutTest: number;
  ensembleTest: number;
  foldTest: number[];
  vgg19Test: number;
  skippedReason: string;
}

/** Run directories for tune, holdout, kfold and transfer (VGG16 skipped with a reason). */
export async function writeRunsDir(runsDir: string, test: Subset): Promise<RunsFixture> {
  const rand = mulberry32(7);
  const activations = ['relu', 'tanh', 'elu'];
  const optimizers = ['adam', 'sgd'];
  const trials = activations.flatMap((activation) => optimizers.map((optimizer) => ({ activation, optimizer })))
    .map((p, i) => ({ id: i === 0 ? XSS_LABEL : `t${i}`, params: { ...p, learningRate: 0.001, momentum: 0.9, batchSize: 500 }, epochs: 5, valAccuracy: 0.8 + rand() * 0.1, valLoss: 0.3 + rand() * 0.2, status: 'complete' }))
    .sort((a, b) => b.valAccuracy - a.valAccuracy)
    .map((t, i) => ({ ...t, rank: i + 1 }));
  const best = { ...trials[0].params, filters: [32, 64], denseUnits: 128, dropout: 0, batchNorm: false, seed: 42, epochs: 5 };
  const tune = { technique: 'tune', method: 'grid', trials, best, budget: { spaceSize: 6, plannedEpochs: 30, spentEpochs: 30, trialRows: 8000, validationRows: 2000 } };
  await writeRun(runsDir, 'tune', 'quick-0a1b2c3d', { manifest: manifest('tune', 'quick-0a1b2c3d', XSS_LABEL, '2026-11-20T11:10:00.000Z'), results: tune, latest: true });

  const holdoutEval = evaluationFor(test.labels, 0.9, rand);
  await writeRun(runsDir, 'holdout', 'quick-11111111', {
    manifest: manifest('holdout', 'quick-11111111', undefined, '2026-11-20T11:20:00.000Z'),
    results: { technique: 'holdout', params: best, tuning: tune, history: history(5, rand, 0.92), train: { accuracy: 0.93, loss: 0.2 }, validation: { accuracy: 0.9, loss: 0.28 }, test: holdoutEval, backend: 'wasm', durationSeconds: 95.5, imagesPerSecond: 2100 },
  });
  // An older complete holdout run and a newer failed one: selection must pick quick-11111111.
  await writeRun(runsDir, 'holdout', 'quick-00000000', {
    manifest: manifest('holdout', 'quick-00000000', 'older run', '2026-11-19T11:20:00.000Z'),
    results: { technique: 'holdout', params: best, history: [], train: { accuracy: 0.5, loss: 1 }, validation: { accuracy: 0.5, loss: 1 }, test: evaluationFor(test.labels, 0.5, rand) },
  });
  await writeRun(runsDir, 'holdout', 'quick-22222222', { manifest: manifest('holdout', 'quick-22222222', 'crashed', '2026-11-21T11:20:00.000Z', 'failed') });

  const folds = Array.from({ length: 5 }, (_, i) => {
    // the k-fold run has a schedule: the rate halves after epoch 2
    const h = history(4, rand, 0.9 + i * 0.003).map((m) => ({ ...m, learningRate: m.epoch <= 2 ? 0.001 : 0.0005 }));
    return { fold: i + 1, history: h, stoppedEarly: i === 1, train: { accuracy: h.at(-1)!.accuracy, loss: h.at(-1)!.loss }, validation: { accuracy: h.at(-1)!.valAccuracy, loss: h.at(-1)!.valLoss }, test: { accuracy: 0.87 + i * 0.004, loss: 0.35 } };
  });
  const ensemble = evaluationFor(test.labels, 0.91, rand);
  await writeRun(runsDir, 'kfold', 'quick-33333333', {
    manifest: manifest('kfold', 'quick-33333333', undefined, '2026-11-20T11:30:00.000Z'),
    results: { technique: 'kfold', k: 5, params: { ...best, epochs: 30 }, callbacks: KFOLD_CALLBACKS, folds, summary: {}, ensemble: { test: ensemble }, backend: 'wasm', durationSeconds: 300, imagesPerSecond: 2050 },
    latest: true,
  });

  const vgg19 = evaluationFor(test.labels, 0.84, rand);
  const skippedReason = 'no ImageNet VGG16 weights: set FMNIST_VGG16_WEIGHTS';
  await writeRun(runsDir, 'transfer', 'quick-44444444', {
    manifest: manifest('transfer', 'quick-44444444', undefined, '2026-11-20T11:40:00.000Z'),
    results: {
      technique: 'transfer',
      models: [
        { variant: 'vgg19', status: 'complete', weights: { source: 'vgg19-imagenet-uint8/model.json', sha256: 'f'.repeat(64) }, inputSize: 32, featureDim: 512, precision: 'int8', history: history(3, rand, 0.85), train: { accuracy: 0.86, loss: 0.4 }, test: vgg19 },
        { variant: 'vgg16', status: 'skipped', reason: skippedReason },
      ],
      backend: 'wasm',
      durationSeconds: 120,
    },
  });
  return { holdoutTest: holdoutEval.accuracy, ensembleTest: ensemble.accuracy, foldTest: folds.map((f) => f.test.accuracy), vgg19Test: vgg19.accuracy, skippedReason };
}
