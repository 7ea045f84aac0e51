// FmnistBatchNormGradSums: the per-channel reductions a batch-norm gradient needs, in one SIMD
// pass over x and dy: [sum(dy), sum(dy * (x - mean))] as a [2, C] tensor. Used by
// gradients/fused-batch-norm-grad.ts on wasm; C % 4 == 0 (callers check).
import * as tf from '@tensorflow/tfjs';
import { fmnistSimd, offsetOf } from './fmnist-simd';
import type { WasmBackendLike } from './wasm-kernel-utils';

export const FMNIST_BN_GRAD_SUMS = 'FmnistBatchNormGradSums';

function batchNormGradSums(args: { inputs: tf.NamedTensorInfoMap; backend: unknown }): tf.TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const { x, dy, mean } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo; mean: tf.TensorInfo };
  const C = x.shape[x.shape.length - 1];
  if (C % 4 !== 0 || !tf.util.arraysEqual(x.shape, dy.shape) || mean.shape.reduce((a, b) => a * b, 1) !== C) {
    throw new Error(`${FMNIST_BN_GRAD_SUMS}: needs x and dy of one shape with channels % 4 == 0 and a per-channel mean, got ${x.shape}, ${dy.shape}, ${mean.shape}`);
  }
  const rows = x.shape.slice(0, -1).reduce((a, b) => a * b, 1);
  const out = backend.makeOutput([2, C], 'float32');
  fmnistSimd(backend).bn_grad_sums_f32(offsetOf(backend, x.dataId), offsetOf(backend, dy.dataId), offsetOf(backend, mean.dataId), offsetOf(backend, out.dataId), rows, C);
  return out;
}

export const fmnistBatchNormGradSumsConfig: tf.KernelConfig = {
  kernelName: FMNIST_BN_GRAD_SUMS,
  backendName: 'wasm',
  kernelFunc: batchNormGradSums as unknown as tf.KernelFunc,
};
