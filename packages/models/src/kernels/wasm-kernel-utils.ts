// Helpers shared by the fmnist WASM kernels: run another wasm kernel on TensorInfos, free
// intermediates, and view a tensor's float32 data in the wasm heap without copying.
import * as tf from '@tensorflow/tfjs';

export interface WasmModuleLike {
  HEAPF32: Float32Array;
  HEAPU8: Uint8Array;
  _malloc(n: number): number;
  _free(p: number): void;
}
export interface WasmBackendLike {
  wasm: WasmModuleLike;
  dataIdMap: { get(dataId: object): { id: number; memoryOffset: number; shape: number[]; dtype: string } | undefined };
  makeOutput(shape: number[], dtype: tf.DataType, memoryOffset?: number): tf.TensorInfo;
  disposeData(dataId: object, force?: boolean): boolean;
}

/** The upstream kernels a replacement was registered over (so it can fall back to them). */
export const upstreamKernels = new Map<string, tf.KernelConfig>();

/** Runs the kernel currently registered (or the upstream one when `upstream`) for `wasm`. */
export function runKernel(
  backend: WasmBackendLike,
  name: string,
  inputs: Record<string, tf.TensorInfo>,
  attrs: Record<string, unknown> = {},
  upstream = false,
): tf.TensorInfo {
  const k = upstream ? (upstreamKernels.get(name) ?? tf.getKernel(name, 'wasm')) : tf.getKernel(name, 'wasm');
  if (!k) throw new Error(`wasm kernel ${name} is not registered`);
  const out = k.kernelFunc({ inputs, backend: backend as unknown as tf.KernelBackend, attrs: attrs as tf.NamedAttrMap });
  if (Array.isArray(out)) throw new Error(`wasm kernel ${name} returned several outputs`);
  return out;
}

export function disposeInfos(backend: WasmBackendLike, ...infos: tf.TensorInfo[]): void {
  for (const t of infos) backend.disposeData(t.dataId);
}

/** Float32 view of a tensor's data in the wasm heap (valid until the heap grows). */
export function heapF32(backend: WasmBackendLike, t: tf.TensorInfo): Float32Array {
  const d = backend.dataIdMap.get(t.dataId);
  if (!d) throw new Error('tensor is not on the wasm backend');
  const size = t.shape.reduce((a, b) => a * b, 1);
  return backend.wasm.HEAPF32.subarray(d.memoryOffset >> 2, (d.memoryOffset >> 2) + size);
}

export function reshapeInfo(backend: WasmBackendLike, x: tf.TensorInfo, shape: number[]): tf.TensorInfo {
  return runKernel(backend, 'Reshape', { x }, { shape });
}
