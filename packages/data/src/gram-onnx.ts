// The correlation's Gram matrix on onnxruntime-node, when it loads and the CPU has VNNI: one
// MatMulInteger of the uint8 variables by the same variables minus 128 as int8, which MLAS runs
// with the VNNI dot-product instructions (4 products per lane, every core): 0.35-0.55 CPU seconds
// on the 60,000 training rows where the WebAssembly SIMD kernel takes 0.8, already at the peak of
// its 8 multiply-adds per instruction (as fast as a loop of nothing but those instructions).
//
// Exact, like the other kernels: every product and every int32 sum is an integer, and
// x_a·x_b summed = x_a·(x_b − 128) summed + 128·s_a, where s_a (the column sum) is read off the
// constant-1 variable: x_a·(1 − 128) summed = −127·s_a. |x_a·(x_b − 128)| ≤ 255·128, so the int32
// sums cannot overflow below 65,793 rows; larger splits run in chunks summed in float64.
// Without VNNI, MLAS's int8 kernels multiply with VPMADDUBSW, which saturates 16-bit pair sums:
// this path is then not taken (the wasm kernel runs), nor where the native module is absent.
import { ProtoWriter } from '@fmnist/core';
import { cpuHasVnni, loadOnnxRuntime } from '@fmnist/core/node';
import { availableParallelism } from 'node:os';
import type { Split } from './types';

export { cpuHasVnni };

const VP = 788; // GRAM_STRIDE: label, 784 pixels, the constant 1, two zero pads
const V = 786; // the graph's variables: label, 784 pixels, the constant 1
const ONES = 785;
const MAX_ROWS_PER_RUN = 65_536;

/** The little of onnxruntime-node's API used here (it is an optional package, typed loosely). */
interface Ort {
  InferenceSession: { create(model: Uint8Array, o: object): Promise<OrtSession> };
  Tensor: new (type: string, data: Uint8Array, dims: number[]) => unknown;
}
interface OrtSession {
  run(feeds: Record<string, unknown>): Promise<Record<string, { data: unknown; dispose?: () => void }>>;
  release(): Promise<void>;
}

/**
 * The graph, on the caller's own buffers (no copy in JavaScript): labels uint8 [rows, 1], images
 * uint8 [rows, 784], ones uint8 [rows, 1] -> x = Concat(labels, images, ones) [rows, 786],
 * xs = Cast(BitwiseXor(x, 128), int8) = x - 128, g = MatMulInteger(Transpose(x), xs) int32 [786, 786].
 */
function gramModel(): Uint8Array {
  const UINT8 = 2, INT8 = 3, INT32 = 6, ATTR_INT = 2, ATTR_INTS = 7;
  const valueInfo = (w: ProtoWriter, name: string, type: number, dims: (number | string)[]) => {
    w.string(1, name);
    w.message(2, (t) => t.message(1, (tensor) => {
      tensor.int(1, type);
      tensor.message(2, (shape) => {
        for (const d of dims) shape.message(1, (dim) => (typeof d === 'number' ? dim.int(1, d) : dim.string(2, d)));
      });
    }));
  };
  const node = (g: ProtoWriter, op: string, inputs: string[], output: string, attr?: (a: ProtoWriter) => void) =>
    g.message(1, (n) => {
      for (const i of inputs) n.string(1, i);
      n.string(2, output).string(4, op);
      if (attr) n.message(5, attr);
    });
  const w = new ProtoWriter();
  w.int(1, 8).string(2, 'fmnist'); // IR version 8
  w.message(7, (g) => {
    node(g, 'Concat', ['labels', 'images', 'ones'], 'x', (a) => a.string(1, 'axis').int(3, 1).int(20, ATTR_INT));
    node(g, 'BitwiseXor', ['x', 'top_bit'], 'x_flipped');
    node(g, 'Cast', ['x_flipped'], 'xs', (a) => a.string(1, 'to').int(3, INT8).int(20, ATTR_INT));
    node(g, 'Transpose', ['x'], 'xt', (a) => a.string(1, 'perm').packedInts(8, [1, 0]).int(20, ATTR_INTS));
    node(g, 'MatMulInteger', ['xt', 'xs'], 'g');
    g.string(2, 'gram');
    // initializer top_bit: uint8 scalar 128 (TensorProto: data_type 2, name 8, raw_data 9)
    g.message(5, (t) => t.int(2, UINT8).string(8, 'top_bit').bytes(9, Uint8Array.of(128)));
    g.message(11, (m) => valueInfo(m, 'labels', UINT8, ['rows', 1]));
    g.message(11, (m) => valueInfo(m, 'images', UINT8, ['rows', 784]));
    g.message(11, (m) => valueInfo(m, 'ones', UINT8, ['rows', 1]));
    g.message(12, (m) => valueInfo(m, 'g', INT32, [V, V]));
  });
  w.message(8, (op) => op.int(2, 18)); // opset 18: BitwiseXor
  return w.finish();
}

