// Interim local implementations of the @fmnist/models functions that have not landed yet
// (train with checkpoint/resume, evaluate, save/load, VGG weights, feature extraction). The
// engine adapter (engine.ts) prefers @fmnist/models' own function whenever it exists.
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { writeDirAtomic } from './atomic';
import { ExperimentError } from './errors';
import { createRng, shuffleInPlace, deriveSeed } from './rng';
import type { EpochMetricsLike, EvaluationLike, OnProgress } from './types';

export const CLASS_NAMES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

export interface TrainData { x: Float32Array; labels: Uint8Array; n: number }
export interface TrainOptions {
  epochs: number;
  batchSize: number;
  seed: number;
  validation?: TrainData;
  checkpointDir?: string;
  onEpoch?: (m: EpochMetricsLike) => void;
  onProgress?: OnProgress;
  signal?: AbortSignal;
}
export interface TrainResult { history: EpochMetricsLike[]; resumedFromEpoch: number; stoppedEarly: boolean; interrupted: boolean }
export type Evaluation = EvaluationLike & { probabilities: Float32Array };

const featureShape = (model: tf.LayersModel) => model.inputs[0].shape.slice(1) as number[];

function batchTensors(model: tf.LayersModel, d: TrainData, idx: Uint32Array | number[]) {
  const dim = d.x.length / d.n;
  const xb = new Float32Array(idx.length * dim);
  const yb = new Float32Array(idx.length * 10);
  for (let i = 0; i < idx.length; i++) {
    xb.set(d.x.subarray(idx[i] * dim, (idx[i] + 1) * dim), i * dim);
    yb[i * 10 + d.labels[idx[i]]] = 1;
  }
  return { x: tf.tensor(xb, [idx.length, ...featureShape(model)]), y: tf.tensor2d(yb, [idx.length, 10]) };
}

async function saveCheckpoint(model: tf.LayersModel, dir: string, history: EpochMetricsLike[]) {
  await writeDirAtomic(dir, async (tmp) => {
    const named = [
      ...model.getWeights().map((t, i) => ({ name: `w${i}`, tensor: t })),
      ...(await model.optimizer.getWeights()).map((w) => ({ name: `o:${w.name}`, tensor: w.tensor })),
    ];
    const specs = named.map((w) => ({ name: w.name, shape: w.tensor.shape, dtype: w.tensor.dtype }));
    const bufs = named.map((w) => Buffer.from((w.tensor.dataSync() as Float32Array | Int32Array).buffer.slice(0)));
    await writeFile(join(tmp, 'weights.bin'), Buffer.concat(bufs));
    await writeFile(join(tmp, 'state.json'), JSON.stringify({ epoch: history.length, history, specs }));
  });
}

async function loadCheckpoint(model: tf.LayersModel, dir: string): Promise<EpochMetricsLike[] | null> {
  let state: { history: EpochMetricsLike[]; specs: { name: string; shape: number[]; dtype: 'float32' | 'int32' }[] };
  try {
    state = JSON.parse(await readFile(join(dir, 'state.json'), 'utf8'));
  } catch {
    return null;
  }
  const buf = await readFile(join(dir, 'weights.bin'));
  const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
  const decoded = tf.io.decodeWeights(ab, state.specs);
  const ws = state.specs.filter((s) => s.name.startsWith('w')).map((s) => decoded[s.name]);
  model.setWeights(ws);
  const opt = state.specs.filter((s) => s.name.startsWith('o:')).map((s) => ({ name: s.name.slice(2), tensor: decoded[s.name] }));
  if (opt.length) await model.optimizer.setWeights(opt);
  return state.history;
}

/** Seeded minibatch training, checkpointing after every epoch; an existing checkpoint resumes. */
export async function localTrain(model: tf.LayersModel, data: TrainData, o: TrainOptions): Promise<TrainResult> {
  let history: EpochMetricsLike[] = [];
  if (o.checkpointDir) history = ((await loadCheckpoint(model, o.checkpointDir)) ?? []).slice(0, o.epochs);
  const resumedFromEpoch = history.length;
  for (let epoch = history.length + 1; epoch <= o.epochs; epoch++) {
    const t0 = performance.now();
    const order = Uint32Array.from({ length: data.n }, (_, i) => i);
    shuffleInPlace(order, createRng(deriveSeed(o.seed, 'epoch', epoch)));
    let lossSum = 0;
    let accSum = 0;
    const batches = Math.ceil(data.n / o.batchSize);
    for (let s = 0; s < data.n; s += o.batchSize) {
      // Seeded dropout layers draw their mask from a step counter: make it a function of
      // (epoch, batch) so a resumed run draws the masks an uninterrupted one would.
      const step = (epoch - 1) * batches + s / o.batchSize;
      for (const l of model.layers) if ('step' in l) (l as unknown as { step: number }).step = step;
      if (o.signal?.aborted) return { history, resumedFromEpoch, stoppedEarly: false, interrupted: true };
      const idx = order.subarray(s, Math.min(s + o.batchSize, data.n));
      const { x, y } = batchTensors(model, data, idx);
      const r = (await model.trainOnBatch(x, y)) as number[];
      tf.dispose([x, y]);
      lossSum += r[0] * idx.length;
      accSum += r[1] * idx.length;
      o.onProgress?.({ done: s + idx.length, total: data.n, unit: 'img', label: `epoch ${epoch}/${o.epochs}` });
    }
    const m: EpochMetricsLike = { epoch, loss: lossSum / data.n, accuracy: accSum / data.n, seconds: 0, imagesPerSecond: 0 };
    if (o.validation) {
      const v = await localEvaluate(model, o.validation);
      m.valLoss = v.loss;
      m.valAccuracy = v.accuracy;
    }
    m.seconds = (performance.now() - t0) / 1000;
    m.imagesPerSecond = data.n / m.seconds;
    history.push(m);
    if (o.checkpointDir) await saveCheckpoint(model, o.checkpointDir, history);
    o.onEpoch?.(m);
  }
  return { history, resumedFromEpoch, stoppedEarly: false, interrupted: false };
}

