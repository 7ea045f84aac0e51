// Frozen-base feature extraction: preprocess a batch, run the conv base, keep the flattened
// block5_pool output; one batch of tensors alive at a time.
//
// The conv base runs on onnxruntime-node when it loads (the base's graph and weights exported to
// ONNX, all cores): 4-5x the wasm backend on large convolutions. Otherwise, or with
// engine: 'tfjs', it runs on the current tfjs backend. Both compute the same network in float32;
// their features agree to rounding (relative 1e-5), not bit for bit.
//
// precision 'int8' (onnxruntime only) runs the base quantized (onnx/quantize.ts): 3-4x float32 on
// CPUs with int8 dot products, features with a cosine of 0.999 to the float32 ones. Its scales
// come from calibration images the caller fixes (the same for every split and shard), observed by
// a one-thread float32 session, so they do not depend on the thread count or on the batching.
import * as tf from '@tensorflow/tfjs';
import { cpuHasVnni } from '@fmnist/core/node';
import { createHash } from 'node:crypto';
import { cpus } from 'node:os';
import { ModelsError } from './errors';
import { exportOnnx } from './onnx/export-onnx';
import { layersToOnnx } from './onnx/from-layers';
import { encodeOnnxModel } from './onnx/onnx-model';
import { createOrtRunner, loadOnnxRuntime, type OrtModule, type OrtRunner } from './onnx/onnx-runtime';
import { calibrationTensors, observeRange, quantizeConvGraph, withOutputs } from './onnx/quantize';
import type { OnProgress } from './train';
import { caffeInput, preprocessCaffe, vggFeatureDim } from './vgg-base';

/** 'auto': onnxruntime-node when it loads, else tfjs. A named engine that cannot run throws. */
export type FeatureEngine = 'auto' | 'onnxruntime' | 'tfjs';

/** The conv base's arithmetic: float32 (every engine) or int8 (onnxruntime, calibrated). */
export type FeaturePrecision = 'float32' | 'int8';

/** Calibration images int8 uses at most (a few seconds of one-thread float32 forward passes). */
export const MAX_CALIBRATION_IMAGES = 256;

export interface ExtractOptions {
  /** Must equal the base's input size (default: taken from the base). */
  inputSize?: number;
  batchSize?: number;
  onProgress?: OnProgress;
  signal?: AbortSignal;
  /** Default 'auto' (env FMNIST_ONNXRUNTIME=0 makes auto mean tfjs). */
  engine?: FeatureEngine;
  /** onnxruntime threads (default: every core). */
  threads?: number;
  /** Told once per process, in one line, when auto falls back to tfjs (default: stderr). */
  onNote?: (line: string) => void;
  /** Default 'float32'. 'int8' needs onnxruntime-node and `calibration`. */
  precision?: FeaturePrecision;
  /**
   * int8: 28x28 uint8 images (up to MAX_CALIBRATION_IMAGES are used) whose activation ranges set
   * the quantization. Pass the same ones for every split and shard whose features go together.
   */
  calibration?: Uint8Array;
}

/** One ONNX session per base object (a base's weights do not change once loaded), for the last threads/precision/calibration asked. */
const sessions = new WeakMap<tf.LayersModel, { key: string; runner: Promise<OrtRunner> }>();
let noted = false;

function note(o: ExtractOptions, line: string): void {
  if (noted) return;
  noted = true;
  (o.onNote ?? ((l: string) => process.stderr.write(`${l}\n`)))(line);
}

/** The onnxruntime session of a base, or undefined (with a one-line note) when auto falls back. */
async function ortRunnerFor(base: tf.LayersModel, o: ExtractOptions): Promise<OrtRunner | undefined> {
  const engine = o.engine ?? 'auto';
  const int8 = o.precision === 'int8';
  if (int8 && !o.calibration?.length) throw new ModelsError('extractFeatures: precision int8 needs calibration images.', { hint: 'Pass the first few hundred training images as `calibration` (the same for every split).' });
  if (int8 && engine === 'tfjs') throw new ModelsError('extractFeatures: precision int8 runs on onnxruntime only, not the tfjs engine.', { hint: "Use precision 'float32' with the tfjs engine." });
  if (engine === 'tfjs') return undefined;
  const loaded = await loadOnnxRuntime();
  if (!loaded.ok) {
    if (engine === 'onnxruntime' || int8) {
      throw new ModelsError(`extractFeatures: ${int8 ? 'precision int8 needs onnxruntime-node' : 'engine onnxruntime requested'} but ${loaded.why}.`, { hint: `Install it with \`npm install onnxruntime-node\`, or use ${int8 ? "precision 'float32'" : 'the tfjs engine'}.` });
    }
    if (!/FMNIST_ONNXRUNTIME=0/.test(loaded.why)) note(o, `note: VGG features on the tfjs ${tf.getBackend()} backend: ${loaded.why}`);
    return undefined;
  }
  const threads = Math.max(1, o.threads ?? cpus().length);
  const calibration = int8 ? o.calibration!.subarray(0, Math.min(MAX_CALIBRATION_IMAGES, Math.floor(o.calibration!.length / 784)) * 784) : undefined;
  const key = JSON.stringify([threads, o.precision ?? 'float32', calibration ? createHash('sha256').update(calibration).digest('hex') : null]);
  let entry = sessions.get(base);
  if (!entry || entry.key !== key) {
    const ort = loaded.ort;
    const runner = calibration
      ? quantizedBaseModel(ort, base, calibration).then((model) => createOrtRunner(ort, model, { threads }))
      : createOrtRunner(ort, exportOnnx(base, { flattenOutput: true }), { threads });
    entry = { key, runner };
    sessions.set(base, entry);
    runner.catch(() => sessions.delete(base));
  }
  try {
    return await entry.runner;
  } catch (e) {
    if (engine === 'onnxruntime' || int8) throw e;
    note(o, `note: VGG features on the tfjs ${tf.getBackend()} backend: onnxruntime-node could not run ${base.name} (${(e as Error).message.split('\n')[0].slice(0, 200)})`);
    return undefined;
  }
}