let sessionsFor: Promise<{ ort: Ort; sessions: OrtSession[] } | null> | undefined;

/**
 * One single-threaded session per thread, or null when this path cannot run here:
 * FMNIST_ONNXRUNTIME=0, no VNNI, or onnxruntime-node absent or failing to load. Created once per
 * process, on the first call's thread count. Sessions on shares of the rows run side by side, so
 * the graph's copies (Concat, BitwiseXor, Transpose: single-threaded in one session) are split
 * too: about 10% faster than one session on 2 threads.
 */
async function gramSessions(threads: number): Promise<{ ort: Ort; sessions: OrtSession[] } | null> {
  if (!cpuHasVnni()) return null;
  // checked on every call (FMNIST_ONNXRUNTIME may change); the module itself is imported once
  const loaded = await loadOnnxRuntime();
  if (!loaded.ok) return null;
  const ort = loaded.ort as unknown as Ort;
  sessionsFor ??= (async () => {
    try {
      const model = gramModel();
      // no memory arena: a run's ~4 copies of its pixels are freed when it ends, not kept for the process
      const options = { executionProviders: ['cpu'], intraOpNumThreads: 1, interOpNumThreads: 1, enableCpuMemArena: false, enableMemPattern: false };
      const sessions = await Promise.all(Array.from({ length: Math.max(1, threads) }, () => ort.InferenceSession.create(model, options)));
      return { ort, sessions };
    } catch {
      return null;
    }
  })();
  return sessionsFor;
}

/** Whether gramOnnx can run here (loads onnxruntime-node once to find out). */
export async function onnxGramAvailable(threads = availableParallelism()): Promise<boolean> {
  return (await gramSessions(threads)) !== null;
}

/**
 * The Gram matrix (GRAM_STRIDE x GRAM_STRIDE, float64) on onnxruntime, or null where it cannot
 * run. `rowsPerRun` (at most, and by default, 65,536: the int32 bound) is smaller in tests.
 */
export async function gramOnnx(s: Split, o: { threads?: number; rowsPerRun?: number } = {}): Promise<Float64Array | null> {
  const perRun = Math.min(MAX_ROWS_PER_RUN, o.rowsPerRun ?? MAX_ROWS_PER_RUN);
  const loaded = await gramSessions(o.threads ?? availableParallelism());
  if (!loaded) return null;
  const { ort, sessions } = loaded;
  const G = new Float64Array(VP * VP);
  const ones = new Uint8Array(Math.min(perRun, s.n)).fill(1);
  const add = (g: Int32Array) => {
    for (let a = 0; a < V; a++) {
      const sum = -g[a * V + ONES] / 127; // an exact integer
      for (let b = 0; b < V; b++) G[a * VP + b] += g[a * V + b] + 128 * sum;
    }
  };
  // session k takes rows [start, end) of an even split, in runs of at most perRun
  await Promise.all(sessions.map(async (session, k) => {
    const end = Math.floor((s.n * (k + 1)) / sessions.length);
    for (let r0 = Math.floor((s.n * k) / sessions.length); r0 < end; r0 += perRun) {
      const rows = Math.min(perRun, end - r0);
      const out = await session.run({
        labels: new ort.Tensor('uint8', s.labels.subarray(r0, r0 + rows), [rows, 1]),
        images: new ort.Tensor('uint8', s.images.subarray(r0 * 784, (r0 + rows) * 784), [rows, 784]),
        ones: new ort.Tensor('uint8', ones.subarray(0, rows), [rows, 1]),
      });
      add(out.g.data as Int32Array);
      out.g.dispose?.();
    }
  }));
  return G;
}
