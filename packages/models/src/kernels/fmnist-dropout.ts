// FmnistDropout: x times a mulberry32 dropout mask drawn in the kernel (dropout_f32 in
// fmnist-kernels.c), attrs { seed, rate }: the numbers seeded-dropout.ts's dropoutMask draws, so
// the same masks as SeededDropout's JavaScript path, bit for bit, without building a mask tensor
// in JavaScript, uploading it and multiplying. Its gradient (gradients/fmnist-dropout-grad.ts) is
// the same kernel on dy. Registered for wasm; SeededDropout calls it there.
import * as tf from '@tensorflow/tfjs';
import { fmnistSimd, offsetOf } from './fmnist-simd';
import type { WasmBackendLike } from './wasm-kernel-utils';

export const FMNIST_DROPOUT = 'FmnistDropout';

export interface FmnistDropoutAttrs {
  /** mulberry32's seed (a uint32) */
  seed: number;
  /** in [0, 1 - 2^-32] */
  rate: number;
}

/** The kernel's drop threshold on the uint32 draws: u / 2^32 < rate exactly when u < ceil(rate * 2^32). */
export const dropoutCut = (rate: number) => Math.ceil(rate * 4294967296);

/** Whether the kernel takes this rate (its threshold must fit a uint32: rates up to 1 - 2^-32). */
export const kernelTakesRate = (rate: number) => rate >= 0 && dropoutCut(rate) <= 0xffffffff;

function fmnistDropout(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const { x } = args.inputs as { x: tf.TensorInfo };
  const { seed, rate } = args.attrs as unknown as FmnistDropoutAttrs;
  if (x.dtype !== 'float32' || !kernelTakesRate(rate)) throw new Error(`${FMNIST_DROPOUT}: float32 input and a rate in [0, 1 - 2^-32] only, got ${x.dtype} and ${rate}`);
  const out = backend.makeOutput(x.shape, 'float32');
  const n = x.shape.reduce((a, b) => a * b, 1);
  // keep as the JavaScript mask holds it: a float32
  if (n > 0) fmnistSimd(backend).dropout_f32(offsetOf(backend, x.dataId), offsetOf(backend, out.dataId), n, seed >>> 0, dropoutCut(rate), Math.fround(1 / (1 - rate)));
  return out;
}

export const fmnistDropoutConfig: tf.KernelConfig = {
  kernelName: FMNIST_DROPOUT,
  backendName: 'wasm',
  kernelFunc: fmnistDropout as unknown as tf.KernelFunc,
};