/**
 * The int8 ONNX model of a conv base (flattened output), its activation ranges observed on
 * `calibration` (28x28 uint8 images, preprocessed as the features are) by a one-thread float32
 * session. Weights keep 7 bits on x86-64 CPUs without VNNI, where MLAS's int8 products would
 * saturate.
 */
export async function quantizedBaseModel(ort: OrtModule, base: tf.LayersModel, calibration: Uint8Array): Promise<Uint8Array> {
  const size = base.inputs[0].shape[1] as number;
  const n = Math.floor(calibration.length / 784);
  if (n === 0) throw new ModelsError('quantizedBaseModel: no calibration images.');
  const graph = layersToOnnx(base, { flattenOutput: true });
  const names = calibrationTensors(graph);
  const session = await ort.InferenceSession.create(encodeOnnxModel(withOutputs(graph, names)), {
    executionProviders: ['cpu'], graphOptimizationLevel: 'all', intraOpNumThreads: 1, interOpNumThreads: 1,
  });
  const ranges = new Map<string, { min: number; max: number }>();
  try {
    for (let start = 0; start < n; start += 32) {
      const end = Math.min(n, start + 32);
      const x = caffeInput(calibration.subarray(start * 784, end * 784), end - start, size);
      const out = await session.run({ input: new ort.Tensor('float32', x, [end - start, size, size, 3]) });
      for (const name of names) observeRange(ranges, name, out[name].data as Float32Array);
      for (const t of Object.values(out)) t.dispose?.();
      await new Promise<void>((r) => setImmediate(r));
    }
  } finally {
    await session.release();
  }
  const weightBits = process.arch === 'x64' && !cpuHasVnni() ? 7 : 8;
  return encodeOnnxModel(quantizeConvGraph(graph, ranges, { weightBits }), { producerVersion: `tfjs-layers ${tf.version_layers}` });
}

/** Which engine extractFeatures would use for `o` (loads onnxruntime-node once to find out). */
export async function featureEngine(o: Pick<ExtractOptions, 'engine'> = {}): Promise<'onnxruntime' | 'tfjs'> {
  if (o.engine === 'tfjs') return 'tfjs';
  return (await loadOnnxRuntime()).ok ? 'onnxruntime' : 'tfjs';
}

/** Features [n, featureDim] (row-major) of n 28x28 uint8 images under the VGG base. */
export async function extractFeatures(base: tf.LayersModel, images: Uint8Array, n: number, o: ExtractOptions = {}): Promise<Float32Array> {
  const size = base.inputs[0].shape[1] as number;
  if (o.inputSize !== undefined && o.inputSize !== size) {
    throw new ModelsError(`extractFeatures: inputSize ${o.inputSize} differs from the base's input size ${size}.`, { hint: 'Create the base with createVggBase(variant, { inputSize }) using the same size.' });
  }
  if (images.length < n * 784) throw new ModelsError(`extractFeatures: ${images.length} bytes hold fewer than n = ${n} 28x28 images.`);
  const dim = vggFeatureDim(base);
  const batch = o.batchSize ?? 64;
  const out = new Float32Array(n * dim);
  const ort = await ortRunnerFor(base, o);
  const label = `features ${base.name}@${size}${ort ? ` (onnxruntime${o.precision === 'int8' ? ' int8' : ''})` : ''}`;
  for (let start = 0; start < n; start += batch) {
    if (o.signal?.aborted) throw new ModelsError('extractFeatures: aborted.');
    const end = Math.min(n, start + batch);
    if (ort) {
      const input = caffeInput(images.subarray(start * 784, end * 784), end - start, size);
      out.set(await ort.run(input, [end - start, size, size, 3]), start * dim);
    } else {
      const feats = tf.tidy(() => {
        const x = preprocessCaffe(images.subarray(start * 784, end * 784), end - start, size);
        return (base.predict(x) as tf.Tensor).reshape([end - start, dim]);
      });
      out.set(await feats.data<'float32'>(), start * dim);
      feats.dispose();
    }
    o.onProgress?.({ done: end, total: n, unit: 'images', label });
    await new Promise<void>((r) => setImmediate(r));
  }
  return out;
}
