// Cast for the wasm backend: a cast to the tensor's own dtype (relu gradients cast float32 step
// masks to float32) shares the data instead of copying it; every other cast goes upstream.
import * as tf from '@tensorflow/tfjs';
import { runKernel, type WasmBackendLike } from './wasm-kernel-utils';

function cast(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const backend = args.backend as WasmBackendLike & { incRef?(dataId: object): void };
  const { x } = args.inputs as { x: tf.TensorInfo };
  const { dtype } = args.attrs as unknown as tf.CastAttrs;
  if (dtype !== x.dtype || x.dtype === 'string' || typeof backend.incRef !== 'function') {
    return runKernel(backend, tf.Cast, { x }, args.attrs as Record<string, unknown>, true);
  }
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
}

export const castConfig: tf.KernelConfig = {
  kernelName: tf.Cast,
  backendName: 'wasm',
  kernelFunc: cast as unknown as tf.KernelFunc,
};
