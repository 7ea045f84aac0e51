// FmnistTanhGrad: dx = dy * (1 - y^2) in one SIMD pass instead of three tensor ops (Square,
// Sub, Mul). Registered for wasm; the Tanh gradient (gradients/tanh-grad.ts) calls it on wasm only.
import * as tf from '@tensorflow/tfjs';
import { fmnistSimd, offsetOf } from './fmnist-simd';
import type { WasmBackendLike } from './wasm-kernel-utils';

export const FMNIST_TANH_GRAD = 'FmnistTanhGrad';

function tanhGrad(args: { inputs: tf.NamedTensorInfoMap; backend: unknown }): tf.TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const { y, dy } = args.inputs as { y: tf.TensorInfo; dy: tf.TensorInfo };
  if (!tf.util.arraysEqual(y.shape, dy.shape)) throw new Error(`FmnistTanhGrad: shapes ${y.shape} and ${dy.shape} differ`);
  const out = backend.makeOutput(y.shape, 'float32');
  const n = y.shape.reduce((a, b) => a * b, 1);
  fmnistSimd(backend).tanh_grad_f32(offsetOf(backend, y.dataId), offsetOf(backend, dy.dataId), offsetOf(backend, out.dataId), n);
  return out;
}

export const fmnistTanhGradConfig: tf.KernelConfig = {
  kernelName: FMNIST_TANH_GRAD,
  backendName: 'wasm',
  kernelFunc: tanhGrad as unknown as tf.KernelFunc,
};
