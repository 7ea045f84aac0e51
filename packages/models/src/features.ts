// Frozen-base feature extraction: preprocess a batch, run the conv base, keep the flattened
// block5_pool output; one batch of tensors alive at a time.
import * as tf from '@tensorflow/tfjs';
import { ModelsError } from './errors';
import type { OnProgress } from './train';
import { preprocessCaffe, vggFeatureDim } from './vgg-base';

export interface ExtractOptions {
  /** Must equal the base's input size (default: taken from the base). */
  inputSize?: number;
  batchSize?: number;
  onProgress?: OnProgress;
  signal?: AbortSignal;
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
  for (let start = 0; start < n; start += batch) {
    if (o.signal?.aborted) throw new ModelsError('extractFeatures: aborted.');
    const end = Math.min(n, start + batch);
    const feats = tf.tidy(() => {
      const x = preprocessCaffe(images.subarray(start * 784, end * 784), end - start, size);
      return (base.predict(x) as tf.Tensor).reshape([end - start, dim]);
    });
    out.set(await feats.data<'float32'>(), start * dim);
    feats.dispose();
    o.onProgress?.({ done: end, total: n, unit: 'images', label: `features ${base.name}@${size}` });
    await new Promise<void>((r) => setImmediate(r));
  }
  return out;
}
