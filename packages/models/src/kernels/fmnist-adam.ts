// FmnistAdam: one Adam step of one variable in one SIMD pass (adam_f32 in fmnist-kernels.c)
// instead of tfjs AdamOptimizer's dozen elementwise ops, with the same float32 operations in the
// same order, so the same bits. Inputs value, m, v (first and second moments), gradient; outputs
// [value, m, v] after the step. Attrs: beta1, beta2, epsilon, learningRate and the bias
// corrections 1 - beta1^t, 1 - beta2^t as float32 (as the optimizer holds them). Used by
// optimizer.ts's Adam on wasm.
import * as tf from '@tensorflow/tfjs';
import { fmnistSimd, offsetOf } from './fmnist-simd';
import type { WasmBackendLike } from './wasm-kernel-utils';

export const FMNIST_ADAM = 'FmnistAdam';

export interface FmnistAdamAttrs {
  beta1: number;
  beta2: number;
  epsilon: number;
  learningRate: number;
  oneMinusAccBeta1: number;
  oneMinusAccBeta2: number;
}

function fmnistAdam(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo[] {
  const backend = args.backend as WasmBackendLike;
  const { value, m, v, gradient } = args.inputs as Record<'value' | 'm' | 'v' | 'gradient', tf.TensorInfo>;
  const a = args.attrs as unknown as FmnistAdamAttrs;
  const all = [value, m, v, gradient];
  if (all.some((t) => t.dtype !== 'float32' || !tf.util.arraysEqual(t.shape, value.shape))) {
    throw new Error(`${FMNIST_ADAM}: needs float32 value, moments and gradient of one shape, got ${all.map((t) => `${t.dtype} ${t.shape}`).join(', ')}`);
  }
  const outs = [0, 1, 2].map(() => backend.makeOutput(value.shape, 'float32'));
  const n = value.shape.reduce((p, d) => p * d, 1);
  const f = Math.fround;
  // the scalars as tfjs makes them: float32 tensors of the JavaScript values
  if (n > 0) {
    fmnistSimd(backend).adam_f32(
      ...all.map((t) => offsetOf(backend, t.dataId)) as [number, number, number, number],
      ...outs.map((t) => offsetOf(backend, t.dataId)) as [number, number, number], n,
      f(a.beta1), f(1 - a.beta1), f(a.beta2), f(1 - a.beta2), f(a.oneMinusAccBeta1), f(a.oneMinusAccBeta2), f(a.epsilon), f(-a.learningRate),
    );
  }
  return outs;
}

export const fmnistAdamConfig: tf.KernelConfig = {
  kernelName: FMNIST_ADAM,
  backendName: 'wasm',
  kernelFunc: fmnistAdam as unknown as tf.KernelFunc,
};
