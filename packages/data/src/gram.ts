import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { gramKernel } from './gram-kernel';
import { GRAM_WASM_BASE64 } from './gram-wasm-binary';
import { gramWasmKernel, type WasmApi, type WasmModule } from './gram-wasm-kernel';
import type { OnProgress, Split } from './types';

/** Variables padded to a multiple of 4; variable 785 is the constant 1 (see gram-kernel.ts). */
export const GRAM_STRIDE = 788;
export const ONES_VARIABLE = 785;
const BLOCKS = GRAM_STRIDE / 4;
/** Rows per panel: the JS kernel's 4 "a" runs stay in L1; the int16 WASM panel (1.6 MB) in L2. */
const PANEL_ROWS = { js: 256, wasm: 1024 } as const;
/** Below this many rows, starting workers costs more than it saves. */
const MIN_ROWS_PER_WORKER = 2000;

/** 'wasm': WebAssembly SIMD (wasm/gram.c); 'js': plain JavaScript. Both give the same bits. */
export type GramKernelName = 'wasm' | 'js';

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

/** The kernel that `auto` picks: WASM SIMD when it compiles here, else JS. */
export function defaultGramKernel(): GramKernelName {
  return gramModule() ? 'wasm' : 'js';
}

function pick(kernel: GramKernelName | undefined): GramKernelName {
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

/** Upper-triangle Gram matrix (GRAM_STRIDE x GRAM_STRIDE) of label, pixels, ones on this thread. */
export function gram(s: Split, o: Omit<GramOptions, 'threads'> = {}): Float64Array {
  const onProgress = o.onProgress;
  const report = onProgress ? (done: number) => onProgress({ done, total: s.n, unit: 'rows', label: 'correlation' }) : undefined;
  return pick(o.kernel) === 'wasm'
    ? gramWasmKernel(gramModule()!, s.images, s.labels, s.n, ALL_BLOCK_ROWS, PANEL_ROWS.wasm, report)
    : gramKernel(s.images, s.labels, s.n, ALL_BLOCK_ROWS, PANEL_ROWS.js, report);
}

const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
var __name = (f) => f;
const gramKernel = ${gramKernel.toString()};
const gramWasmKernel = ${gramWasmKernel.toString()};
const { kernel, module, images, labels, start, n, blockRows, kc } = workerData;
const report = (done) => parentPort.postMessage({ done });
const X = new Uint8Array(images, start * 784, n * 784);
const y = new Uint8Array(labels, start, n);
const G = kernel === 'wasm'
  ? gramWasmKernel(module, X, y, n, new Int32Array(blockRows), kc, report)
  : gramKernel(X, y, n, new Int32Array(blockRows), kc, report);
parentPort.postMessage(G, [G.buffer]);
`;

/**
 * The same Gram matrix computed by `threads` worker threads (default: all cores), each over an
 * even share of the rows, summed: every entry is an integer, so the sum is exact in any order
 * and the bits do not depend on the thread count. (Splitting the rows, not the blocks, packs
 * each row once instead of once per thread.) The images are shared, not copied per worker.
 */
export async function gramParallel(s: Split, o: GramOptions = {}): Promise<Float64Array> {
  const kernel = pick(o.kernel);
  const threads = Math.max(1, Math.min(o.threads ?? availableParallelism(), Math.floor(s.n / MIN_ROWS_PER_WORKER)));
  if (threads <= 1) return gram(s, o);
  const rowsDone = new Array<number>(threads).fill(0);
  const shared = (src: Uint8Array) => {
    const sab = new SharedArrayBuffer(src.length);
    new Uint8Array(sab).set(src);
    return sab;
  };
  const images = shared(s.images.subarray(0, s.n * 784));
  const labels = shared(s.labels.subarray(0, s.n));
  const parts = await Promise.all(
    Array.from({ length: threads }, (_, w) =>
      new Promise<Float64Array>((resolve, reject) => {
        const start = Math.floor((s.n * w) / threads);
        const blockBuffer = ALL_BLOCK_ROWS.slice().buffer as ArrayBuffer;
        const worker = new Worker(workerSource, {
          eval: true,
          workerData: {
            kernel,
            module: kernel === 'wasm' ? gramModule() : null,
            images,
            labels,
            start,
            n: Math.floor((s.n * (w + 1)) / threads) - start,
            blockRows: blockBuffer,
            kc: PANEL_ROWS[kernel],
          },
          transferList: [blockBuffer],
        });
        worker.on('message', (m: Float64Array | { done: number }) => {
          if (m instanceof Float64Array) {
            resolve(m);
            void worker.terminate();
            return;
          }
          rowsDone[w] = m.done;
          o.onProgress?.({ done: rowsDone.reduce((a, b) => a + b, 0), total: s.n, unit: 'rows', label: 'correlation' });
        });
        worker.once('error', reject);
        worker.once('exit', (code) => {
          if (code !== 0) reject(new Error(`correlation worker exited with code ${code}`));
        });
      }),
    ),
  );
  const G = parts[0];
  for (let p = 1; p < parts.length; p++) {
    const q = parts[p];
    for (let i = 0; i < G.length; i++) G[i] += q[i];
  }
  return G;
}
