// FusedBatchNorm for the wasm backend when mean, variance, offset and scale are per-channel
// vectors (batch-norm layers): scale and shift are folded per channel, then one SIMD pass
// y = x * s[c] + t[c] (fmnist-kernels.c). Other shapes go to the upstream kernel.
import * as tf from '@tensorflow/tfjs';
import { fmnistSimd, offsetOf } from './fmnist-simd';
import { disposeInfos, heapF32, runKernel, type WasmBackendLike } from './wasm-kernel-utils';

function fusedBatchNorm(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const { x, mean, variance, offset, scale } = args.inputs as Record<string, tf.TensorInfo | undefined> & { x: tf.TensorInfo; mean: tf.TensorInfo; variance: tf.TensorInfo };
  const { varianceEpsilon } = args.attrs as unknown as tf.FusedBatchNormAttrs;
  const C = x.shape[x.shape.length - 1];
  const perChannel = (t: tf.TensorInfo | undefined) =>
    t === undefined || (t.dtype === 'float32' && t.shape.length >= 1 && t.shape[t.shape.length - 1] === C && t.shape.reduce((a, b) => a * b, 1) === C);
  if (x.dtype !== 'float32' || x.shape.length < 1 || ![mean, variance, offset, scale].every(perChannel)) {
    return runKernel(backend, tf.FusedBatchNorm, args.inputs as Record<string, tf.TensorInfo>, args.attrs as Record<string, unknown>, true);
  }
  const s = backend.makeOutput([C], 'float32');
  const t = backend.makeOutput([C], 'float32');
  const out = backend.makeOutput(x.shape, 'float32');
  const rows = x.shape.slice(0, -1).reduce((a, b) => a * b, 1);
  if (rows > 0 && C > 0) {
    const m = heapF32(backend, mean);
    const v = heapF32(backend, variance);
    const o = offset ? heapF32(backend, offset) : undefined;
    const g = scale ? heapF32(backend, scale) : undefined;
    const sv = heapF32(backend, s);
    const tv = heapF32(backend, t);
    for (let c = 0; c < C; c++) {
      const k = (g ? g[c] : 1) / Math.sqrt(v[c] + varianceEpsilon);
      sv[c] = k;
      tv[c] = (o ? o[c] : 0) - m[c] * k;
    }
    fmnistSimd(backend).channel_affine_f32(offsetOf(backend, x.dataId), offsetOf(backend, s.dataId), offsetOf(backend, t.dataId), offsetOf(backend, out.dataId), rows, C);
  }
  disposeInfos(backend, s, t);
  return out;
}

export const fusedBatchNormConfig: tf.KernelConfig = {
  kernelName: tf.FusedBatchNorm,
  backendName: 'wasm',
  kernelFunc: fusedBatchNorm as unknown as tf.KernelFunc,
};
