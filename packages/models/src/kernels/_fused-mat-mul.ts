// _FusedMatMul for the wasm backend (a dense layer's forward pass): batch-mat-mul.ts's direct
// SIMD kernel with the bias [N] and relu applied in the kernel; other activations, PReLU and the
// shapes it does not take go to the upstream XNNPACK kernel.
import * as tf from '@tensorflow/tfjs';
import { directMatMul, explicit } from './batch-mat-mul';
import { disposeInfos, reshapeInfo, runKernel, type WasmBackendLike } from './wasm-kernel-utils';

function fusedMatMul(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const { a, b, bias, preluActivationWeights } = args.inputs as Record<string, tf.TensorInfo | undefined> & { a: tf.TensorInfo; b: tf.TensorInfo };
  const attrs = args.attrs as unknown as { transposeA: boolean; transposeB: boolean; activation?: string };
  const activation = attrs.activation ?? 'linear';
  // bias: one value per output column only (a broadcast [1, N] is the same data)
  const N = b.shape[attrs.transposeB ? b.shape.length - 2 : b.shape.length - 1];
  const biasFits = bias === undefined || (bias.dtype === 'float32' && bias.shape.reduce((p, d) => p * d, 1) === N && bias.shape[bias.shape.length - 1] === N);
  if (preluActivationWeights || !biasFits || (activation !== 'linear' && activation !== 'relu') || a.dtype !== 'float32' || b.dtype !== 'float32') {
    return runKernel(backend, tf._FusedMatMul, args.inputs as Record<string, tf.TensorInfo>, args.attrs as Record<string, unknown>, true);
  }
  const { aa, bb, temps } = explicit(backend, a, b, attrs.transposeA, attrs.transposeB);
  const bias1 = bias && bias.shape.length !== 1 ? reshapeInfo(backend, bias, [N]) : bias;
  const out = directMatMul(backend, aa, bb, bias1, activation);
  if (bias1 && bias1 !== bias) disposeInfos(backend, bias1);
  disposeInfos(backend, ...temps);
  return out ?? runKernel(backend, tf._FusedMatMul, args.inputs as Record<string, tf.TensorInfo>, args.attrs as Record<string, unknown>, true);
}

export const _FusedMatMulConfig: tf.KernelConfig = {
  kernelName: tf._FusedMatMul,
  backendName: 'wasm',
  kernelFunc: fusedMatMul as unknown as tf.KernelFunc,
};
