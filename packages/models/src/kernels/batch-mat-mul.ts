// BatchMatMul for the wasm backend (the dense layers' gradients; their forward pass is
// _FusedMatMul, _fused-mat-mul.ts, on the same kernel). A product of one [M, K] and one [K, N] matrix with N % 4 == 0 runs as conv2d.ts's
// direct SIMD convolution with a 1x1 filter over a 1 x M "image" of K channels: its 2-row x
// 16-column register tile with fused multiply-adds ran the strong CNN's dense layer (M = 125,
// K = 3136, N = 256) at 1.5x (forward), 2.5x (input gradient) and 1.7x (weight gradient)
// XNNPACK's speed. Transposed operands are transposed explicitly first (cheap next to the
// product). Everything else (batches of several matrices, N % 4 != 0, other activations) goes
// to the upstream kernel, which runs XNNPACK only without transposes (and a slow loop
// otherwise): the transposes are made explicit for it too.
import * as tf from '@tensorflow/tfjs';
import { directConv2D } from './conv2d';
import { disposeInfos, reshapeInfo, runKernel, type WasmBackendLike } from './wasm-kernel-utils';

function transposeLast2(backend: WasmBackendLike, t: tf.TensorInfo): tf.TensorInfo {
  const r = t.shape.length;
  const perm = [...Array(r).keys()];
  perm[r - 2] = r - 1;
  perm[r - 1] = r - 2;
  return runKernel(backend, 'Transpose', { x: t }, { perm });
}

/** a and b with their transposes applied ([.., M, K], [.., K, N]), and the temporaries that made them. */
export function explicit(backend: WasmBackendLike, a: tf.TensorInfo, b: tf.TensorInfo, transposeA: boolean, transposeB: boolean) {
  const aa = transposeA ? transposeLast2(backend, a) : a;
  const bb = transposeB ? transposeLast2(backend, b) : b;
  return { aa, bb, temps: [...(transposeA ? [aa] : []), ...(transposeB ? [bb] : [])] };
}

/** [.., M, K] x [.., K, N] (+ bias [N], relu) by the direct convolution when both are one matrix (leading dims all 1), else undefined. */
export function directMatMul(
  backend: WasmBackendLike, a: tf.TensorInfo, b: tf.TensorInfo, bias: tf.TensorInfo | undefined, activation: string,
): tf.TensorInfo | undefined {
  const leadA = a.shape.slice(0, -2);
  const leadB = b.shape.slice(0, -2);
  if (a.shape.length < 2 || b.shape.length < 2 || [...leadA, ...leadB].some((d) => d !== 1)) return undefined;
  const [M, K] = a.shape.slice(-2);
  const N = b.shape[b.shape.length - 1];
  if (b.shape[b.shape.length - 2] !== K || N % 4 !== 0) return undefined;
  const x = reshapeInfo(backend, a, [1, 1, M, K]);
  const filter = reshapeInfo(backend, b, [1, 1, K, N]);
  const attrs = { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: [1, 1] } as unknown as tf.Conv2DAttrs;
  const y = directConv2D(backend, x, filter, bias, attrs, activation);
  disposeInfos(backend, x, filter);
  if (!y) return undefined;
  // the upstream kernel's output shape: the longer operand's leading dims, then [M, N]
  const out = reshapeInfo(backend, y, [...(leadA.length >= leadB.length ? leadA : leadB), M, N]);
  disposeInfos(backend, y);
  return out;
}

function batchMatMul(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const { transposeA, transposeB } = args.attrs as unknown as tf.BatchMatMulAttrs;
  const { aa, bb, temps } = explicit(backend, a, b, transposeA, transposeB);
  const out = directMatMul(backend, aa, bb, undefined, 'linear')
    ?? runKernel(backend, tf.BatchMatMul, { a: aa, b: bb }, { transposeA: false, transposeB: false }, true);
  disposeInfos(backend, ...temps);
  return out;
}

export const batchMatMulConfig: tf.KernelConfig = {
  kernelName: tf.BatchMatMul,
  backendName: 'wasm',
  kernelFunc: batchMatMul as unknown as tf.KernelFunc,
};
