import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { gramKernel } from './gram-kernel';
import { gramOnnx } from './gram-onnx';
import { GRAM_WASM_BASE64 } from './gram-wasm-binary';
import { gramWasmKernel, type GramPanels, type WasmApi, type WasmModule } from './gram-wasm-kernel';
import type { OnProgress, Split } from './types';

/** Variables padded to a multiple of 4; variable 785 is the constant 1 (see gram-kernel.ts). */
export const GRAM_STRIDE = 788;
export const ONES_VARIABLE = 785;
const BLOCKS = GRAM_STRIDE / 4;
/** Rows per panel: the JS kernel's 4 "a" runs stay in L1; the int16 WASM panel (1.6 MB) in L2. */
const PANEL_ROWS = { js: 256, wasm: 1024 } as const;
/** Below this many rows, starting workers costs more than it saves. */
const MIN_ROWS_PER_WORKER = 2000;

/**
 * 'onnxruntime': one int8 MatMulInteger on onnxruntime-node (gram-onnx.ts; pearsonParallel only,
 * where the native module loads and the CPU has VNNI); 'wasm': WebAssembly SIMD (wasm/gram.c);
 * 'js': plain JavaScript. All give the same bits.
 */
export type GramKernelName = 'onnxruntime' | 'wasm' | 'js';

let wasmModule: WasmModule | null | undefined;
/** The compiled SIMD module, or null where WebAssembly SIMD is unavailable. */
function gramModule(): WasmModule | null {
  if (wasmModule === undefined) {
    try {
      const wa = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
      wasmModule = new wa.Module(Buffer.from(GRAM_WASM_BASE64, 'base64'));
    } catch {
      wasmModule = null;
    }
  }
  return wasmModule;
}

/** The kernel that `auto` picks on this thread: WASM SIMD when it compiles here, else JS. */
export function defaultGramKernel(): 'wasm' | 'js' {
  return gramModule() ? 'wasm' : 'js';
}

function pick(kernel: GramKernelName | undefined): 'wasm' | 'js' {
  if (kernel === 'onnxruntime') throw new Error('the onnxruntime kernel runs only in pearsonParallel / gramParallel');
  const k = kernel ?? defaultGramKernel();
  if (k === 'wasm' && !gramModule()) throw new Error('WebAssembly SIMD is not available in this runtime; use the js kernel');
  return k;
}

/** Every block row of the upper triangle: each thread computes the whole triangle over its rows. */
const ALL_BLOCK_ROWS = Int32Array.from({ length: BLOCKS }, (_, b) => b);

export interface GramOptions {
  threads?: number;
  kernel?: GramKernelName;
  onProgress?: OnProgress;
}

function panels(kernel: 'wasm' | 'js', images: Uint8Array, labels: Uint8Array, n: number): GramPanels {
  return kernel === 'wasm'
    ? gramWasmKernel(gramModule()!, images, labels, n, ALL_BLOCK_ROWS, PANEL_ROWS.wasm)
    : gramKernel(images, labels, n, ALL_BLOCK_ROWS, PANEL_ROWS.js);
}

/** Upper-triangle Gram matrix (GRAM_STRIDE x GRAM_STRIDE) of label, pixels, ones on this thread. */
export function gram(s: Split, o: Omit<GramOptions, 'threads'> = {}): Float64Array {
  const kernel = pick(o.kernel);
  const k = panels(kernel, s.images, s.labels, s.n);
  for (let r0 = 0; r0 < s.n; r0 += PANEL_ROWS[kernel]) {
    k.panel(r0);
    o.onProgress?.({ done: Math.min(s.n, r0 + PANEL_ROWS[kernel]), total: s.n, unit: 'rows', label: 'correlation' });
  }
  return k.result();
}

// A worker takes panels from the shared counter until none is left, then sends its Gram matrix.
// counter[0]: the next panel; counter[1]: rows done by everyone (progress); counter[2 + w]:
// worker w's state, 0 until it starts, then 1, or -1 when the main thread finished every panel
// first and the worker has nothing to do (it sends null).
const workerSource = `
const { parentPort } = require('node:worker_threads');
var __name = (f) => f;
const gramKernel = ${gramKernel.toString()};
const gramWasmKernel = ${gramWasmKernel.toString()};
parentPort.once('message', ({ kernel, module, images, labels, n, blockRows, kc, counter, w }) => {
  const c = new Int32Array(counter);
  if (Atomics.compareExchange(c, 2 + w, 0, 1) !== 0) return parentPort.postMessage(null);
  const X = new Uint8Array(images);
  const y = new Uint8Array(labels);
  const k = kernel === 'wasm' ? gramWasmKernel(module, X, y, n, new Int32Array(blockRows), kc) : gramKernel(X, y, n, new Int32Array(blockRows), kc);
  for (let p = Atomics.add(c, 0, 1); p * kc < n; p = Atomics.add(c, 0, 1)) {
    k.panel(p * kc);
    parentPort.postMessage({ done: Atomics.add(c, 1, Math.min(kc, n - p * kc)) + Math.min(kc, n - p * kc) });
  }
  const G = k.result();
  parentPort.postMessage(G, [G.buffer]);
});
`;

