// Class probabilities of a trained CNN on onnxruntime-node (the model converted to ONNX in memory,
// all cores), with the tfjs forward pass as the fallback: what `fmnist predict` scores with.
import type * as tf from '@tensorflow/tfjs';
import { NUM_CLASSES } from '../cnn';
import { ModelsError } from '../errors';
import { predictProbabilities } from '../evaluate';
import { exampleSize, type TrainData } from '../train-data';
import { exportOnnx } from './export-onnx';
import { createOrtRunner, loadOnnxRuntime } from './onnx-runtime';

export type PredictEngine = 'auto' | 'onnxruntime' | 'tfjs';

export interface EnginePrediction {
  /** [n, 10] softmax outputs, row-major. */
  probabilities: Float32Array;
  engine: 'onnxruntime' | 'tfjs';
  /** Why auto used tfjs (one line), when it did. */
  note?: string;
}

/**
 * Softmax outputs of `model` for data.x ([n, ...inputShape]): on onnxruntime-node when it loads
 * ('auto', the default) or is asked for, else on the current tfjs backend.
 */
export async function predictWithEngine(
  model: tf.LayersModel,
  data: Pick<TrainData, 'x' | 'n'>,
  o: { engine?: PredictEngine; batchSize?: number; threads?: number } = {},
): Promise<EnginePrediction> {
  const engine = o.engine ?? 'auto';
  const batch = o.batchSize ?? 1000;
  const tfjs = async (note?: string): Promise<EnginePrediction> => ({
    probabilities: await predictProbabilities(model, { x: data.x, n: data.n, labels: new Uint8Array(data.n) }, batch),
    engine: 'tfjs',
    ...(note ? { note } : {}),
  });
  if (engine === 'tfjs') return tfjs();
  const loaded = await loadOnnxRuntime();
  if (!loaded.ok) {
    if (engine === 'onnxruntime') throw new ModelsError(`Engine onnxruntime requested but ${loaded.why}.`, { hint: 'Install it with `npm install onnxruntime-node`, or use the tfjs engine.' });
    return tfjs(loaded.why);
  }
  let bytes: Uint8Array;
  try {
    bytes = exportOnnx(model);
  } catch (e) {
    if (engine === 'onnxruntime') throw e;
    return tfjs((e as Error).message);
  }
  const runner = await createOrtRunner(loaded.ort, bytes, { threads: o.threads });
  try {
    const size = exampleSize(model);
    const shape = model.inputs[0].shape.slice(1) as number[];
    const out = new Float32Array(data.n * NUM_CLASSES);
    for (let start = 0; start < data.n; start += batch) {
      const end = Math.min(data.n, start + batch);
      out.set(await runner.run(data.x.subarray(start * size, end * size), [end - start, ...shape]), start * NUM_CLASSES);
    }
    return { probabilities: out, engine: 'onnxruntime' };
  } finally {
    await runner.release();
  }
}
