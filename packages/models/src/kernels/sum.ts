// Sum for the wasm backend. Reductions over all leading axes (bias gradients: [N,H,W,C] over
// N,H,W) run as one SIMD pass (fmnist-kernels.c) instead of transpose + reduce; every other
// reduction goes to the upstream kernel.
import * as tf from '@tensorflow/tfjs';
import { fmnistSimd, offsetOf } from './fmnist-simd';
import { runKernel, type WasmBackendLike } from './wasm-kernel-utils';

function sum(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const { x } = args.inputs as { x: tf.TensorInfo };
  const { axis, keepDims } = args.attrs as unknown as tf.SumAttrs;
  const rank = x.shape.length;
  const axes = tf.util.parseAxisParam(axis, x.shape).sort((a, b) => a - b);
  const leading = rank >= 2 && axes.length === rank - 1 && axes.every((a, i) => a === i);
  if (!leading || x.dtype !== 'float32') {
    return runKernel(backend, tf.Sum, { x }, args.attrs as Record<string, unknown>, true);
  }
  const cols = x.shape[rank - 1];
  const rows = x.shape.slice(0, -1).reduce((a, b) => a * b, 1);
  const shape = keepDims ? [...x.shape.slice(0, -1).map(() => 1), cols] : [cols];
  const out = backend.makeOutput(shape, 'float32');
  fmnistSimd(backend).sum_rows_f32(offsetOf(backend, x.dataId), offsetOf(backend, out.dataId), rows, cols);
  return out;
}

export const sumConfig: tf.KernelConfig = {
  kernelName: tf.Sum,
  backendName: 'wasm',
  kernelFunc: sum as unknown as tf.KernelFunc,
};
