// Reader for TensorFlow.js layers-model weights (model.json + shards), float32 or quantized:
// tf.io.decodeWeights dequantizes uint8/uint16/float16 entries.
import { FmnistError } from '@fmnist/core';
import { readInputFile } from '@fmnist/core/node';
import * as tf from '@tensorflow/tfjs';
import { dirname, resolve } from 'node:path';
import { ModelsError } from '../errors';
import { readWeights, weightShardPaths } from '../model-io';
import type { LayerWeights } from './layer-weights';

/** Every weight in the manifest grouped by layer name ('block1_conv1/kernel' -> 'block1_conv1'). */
export async function readTfjsWeights(modelJsonPath: string): Promise<{ layers: LayerWeights; files: string[] }> {
  const abs = resolve(modelJsonPath);
  const hint = 'Point to the model.json of a TensorFlow.js layers model, with its weight shards beside it.';
  let json: tf.io.ModelJSON;
  try {
    json = JSON.parse((await readInputFile(abs, 'TensorFlow.js model file', hint)).toString('utf8')) as tf.io.ModelJSON;
  } catch (e) {
    if (e instanceof FmnistError) throw e; // missing, or not a regular file
    throw new ModelsError(`Cannot read TensorFlow.js model ${abs} (${(e as Error).message}).`, { file: abs, hint });
  }
  if (!Array.isArray(json?.weightsManifest)) {
    throw new ModelsError(`${abs} has no weightsManifest.`, { file: abs, hint: 'It is not a TensorFlow.js layers model.json.' });
  }
  const dir = dirname(abs);
  const [specs, buffer] = await readWeights(dir, json.weightsManifest, abs);
  const tensors = tf.io.decodeWeights(buffer, specs);
  const layers: LayerWeights = new Map();
  try {
    for (const spec of specs) {
      const slash = spec.name.lastIndexOf('/');
      const layer = slash < 0 ? spec.name : spec.name.slice(0, slash);
      const t = tensors[spec.name];
      const list = layers.get(layer) ?? [];
      list.push({ name: spec.name, shape: [...t.shape], values: (await t.data()) as Float32Array });
      layers.set(layer, list);
    }
  } finally {
    tf.dispose(Object.values(tensors));
  }
  const files = [abs, ...(await weightShardPaths(dir, json.weightsManifest, abs))];
  return { layers, files };
}
