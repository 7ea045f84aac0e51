// Mean for the wasm backend. Over all leading axes (batch-norm moments: [N,H,W,C] over N,H,W) it
// is one SIMD pass (the Sum kernel's sum_rows) and a scale; upstream transposes first (~0.2-0.4 s
// per call at batch 500). Every other reduction goes to the upstream kernel.
import * as tf from '@tensorflow/tfjs';
import { fmnistSimd, offsetOf } from './fmnist-simd';
import { heapF32, runKernel, type WasmBackendLike } from './wasm-kernel-utils';

function mean(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const { x } = args.inputs as { x: tf.TensorInfo };
  const { axis, keepDims } = args.attrs as unknown as tf.MeanAttrs;
  const rank = x.shape.length;
  const axes = tf.util.parseAxisParam(axis, x.shape).sort((a, b) => a - b);
  const leading = rank >= 2 && axes.length === rank - 1 && axes.every((a, i) => a === i);
  const cols = x.shape[rank - 1];
  const rows = x.shape.slice(0, -1).reduce((a, b) => a * b, 1);
  if (!leading || x.dtype !== 'float32' || rows === 0) return runKernel(backend, tf.Mean, { x }, args.attrs as Record<string, unknown>, true);
  const shape = keepDims ? [...x.shape.slice(0, -1).map(() => 1), cols] : [cols];
  const out = backend.makeOutput(shape, 'float32');
  fmnistSimd(backend).sum_rows_f32(offsetOf(backend, x.dataId), offsetOf(backend, out.dataId), rows, cols);
  const v = heapF32(backend, out);
  for (let i = 0; i < cols; i++) v[i] /= rows;
  return out;
}

export const meanConfig: tf.KernelConfig = {
  kernelName: tf.Mean,
  backendName: 'wasm',
  kernelFunc: mean as unknown as tf.KernelFunc,
};
