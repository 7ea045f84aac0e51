// Tanh for the wasm backend, replacing the upstream scalar std::tanh: a SIMD rational
// approximation (fmnist-kernels.c), a few ulp of float32.
import * as tf from '@tensorflow/tfjs';
import { fmnistSimd, offsetOf } from './fmnist-simd';
import type { WasmBackendLike } from './wasm-kernel-utils';

function tanh(args: { inputs: tf.NamedTensorInfoMap; backend: unknown }): tf.TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const { x } = args.inputs as { x: tf.TensorInfo };
  if (x.dtype !== 'float32') throw new Error(`fmnist wasm Tanh supports float32, got ${x.dtype}`);
  const out = backend.makeOutput(x.shape, 'float32');
  const n = x.shape.reduce((a, b) => a * b, 1);
  fmnistSimd(backend).tanh_f32(offsetOf(backend, x.dataId), offsetOf(backend, out.dataId), n);
  return out;
}

export const tanhConfig: tf.KernelConfig = {
  kernelName: tf.Tanh,
  backendName: 'wasm',
  kernelFunc: tanh as unknown as tf.KernelFunc,
};
