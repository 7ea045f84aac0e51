// FusedConv2D for the wasm backend: conv2d.ts's direct SIMD convolution with the bias [Co] and
// relu applied in the kernel; other activations, PReLU and the shapes it does not take go to the
// upstream XNNPACK kernel.
import * as tf from '@tensorflow/tfjs';
import { directConv2D } from './conv2d';
import { runKernel, type WasmBackendLike } from './wasm-kernel-utils';

function fusedConv2D(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const { x, filter, bias, preluActivationWeights } = args.inputs as Record<string, tf.TensorInfo | undefined>;
  const attrs = args.attrs as unknown as tf.FusedConv2DAttrs;
  const direct = preluActivationWeights ? undefined : directConv2D(backend, x!, filter!, bias, attrs, attrs.activation ?? 'linear');
  return direct ?? runKernel(backend, tf.FusedConv2D, args.inputs as Record<string, tf.TensorInfo>, args.attrs as Record<string, unknown>, true);
}

export const fusedConv2DConfig: tf.KernelConfig = {
  kernelName: tf.FusedConv2D,
  backendName: 'wasm',
  kernelFunc: fusedConv2D as unknown as tf.KernelFunc,
};
