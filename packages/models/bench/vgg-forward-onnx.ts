// VGG19 conv-base forward throughput on onnxruntime-node (the base exported to ONNX by this
// project, every core), beside the tfjs backends' figures in models-bench.ts. The peer is
// ../shared/bench/torch_vgg19.py: same conv base, same sizes, batch 32.
import type * as tf from '@tensorflow/tfjs';
import { cpus } from 'node:os';
import { quantizedBaseModel } from '../src/features';
import { exportOnnx } from '../src/onnx/export-onnx';
import { createOrtRunner, loadOnnxRuntime } from '../src/onnx/onnx-runtime';
import type { VggBenchResult } from './models-bench';

/**
 * The wasm measurement's line, measured on onnxruntime-node (`reason`: the engine version and its
 * threads), in float32 or int8 (the base quantized as `extractFeatures({ precision: 'int8' })` does).
 */
export type OnnxVggBenchResult = Omit<VggBenchResult, 'backend'> & { backend: 'onnxruntime'; precision: 'float32' | 'int8'; reason: string };

/**
 * Images per second of `base` (a VGG19 conv base at `inputSize`) on onnxruntime, batch `batch`,
 * one untimed step then `steps` timed ones; `{ skipped }` when onnxruntime-node does not load.
 */
export async function vggForwardOnnx(base: tf.LayersModel, inputSize: number, batch: number, steps: number, precision: 'float32' | 'int8' = 'float32'): Promise<OnnxVggBenchResult | { skipped: string }> {
  const loaded = await loadOnnxRuntime();
  if (!loaded.ok) return { skipped: loaded.why };
  const threads = cpus().length;
  // int8: calibrated on 64 generated 28x28 images (the speed does not depend on the values)
  const calibration = Uint8Array.from({ length: 64 * 784 }, (_, i) => (i * 2654435761) % 251);
  const model = precision === 'int8' ? await quantizedBaseModel(loaded.ort, base, calibration) : exportOnnx(base, { flattenOutput: true });
  const runner = await createOrtRunner(loaded.ort, model, { threads });
  try {
    const x = new Float32Array(batch * inputSize * inputSize * 3);
    for (let i = 0; i < x.length; i++) x[i] = ((i * 2654435761) % 255) - 120; // caffe-preprocessed scale
    const dims = [batch, inputSize, inputSize, 3];
    await runner.run(x, dims);
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) await runner.run(x, dims);
    const seconds = (performance.now() - t0) / 1000;
    return {
      kind: 'vgg19-conv-base-forward', backend: 'onnxruntime', precision, inputSize, batch, steps, weights: 'random', threads,
      imagesPerSecond: Math.round(((batch * steps) / seconds) * 10) / 10,
      reason: `onnxruntime-node ${loaded.version}, CPU execution provider, intraOpNumThreads ${threads}`,
    };
  } finally {
    await runner.release();
  }
}
