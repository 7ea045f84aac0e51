import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { gramKernel } from './gram-kernel.js';
import type { OnProgress, Split } from './types.js';

/** Variables padded to a multiple of 4; variable 785 is the constant 1 (see gram-kernel.ts). */
export const GRAM_STRIDE = 788;
export const ONES_VARIABLE = 785;
const BLOCKS = GRAM_STRIDE / 4;
const PANEL_ROWS = 256;
/** Below this many rows, starting workers costs more than it saves. */
const MIN_ROWS_PER_WORKER = 2000;

/** Block rows of the upper triangle for worker w of t, zig-zag so the work is even. */
function blockRowsFor(w: number, t: number): Int32Array {
  const out: number[] = [];
  for (let b = 0; b < BLOCKS; b++) {
    const m = b % (2 * t);
    if (m === w || m === 2 * t - 1 - w) out.push(b);
  }
  return Int32Array.from(out);
}

/** Upper-triangle Gram matrix (GRAM_STRIDE x GRAM_STRIDE) of label, pixels, ones on this thread. */
export function gram(s: Split, onProgress?: OnProgress): Float64Array {
  const report = onProgress ? (done: number) => onProgress({ done, total: s.n, unit: 'rows', label: 'correlation' }) : undefined;
  return gramKernel(s.images, s.labels, s.n, blockRowsFor(0, 1), PANEL_ROWS, report);
}

const workerSource = (kernel: string) => `
const { parentPort, workerData } = require('node:worker_threads');
var __name = (f) => f;
const gramKernel = ${kernel};
const { images, labels, n, blockRows, kc } = workerData;
const G = gramKernel(new Uint8Array(images), new Uint8Array(labels), n, new Int32Array(blockRows), kc,
  (done) => parentPort.postMessage({ done }));
parentPort.postMessage(G, [G.buffer]);
`;

/**
 * The same Gram matrix computed by `threads` worker threads (default: all cores), each taking
 * an even share of the upper-triangle blocks; the images are shared, not copied per worker.
 */
export async function gramParallel(s: Split, o: { threads?: number; onProgress?: OnProgress } = {}): Promise<Float64Array> {
  const threads = Math.max(1, Math.min(o.threads ?? availableParallelism(), Math.floor(s.n / MIN_ROWS_PER_WORKER)));
  if (threads <= 1) return gram(s, o.onProgress);
  // progress: the slowest worker's rows (they move in step, each over all rows)
  const rowsDone = new Array<number>(threads).fill(0);
  const shared = (src: Uint8Array) => {
    const sab = new SharedArrayBuffer(src.length);
    new Uint8Array(sab).set(src);
    return sab;
  };
  const images = shared(s.images.subarray(0, s.n * 784));
  const labels = shared(s.labels.subarray(0, s.n));
  const source = workerSource(gramKernel.toString());
  const parts = await Promise.all(
    Array.from({ length: threads }, (_, w) =>
      new Promise<Float64Array>((resolve, reject) => {
        const blockRows = blockRowsFor(w, threads);
        const blockBuffer = blockRows.buffer as ArrayBuffer;
        const worker = new Worker(source, {
          eval: true,
          workerData: { images, labels, n: s.n, blockRows: blockBuffer, kc: PANEL_ROWS },
          transferList: [blockBuffer],
        });
        worker.on('message', (m: Float64Array | { done: number }) => {
          if (m instanceof Float64Array) {
            resolve(m);
            void worker.terminate();
            return;
          }
          rowsDone[w] = m.done;
          o.onProgress?.({ done: Math.min(...rowsDone), total: s.n, unit: 'rows', label: 'correlation' });
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
