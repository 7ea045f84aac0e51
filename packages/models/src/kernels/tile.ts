// Tile for the wasm backend, up to rank 4 (others: upstream). The upstream kernel walks every
// element through index arithmetic: ~0.8 s to tile a [1,1,1,64] vector to [500,14,14,64] (batch
// norm gradients do exactly that); this copies whole rows in SIMD (fmnist-kernels.c).
import * as tf from '@tensorflow/tfjs';
import { fmnistSimd, offsetOf } from './fmnist-simd';
import { runKernel, type WasmBackendLike } from './wasm-kernel-utils';

function tile(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const { x } = args.inputs as { x: tf.TensorInfo };
  const { reps } = args.attrs as unknown as tf.TileAttrs;
  const r = x.shape.length;
  if (x.dtype !== 'float32' || r > 4 || r === 0 || reps.length !== r) return runKernel(backend, tf.Tile, { x }, args.attrs as Record<string, unknown>, true);
  const shape = [...Array(4 - r).fill(1), ...x.shape];
  const rp = [...Array(4 - r).fill(1), ...reps];
  const out = backend.makeOutput(x.shape.map((s, i) => s * reps[i]), 'float32');
  if (x.shape.some((s) => s === 0) || reps.some((s) => s === 0)) return out;
  fmnistSimd(backend).tile4_f32(offsetOf(backend, x.dataId), offsetOf(backend, out.dataId), shape[0], shape[1], shape[2], shape[3], rp[0], rp[1], rp[2], rp[3]);
  return out;
}

export const tileConfig: tf.KernelConfig = {
  kernelName: tf.Tile,
  backendName: 'wasm',
  kernelFunc: tile as unknown as tf.KernelFunc,
};
