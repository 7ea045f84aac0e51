// BatchMatMul for the wasm backend. Upstream runs XNNPACK only without transposes and a slow
// loop otherwise (dense-layer gradients use transposeA / transposeB: ~10x slower). This
// transposes the operand explicitly (cheap) and calls the upstream kernel's fast path.
import * as tf from '@tensorflow/tfjs';
import { disposeInfos, runKernel, type WasmBackendLike } from './wasm-kernel-utils';

function transposeLast2(backend: WasmBackendLike, t: tf.TensorInfo): tf.TensorInfo {
  const r = t.shape.length;
  const perm = [...Array(r).keys()];
  perm[r - 2] = r - 1;
  perm[r - 1] = r - 2;
  return runKernel(backend, 'Transpose', { x: t }, { perm });
}

function batchMatMul(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const { transposeA, transposeB } = args.attrs as unknown as tf.BatchMatMulAttrs;
  if (!transposeA && !transposeB) return runKernel(backend, tf.BatchMatMul, { a, b }, args.attrs as Record<string, unknown>, true);
  const temps: tf.TensorInfo[] = [];
  const aa = transposeA ? transposeLast2(backend, a) : a;
  const bb = transposeB ? transposeLast2(backend, b) : b;
  if (transposeA) temps.push(aa);
  if (transposeB) temps.push(bb);
  const out = runKernel(backend, tf.BatchMatMul, { a: aa, b: bb }, { transposeA: false, transposeB: false }, true);
  disposeInfos(backend, ...temps);
  return out;
}

export const batchMatMulConfig: tf.KernelConfig = {
  kernelName: tf.BatchMatMul,
  backendName: 'wasm',
  kernelFunc: batchMatMul as unknown as tf.KernelFunc,
};
