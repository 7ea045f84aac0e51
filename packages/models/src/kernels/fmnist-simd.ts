// Loads the fmnist SIMD module (packages/models/wasm/fmnist-kernels.c) into the wasm backend's
// own linear memory, once per backend instance, so kernels run on tensor data in place.
//
// Two builds of the same source: with relaxed SIMD's fused multiply-add in the convolution tiles
// (1.2-1.3x on them) where the engine takes it, else plain SIMD. Node 20's V8 (11.3) implements
// relaxed SIMD behind --experimental-wasm-relaxed-simd (on by default from V8 11.4, Node 22): the
// flag is set at run time when validation needs it, which only widens what later compilations
// accept. Every thread of a process loads the same build, so results stay independent of the
// thread count; fused and unfused multiply-adds round differently (both within float32 tolerance).
import v8 from 'node:v8';
import { FMNIST_SIMD_WASM_BASE64 } from './fmnist-simd-binary';
import { FMNIST_SIMD_RELAXED_WASM_BASE64 } from './fmnist-simd-relaxed-binary';
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
  conv2d_wino_f32(
    x: number, w: number, bias: number, y: number, ws: number, B: number, H: number, W: number, Ci: number,
    OH: number, OW: number, Co: number, pt: number, pl: number, act: number,
  ): void;
  conv2d_backprop_filter_wino_f32(
    x: number, dy: number, dw: number, ws: number, B: number, H: number, W: number, Ci: number,
    OH: number, OW: number, Co: number, pt: number, pl: number,
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
  adam_f32(
    w: number, m: number, v: number, g: number, w2: number, m2: number, v2: number, n: number,
    b1: number, c1: number, b2: number, c2: number, d1: number, d2: number, eps: number, nlr: number,
  ): void;
  bn_stats_f32(x: number, out: number, rows: number, C: number): void;
  dropout_f32(x: number, y: number, n: number, seed: number, cut: number, keep: number): void;
}

/**
 * The Winograd kernels' block layout (WINO_TB, WINO_TBF and WINO_PAD in fmnist-kernels.c) and the
 * input channels from which the 3x3 layers use them: 8 or more, a multiple of 4 (the CNNs' first
 * layer, with one, stays on the direct kernels; 4 is unmeasured).
 */
export const WINOGRAD = { tiles: 16, filterTiles: 32, pad: 16, minChannels: 8 } as const;

/** Whether a 3x3, stride-1 layer with `Ci` input channels goes to the Winograd kernels. */
export function winogradApplies(Ci: number): boolean {
  return Ci % 4 === 0 && Ci >= WINOGRAD.minChannels;
}

/** Floats of conv2d_wino_f32's scratch: the transformed filter, then a block's patches and products. */
export function winoScratch(Ci: number, Co: number): number {
  return 16 * Ci * Co + 16 * (WINOGRAD.tiles * (Ci + Co) + 2 * WINOGRAD.pad);
}

/** Floats of conv2d_backprop_filter_wino_f32's scratch: the 16 sums, then a block's input and dy transforms. */
export function winoFilterScratch(Ci: number, Co: number): number {
  return 16 * Ci * Co + 16 * (WINOGRAD.filterTiles * (Ci + Co) + 2 * WINOGRAD.pad);
}

// The project's TypeScript lib has no DOM/WebAssembly typings: the little used here, typed locally.
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
  Memory: abstract new (...args: never[]) => object;
}
const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** Test/benchmark switch: false loads the plain SIMD build even where relaxed SIMD runs. */
export const fmnistSimdOptions = { relaxed: true };

const compiled = new Map<boolean, object>();
/** Per backend heap, per build (relaxed or not). */
const instances = new WeakMap<object, Map<boolean, FmnistSimd>>();
let relaxedRuns: boolean | undefined;

/** Whether this engine runs the relaxed-SIMD build (enabling V8's flag for it when that is what it takes). */
export function relaxedSimdAvailable(): boolean {
  if (relaxedRuns === undefined) {
    const bytes = Buffer.from(FMNIST_SIMD_RELAXED_WASM_BASE64, 'base64');
    relaxedRuns = WA.validate(bytes);
    if (!relaxedRuns && v8.setFlagsFromString) {
      v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
      relaxedRuns = WA.validate(bytes);
    }
  }
  return relaxedRuns;
}

export function fmnistSimd(backend: WasmBackendLike): FmnistSimd {
  const relaxed = fmnistSimdOptions.relaxed && relaxedSimdAvailable();
  const key = backend.wasm as object;
  let builds = instances.get(key);
  const hit = builds?.get(relaxed);
  if (hit) return hit;
  const mod = backend.wasm as unknown as { asm?: { memory?: object }; wasmMemory?: object };
  const memory = mod.asm?.memory ?? mod.wasmMemory;
  if (!(memory instanceof WA.Memory)) throw new Error('fmnist kernels: the tfjs wasm backend does not expose its memory');
  let module = compiled.get(relaxed);
  if (!module) {
    module = new WA.Module(Buffer.from(relaxed ? FMNIST_SIMD_RELAXED_WASM_BASE64 : FMNIST_SIMD_WASM_BASE64, 'base64'));
    compiled.set(relaxed, module);
  }
  const api = new WA.Instance(module, { env: { memory } }).exports as unknown as FmnistSimd;
  if (!builds) instances.set(key, (builds = new Map()));
  builds.set(relaxed, api);
  return api;
}

/** Byte offset of a tensor's data in the wasm heap. */
export function offsetOf(backend: WasmBackendLike, dataId: object): number {
  const d = backend.dataIdMap.get(dataId);
  if (!d) throw new Error('tensor is not on the wasm backend');
  return d.memoryOffset;
}
