// FmnistChannelAffine2: y = x * a[c] + x2 * b[c] + c[c] for x, x2 of one shape [..., C] and
// per-channel a, b, c, in one SIMD pass (fmnist-kernels.c). The input gradient of the fast
// training-mode batch norm (fast-batch-norm.ts) is exactly this with x = dy and x2 = the input.
import * as tf from '@tensorflow/tfjs';
import { fmnistSimd, offsetOf } from './fmnist-simd';
import type { WasmBackendLike } from './wasm-kernel-utils';

export const FMNIST_CHANNEL_AFFINE2 = 'FmnistChannelAffine2';

function channelAffine2(args: { inputs: tf.NamedTensorInfoMap; backend: unknown }): tf.TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const { x, x2, a, b, c } = args.inputs as Record<'x' | 'x2' | 'a' | 'b' | 'c', tf.TensorInfo>;
  const C = x.shape[x.shape.length - 1];
  const perChannel = (t: tf.TensorInfo) => t.dtype === 'float32' && t.shape.reduce((p, q) => p * q, 1) === C;
  if (x.dtype !== 'float32' || x2.dtype !== 'float32' || !tf.util.arraysEqual(x.shape, x2.shape) || ![a, b, c].every(perChannel)) {
    throw new Error(`${FMNIST_CHANNEL_AFFINE2}: needs float32 x and x2 of one shape [..., C] and per-channel a, b, c; got ${x.shape}, ${x2.shape}, ${a.shape}, ${b.shape}, ${c.shape}`);
  }
  const out = backend.makeOutput(x.shape, 'float32');
  const rows = x.shape.slice(0, -1).reduce((p, q) => p * q, 1);
  if (rows > 0 && C > 0) {
    fmnistSimd(backend).channel_affine2_f32(
      offsetOf(backend, x.dataId), offsetOf(backend, x2.dataId), offsetOf(backend, a.dataId), offsetOf(backend, b.dataId), offsetOf(backend, c.dataId), offsetOf(backend, out.dataId), rows, C,
    );
  }
  return out;
}

export const fmnistChannelAffine2Config: tf.KernelConfig = {
  kernelName: FMNIST_CHANNEL_AFFINE2,
  backendName: 'wasm',
  kernelFunc: channelAffine2 as unknown as tf.KernelFunc,
};
