// Loads the fmnist SIMD module (packages/models/wasm/fmnist-kernels.c) into the wasm backend's
// own linear memory, once per backend instance, so kernels run on tensor data in place.
import { FMNIST_SIMD_WASM_BASE64 } from './fmnist-simd-binary';
import type { WasmBackendLike } from './wasm-kernel-utils';

export interface FmnistSimd {
  tanh_f32(x: number, y: number, n: number): void;
  tanh_grad_f32(y: number, dy: number, dx: number, n: number): void;
  sum_rows_f32(x: number, y: number, rows: number, cols: number): void;
  maxpool_grad_f32(
    x: number, dy: number, dx: number, B: number, H: number, W: number, C: number,
    OH: number, OW: number, fh: number, fw: number, sh: number, sw: number, pt: number, pl: number,
  ): void;
  conv2d_backprop_filter_f32(
    x: number, dy: number, dw: number, B: number, H: number, W: number, Ci: number,
    OH: number, OW: number, Co: number, KH: number, KW: number, sh: number, sw: number,
  ): void;
  conv2d_f32(
    x: number, w: number, bias: number, y: number, wp: number, B: number, H: number, W: number, Ci: number,
    OH: number, OW: number, Co: number, KH: number, KW: number, pt: number, pl: number, act: number,
  ): void;
  conv2d_backprop_input_c1_f32(
    dy: number, wr: number, dx: number, B: number, OH: number, OW: number, Co: number,
    H: number, W: number, KH: number, KW: number, padT: number, padL: number,
  ): void;
  tile4_f32(x: number, out: number, a: number, b: number, c: number, d: number, ra: number, rb: number, rc: number, rd: number): void;
  channel_affine_f32(x: number, s: number, t: number, y: number, rows: number, C: number): void;
  bn_grad_sums_f32(x: number, dy: number, mean: number, out: number, rows: number, C: number): void;
  channel_affine2_f32(x: number, x2: number, a: number, b: number, c: number, y: number, rows: number, C: number): void;
  relu_grad_f32(x: number, dy: number, dx: number, n: number): void;
}

// The project's TypeScript lib has no DOM/WebAssembly typings: the little used here, typed locally.
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
  Memory: abstract new (...args: never[]) => object;
}
const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

let compiled: object | undefined;
const instances = new WeakMap<object, FmnistSimd>();

export function fmnistSimd(backend: WasmBackendLike): FmnistSimd {
  const key = backend.wasm as object;
  const hit = instances.get(key);
  if (hit) return hit;
  const mod = backend.wasm as unknown as { asm?: { memory?: object }; wasmMemory?: object };
  const memory = mod.asm?.memory ?? mod.wasmMemory;
  if (!(memory instanceof WA.Memory)) throw new Error('fmnist kernels: the tfjs wasm backend does not expose its memory');
  compiled ??= new WA.Module(Buffer.from(FMNIST_SIMD_WASM_BASE64, 'base64'));
  const inst = new WA.Instance(compiled, { env: { memory } });
  const api = inst.exports as unknown as FmnistSimd;
  instances.set(key, api);
  return api;
}

/** Byte offset of a tensor's data in the wasm heap. */
export function offsetOf(backend: WasmBackendLike, dataId: object): number {
  const d = backend.dataIdMap.get(dataId);
  if (!d) throw new Error('tensor is not on the wasm backend');
  return d.memoryOffset;
}
