// Identity for the wasm backend without a copy. tfjs clones every tensor a custom gradient saves
// (fused conv2d / matmul save x and y: 40+ MB per training step of the reference CNN); tensors are
// immutable, so the clone can share the data with a reference count, as the upstream Reshape does.
import * as tf from '@tensorflow/tfjs';
import { runKernel, type WasmBackendLike } from './wasm-kernel-utils';

function identity(args: { inputs: tf.NamedTensorInfoMap; backend: unknown }): tf.TensorInfo {
  const backend = args.backend as WasmBackendLike & { incRef?(dataId: object): void };
  const { x } = args.inputs as { x: tf.TensorInfo };
  if (x.dtype === 'string' || typeof backend.incRef !== 'function') return runKernel(backend, tf.Identity, { x }, {}, true);
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
}

export const identityConfig: tf.KernelConfig = {
  kernelName: tf.Identity,
  backendName: 'wasm',
  kernelFunc: identity as unknown as tf.KernelFunc,
};
