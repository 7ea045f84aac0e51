// FmnistBatchNormStats: a training-mode batch norm's batch statistics in one SIMD pass over x
// (bn_stats_f32 in fmnist-kernels.c): [mean, biased variance] per channel as a [2, C] tensor, as
// tf.moments gives them over every axis but the last. Used by fast-batch-norm.ts on wasm;
// C % 4 == 0 and at least one row (callers check).
import * as tf from '@tensorflow/tfjs';
import { fmnistSimd, offsetOf } from './fmnist-simd';
import type { WasmBackendLike } from './wasm-kernel-utils';

export const FMNIST_BN_STATS = 'FmnistBatchNormStats';

function batchNormStats(args: { inputs: tf.NamedTensorInfoMap; backend: unknown }): tf.TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const { x } = args.inputs as { x: tf.TensorInfo };
  const C = x.shape[x.shape.length - 1];
  const rows = x.shape.slice(0, -1).reduce((a, b) => a * b, 1);
  if (x.dtype !== 'float32' || x.shape.length < 2 || C % 4 !== 0 || rows === 0) {
    throw new Error(`${FMNIST_BN_STATS}: needs float32 x with channels % 4 == 0 and at least one row, got ${x.dtype} ${x.shape}`);
  }
  const out = backend.makeOutput([2, C], 'float32');
  fmnistSimd(backend).bn_stats_f32(offsetOf(backend, x.dataId), offsetOf(backend, out.dataId), rows, C);
  return out;
}

export const fmnistBatchNormStatsConfig: tf.KernelConfig = {
  kernelName: FMNIST_BN_STATS,
  backendName: 'wasm',
  kernelFunc: batchNormStats as unknown as tf.KernelFunc,
};