/** Accuracy, cross-entropy, confusion matrix (rows = true class) and per-class precision/recall/F1. */
export function scoreProbabilities(probs: Float32Array, labels: Uint8Array): EvaluationLike {
  const n = labels.length;
  const confusion = Array.from({ length: 10 }, () => new Array<number>(10).fill(0));
  let loss = 0;
  let correct = 0;
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < 10; c++) if (probs[i * 10 + c] > probs[i * 10 + best]) best = c;
    confusion[labels[i]][best]++;
    if (best === labels[i]) correct++;
    loss -= Math.log(Math.max(probs[i * 10 + labels[i]], 1e-7));
  }
  const perClass = CLASS_NAMES.map((name, c) => {
    const tp = confusion[c][c];
    const support = confusion[c].reduce((a, b) => a + b, 0);
    const predicted = confusion.reduce((a, row) => a + row[c], 0);
    const precision = predicted ? tp / predicted : 0;
    const recall = support ? tp / support : 0;
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
    return { label: c, name, precision, recall, f1, support };
  });
  return { accuracy: correct / n, loss: loss / n, confusion, perClass };
}

export async function localPredict(model: tf.LayersModel, d: TrainData, batchSize = 500): Promise<Float32Array> {
  const probs = new Float32Array(d.n * 10);
  for (let s = 0; s < d.n; s += batchSize) {
    const idx = Array.from({ length: Math.min(batchSize, d.n - s) }, (_, i) => s + i);
    const { x, y } = batchTensors(model, d, idx);
    const p = model.predict(x) as tf.Tensor;
    probs.set(await p.data(), s * 10);
    tf.dispose([x, y, p]);
  }
  return probs;
}

export async function localEvaluate(model: tf.LayersModel, d: TrainData, o: { batchSize?: number } = {}): Promise<Evaluation> {
  const probabilities = await localPredict(model, d, o.batchSize);
  return { ...scoreProbabilities(probabilities, d.labels), probabilities };
}

export async function localSaveModel(model: tf.LayersModel, dir: string): Promise<void> {
  await mkdir(dirname(dir), { recursive: true });
  await writeDirAtomic(dir, async (tmp) => {
    await model.save(
      tf.io.withSaveHandler(async (art) => {
        const { weightData, ...rest } = art;
        const bin = Buffer.from(weightData as ArrayBuffer);
        await writeFile(join(tmp, 'weights.bin'), bin);
        const modelJson = { modelTopology: rest.modelTopology, format: 'layers-model', generatedBy: 'fmnist', weightsManifest: [{ paths: ['weights.bin'], weights: rest.weightSpecs }] };
        await writeFile(join(tmp, 'model.json'), JSON.stringify(modelJson));
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
  });
}

export async function localLoadModel(dir: string): Promise<tf.LayersModel> {
  const mj = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
  const bin = await readFile(join(dir, 'weights.bin'));
  return tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: mj.modelTopology,
      weightSpecs: mj.weightsManifest[0].weights,
      weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
    }),
  );
}

/** Loads a tfjs layers-format model.json (Keras layer names, possibly uint8-quantized) into a VGG base. */
export async function localLoadVggWeights(base: tf.LayersModel, modelJson: string): Promise<{ sha256: string; source: string }> {
  let mj: { weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[] };
  try {
    mj = JSON.parse(await readFile(modelJson, 'utf8'));
  } catch (e) {
    throw new ExperimentError(`cannot read VGG weights ${modelJson}: ${(e as Error).message}`, {
      file: modelJson,
      hint: 'point FMNIST_VGG16_WEIGHTS / FMNIST_VGG19_WEIGHTS (or --weights) at a tfjs layers model.json of the Keras ImageNet conv base',
    });
  }
  const h = createHash('sha256');
  const byName = new Map<string, tf.Tensor>();
  for (const group of mj.weightsManifest) {
    const bufs = await Promise.all(group.paths.map((p) => readFile(join(dirname(modelJson), p))));
    const all = Buffer.concat(bufs);
    h.update(all);
    const decoded = tf.io.decodeWeights(all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength), group.weights);
    for (const [k, v] of Object.entries(decoded)) byName.set(k, v);
  }
  for (const layer of base.layers) {
    if (!layer.name.includes('conv')) continue;
    const k = byName.get(`${layer.name}/kernel`);
    const b = byName.get(`${layer.name}/bias`);
    if (!k || !b) {
      throw new ExperimentError(`${modelJson} has no weights for layer ${layer.name}`, { file: modelJson, hint: 'use the weights of the matching VGG variant' });
    }
    layer.setWeights([k, b]);
  }
  for (const t of byName.values()) t.dispose();
  return { sha256: h.digest('hex'), source: modelJson };
}
