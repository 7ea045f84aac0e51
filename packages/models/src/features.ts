// Frozen-base feature extraction: preprocess a batch, run the conv base, keep the flattened
// block5_pool output; one batch of tensors alive at a time.
//
// The conv base runs on onnxruntime-node when it loads (the base's graph and weights exported to
// ONNX, all cores): 4-5x the wasm backend on large convolutions. Otherwise, or with
// engine: 'tfjs', it runs on the current tfjs backend. Both compute the same network in float32;
// their features agree to rounding (relative 1e-5), not bit for bit.
import * as tf from '@tensorflow/tfjs';
import { cpus } from 'node:os';
import { ModelsError } from './errors';
import { exportOnnx } from './onnx/export-onnx';
import { createOrtRunner, loadOnnxRuntime, type OrtRunner } from './onnx/onnx-runtime';
import type { OnProgress } from './train';
import { caffeInput, preprocessCaffe, vggFeatureDim } from './vgg-base';

/** 'auto': onnxruntime-node when it loads, else tfjs. A named engine that cannot run throws. */
export type FeatureEngine = 'auto' | 'onnxruntime' | 'tfjs';

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
}

/** One ONNX session per base object and thread count (a base's weights do not change once loaded). */
const sessions = new WeakMap<tf.LayersModel, { threads: number; runner: Promise<OrtRunner> }>();
let noted = false;

function note(o: ExtractOptions, line: string): void {
  if (noted) return;
  noted = true;
  (o.onNote ?? ((l: string) => process.stderr.write(`${l}\n`)))(line);
}

/** The onnxruntime session of a base, or undefined (with a one-line note) when auto falls back. */
async function ortRunnerFor(base: tf.LayersModel, o: ExtractOptions): Promise<OrtRunner | undefined> {
  const engine = o.engine ?? 'auto';
  if (engine === 'tfjs') return undefined;
  const loaded = await loadOnnxRuntime();
  if (!loaded.ok) {
    if (engine === 'onnxruntime') {
      throw new ModelsError(`extractFeatures: engine onnxruntime requested but ${loaded.why}.`, { hint: 'Install it with `npm install onnxruntime-node`, or use the tfjs engine.' });
    }
    if (!/FMNIST_ONNXRUNTIME=0/.test(loaded.why)) note(o, `note: VGG features on the tfjs ${tf.getBackend()} backend: ${loaded.why}`);
    return undefined;
  }
  const threads = Math.max(1, o.threads ?? cpus().length);
  let entry = sessions.get(base);
  if (!entry || entry.threads !== threads) {
    const runner = createOrtRunner(loaded.ort, exportOnnx(base, { flattenOutput: true }), { threads });
    entry = { threads, runner };
    sessions.set(base, entry);
    runner.catch(() => sessions.delete(base));
  }
  try {
    return await entry.runner;
  } catch (e) {
    if (engine === 'onnxruntime') throw e;
    note(o, `note: VGG features on the tfjs ${tf.getBackend()} backend: onnxruntime-node could not run ${base.name} (${(e as Error).message.split('\n')[0].slice(0, 200)})`);
    return undefined;
  }
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
  const label = `features ${base.name}@${size}${ort ? ' (onnxruntime)' : ''}`;
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
