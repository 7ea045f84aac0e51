// _FusedMatMul for the wasm backend (a dense layer's forward pass): batch-mat-mul.ts's direct
// SIMD kernel with the bias [N] and relu applied in the kernel (tanh, the reference CNN's, right
// after it); other activations, PReLU and the shapes it does not take go to the upstream XNNPACK
// kernel.
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
  const inKernel = activation === 'linear' || activation === 'relu';
  if (preluActivationWeights || !biasFits || (!inKernel && activation !== 'tanh') || a.dtype !== 'float32' || b.dtype !== 'float32') {
    return runKernel(backend, tf._FusedMatMul, args.inputs as Record<string, tf.TensorInfo>, args.attrs as Record<string, unknown>, true);
  }
  const { aa, bb, temps } = explicit(backend, a, b, attrs.transposeA, attrs.transposeB);
  const bias1 = bias && bias.shape.length !== 1 ? reshapeInfo(backend, bias, [N]) : bias;
  let out = directMatMul(backend, aa, bb, bias1, inKernel ? activation : 'linear');
  if (out && activation === 'tanh') {
    // tanh after the kernel: the fmnist Tanh (tanh.ts), one more pass over the small output
    const pre = out;
    out = runKernel(backend, tf.Tanh, { x: pre });
    disposeInfos(backend, pre);
  }
  if (bias1 && bias1 !== bias) disposeInfos(backend, bias1);
  disposeInfos(backend, ...temps);
  return out ?? runKernel(backend, tf._FusedMatMul, args.inputs as Record<string, tf.TensorInfo>, args.attrs as Record<string, unknown>, true);
}

export const _FusedMatMulConfig: tf.KernelConfig = {
  kernelName: tf._FusedMatMul,
  backendName: 'wasm',
  kernelFunc: fusedMatMul as unknown as tf.KernelFunc,
};
