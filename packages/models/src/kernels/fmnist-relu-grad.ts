// FmnistReluGrad: dx = dy * step(x) in one SIMD pass instead of Step, Cast and Multiply.
// Registered for wasm; the Relu gradient (gradients/relu-grad.ts) calls it on wasm only.
import * as tf from '@tensorflow/tfjs';
import { fmnistSimd, offsetOf } from './fmnist-simd';
import type { WasmBackendLike } from './wasm-kernel-utils';

export const FMNIST_RELU_GRAD = 'FmnistReluGrad';

function reluGrad(args: { inputs: tf.NamedTensorInfoMap; backend: unknown }): tf.TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  if (!tf.util.arraysEqual(x.shape, dy.shape)) throw new Error(`${FMNIST_RELU_GRAD}: shapes ${x.shape} and ${dy.shape} differ`);
  const out = backend.makeOutput(x.shape, 'float32');
  fmnistSimd(backend).relu_grad_f32(offsetOf(backend, x.dataId), offsetOf(backend, dy.dataId), offsetOf(backend, out.dataId), x.shape.reduce((a, b) => a * b, 1));
  return out;
}

export const fmnistReluGradConfig: tf.KernelConfig = {
  kernelName: FMNIST_RELU_GRAD,
  backendName: 'wasm',
  kernelFunc: reluGrad as unknown as tf.KernelFunc,
};