/**
 * The same Gram matrix on onnxruntime (gram-onnx.ts) where it runs, unless another kernel is
 * named; else computed by `threads` threads (default: all cores): this one and
 * threads - 1 workers take panels of rows from a shared counter (so a worker that starts late or
 * runs on a busy core takes fewer), each packing only its panels into its own Gram matrix, and
 * the matrices are summed. Every entry is an integer, so the sum is exact and the bits do not
 * depend on who took which panel. The images are shared with the workers, not copied per worker.
 */
export async function gramParallel(s: Split, o: GramOptions = {}): Promise<Float64Array> {
  // by default, onnxruntime where it runs (about twice the wasm kernel), else the threads below
  if (o.kernel === undefined || o.kernel === 'onnxruntime') {
    let G: Float64Array | null;
    try {
      G = await gramOnnx(s, { threads: o.threads });
    } catch (e) {
      if (o.kernel === 'onnxruntime') throw e;
      G = null; // a native failure mid-run: the wasm kernel computes the same bits
    }
    if (G) {
      o.onProgress?.({ done: s.n, total: s.n, unit: 'rows', label: 'correlation' });
      return G;
    }
    if (o.kernel === 'onnxruntime') {
      throw new Error('the onnxruntime correlation kernel cannot run here: onnxruntime-node is not installed or fails to load, FMNIST_ONNXRUNTIME=0, or the CPU lacks the VNNI instructions its exact int8 sums need');
    }
  }
  const kernel = pick(o.kernel);
  const threads = Math.max(1, Math.min(o.threads ?? availableParallelism(), Math.floor(s.n / MIN_ROWS_PER_WORKER)));
  if (threads <= 1) return gram(s, o);
  const kc = PANEL_ROWS[kernel];
  // the workers start up while the pixels are copied to shared memory and this thread computes
  const workers = Array.from({ length: threads - 1 }, () => new Worker(workerSource, { eval: true }));
  const counter = new Int32Array(new SharedArrayBuffer(4 * (2 + workers.length)));
  let failure: Error | undefined;
  try {
    // the threads' reports arrive out of order: only a larger count is shown
    let shown = 0;
    const progress = (done: number) => {
      if (done <= shown) return;
      shown = done;
      o.onProgress?.({ done, total: s.n, unit: 'rows', label: 'correlation' });
    };
    const parts = workers.map(
      (worker) =>
        new Promise<Float64Array | null>((resolve, reject) => {
          worker.on('message', (m: Float64Array | null | { done: number }) => {
            if (m === null || m instanceof Float64Array) resolve(m);
            else progress(m.done);
          });
          worker.once('error', reject);
          worker.once('exit', (code) => reject(new Error(`correlation worker exited with code ${code} before it finished`)));
        }),
    );
    for (const p of parts) p.catch((e: Error) => (failure ??= e));
    const shared = (src: Uint8Array) => {
      const sab = new SharedArrayBuffer(src.length);
      new Uint8Array(sab).set(src);
      return sab;
    };
    const data = {
      kernel,
      module: kernel === 'wasm' ? gramModule() : null,
      images: shared(s.images.subarray(0, s.n * 784)),
      labels: shared(s.labels.subarray(0, s.n)),
      n: s.n,
      blockRows: ALL_BLOCK_ROWS.buffer,
      kc,
      counter: counter.buffer,
    };
    workers.forEach((worker, w) => worker.postMessage({ ...data, w }));
    const own = panels(kernel, s.images, s.labels, s.n);
    for (let p = Atomics.add(counter, 0, 1); p * kc < s.n && !failure; p = Atomics.add(counter, 0, 1)) {
      own.panel(p * kc);
      progress(Atomics.add(counter, 1, Math.min(kc, s.n - p * kc)) + Math.min(kc, s.n - p * kc));
      // let the workers' messages (an error, a result) in between panels
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    const G = own.result();
    // a worker still starting up when the panels ran out is not waited for
    const busy = parts.filter((_, w) => Atomics.compareExchange(counter, 2 + w, 0, -1) === 1);
    for (const q of await Promise.all(busy)) {
      if (q) for (let i = 0; i < G.length; i++) G[i] += q[i];
    }
    if (failure) throw failure; // a worker that died before it took a panel
    return G;
  } finally {
    for (const w of workers) void w.terminate();
  }
}
