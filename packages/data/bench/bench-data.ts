// Data benchmark: load IDX, load the Arrow cache, Pearson 785x785 on the training set (the default
// kernel, and WASM SIMD when that is onnxruntime), next to
// numpy (/usr/bin/python3) doing the same work. Prints JSON lines, then a table. numpy's
// correlation runs in float64 and in float32 (much faster on OpenBLAS, and as precise as fmnist
// needs), and the faster one is the comparison; its lines name the BLAS numpy loaded ("blas"),
// with a warning on stderr for the reference BLAS (Debian's default without libopenblas0-pthread).
//   npx nx run data:bench
// Options (environment variables, never argv: only the CLI parses a command line):
//   FMNIST_DATA_DIR=DIR          the dataset, found as everywhere else when unset
//   FMNIST_BENCH_REPEATS=3       runs per task (the best counts)
//   FMNIST_BENCH_THREADS=T       worker threads of the parallel correlation (default: the cores)
//   FMNIST_BENCH_PYTHON=PATH     the numpy peer's interpreter (default /usr/bin/python3)
// e.g. FMNIST_BENCH_REPEATS=1 npx nx run data:bench
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { blasWarning, runPythonPeer } from '@fmnist/core/node';
import { COLUMN_NAMES, locateDataset, pearson, pearsonParallel, prepare, readCsv, readIdxSplit, readPrepared } from '../src/index';
import { onnxGramAvailable } from '../src/gram-onnx';

/** A positive integer from the environment; a bad value stops the benchmark with one line (exit 2). */
function envCount(name: string, fallback: number): number {
  const v = process.env[name]?.trim();
  if (!v) return fallback;
  const n = Number(v);
  if (Number.isInteger(n) && n >= 1 && n <= 1024) return n;
  process.stderr.write(`error: ${name}=${v}: expected an integer from 1 to 1024\n`);
  process.exit(2);
}

const repeats = envCount('FMNIST_BENCH_REPEATS', 3);
const threads = envCount('FMNIST_BENCH_THREADS', availableParallelism());
const python = process.env.FMNIST_BENCH_PYTHON?.trim() || '/usr/bin/python3';

async function best(fn: () => Promise<unknown> | unknown, n = repeats): Promise<number> {
  let b = Infinity;
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    b = Math.min(b, (performance.now() - t) / 1000);
  }
  return b;
}

const rows: { task: string; fmnist: number; numpy?: number }[] = [];
function emit(task: string, impl: string, seconds: number, extra: Record<string, unknown> = {}) {
  console.log(JSON.stringify({ bench: 'data', task, impl, seconds: Number(seconds.toFixed(4)), ...extra }));
}

const loc = await locateDataset();
if (loc.kind !== 'idx') throw new Error(`the benchmark needs the IDX files; ${loc.dir} holds CSVs`);
const f = loc.files;

const loadIdx = await best(async () => {
  await readIdxSplit(f.trainImages, f.trainLabels);
  await readIdxSplit(f.testImages, f.testLabels);
});
emit('load-idx', 'fmnist', loadIdx, { rows: 70000 });

const dir = mkdtempSync(join(tmpdir(), 'fmnist-bench-'));
try {
  const out = join(dir, 'data');
  const tPrep = performance.now();
  const prep = await prepare({ dataDir: loc.dir, out, threads });
  emit('prepare', 'fmnist', (performance.now() - tPrep) / 1000, { cached: prep.cached });
  const loadArrow = await best(() => readPrepared(out));
  emit('load-arrow', 'fmnist', loadArrow, { rows: 70000 });
  const tCached = performance.now();
  await prepare({ dataDir: loc.dir, out, threads });
  emit('prepare-cached', 'fmnist', (performance.now() - tCached) / 1000);

  const train = prep.train;
  // the default kernel: onnxruntime where it runs (int8 MatMulInteger, VNNI), else WASM SIMD
  const kernel = (await onnxGramAvailable(threads)) ? 'onnxruntime' : 'wasm';
  const corr = await best(() => pearsonParallel(train, { threads }), Math.min(repeats, 2));
  emit('corr-train', 'fmnist', corr, { rows: train.n, threads, kernel, dtype: 'float64' });
  const corrWasm = kernel === 'wasm' ? corr : await best(() => pearsonParallel(train, { threads, kernel: 'wasm' }), Math.min(repeats, 2));
  if (kernel !== 'wasm') emit('corr-train-wasm', 'fmnist', corrWasm, { rows: train.n, threads, kernel: 'wasm', dtype: 'float64' });
  const cpu0 = process.cpuUsage();
  const corr1 = await best(() => pearson(train, undefined, 'wasm'), 1);
  const cpu1 = process.cpuUsage(cpu0);
  const corr1Cpu = (cpu1.user + cpu1.system) / 1e6;
  emit('corr-train-1-thread', 'fmnist', corr1, { rows: train.n, threads: 1, kernel: 'wasm', cpuSeconds: Number(corr1Cpu.toFixed(4)) });
  const corrJs = await best(() => pearsonParallel(train, { threads, kernel: 'js' }), 1);
  emit('corr-train-js', 'fmnist', corrJs, { rows: train.n, threads, kernel: 'js' });

  // the training set as a Kaggle-format CSV (about 130 MB), parsed by both sides
  const csv = join(dir, 'fashion-mnist_train.csv');
  const ws = createWriteStream(csv);
  ws.write(COLUMN_NAMES.join(',') + '\n');
  for (let i = 0; i < train.n; i++) {
    if (!ws.write(`${train.labels[i]},${train.images.subarray(i * 784, (i + 1) * 784).join(',')}\n`)) await once(ws, 'drain');
  }
  ws.end();
  await once(ws, 'close');
  const loadCsv = await best(() => readCsv(csv), 1);
  emit('load-csv', 'fmnist', loadCsv, { rows: train.n });

  const script = `
import gzip, json, sys, time, numpy as np
ti, tl, ei, el, reps, csv = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), sys.argv[6]
def load(i, l):
    with gzip.open(i) as f: X = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 784)
    with gzip.open(l) as f: y = np.frombuffer(f.read(), np.uint8, offset=8)
    return X, y
best = float("inf")
for _ in range(reps):
    t = time.perf_counter(); X, y = load(ti, tl); load(ei, el); best = min(best, time.perf_counter() - t)
print(json.dumps({"task": "load-idx", "seconds": best}))
t = time.perf_counter()
np.loadtxt(csv, delimiter=",", skiprows=1, dtype=np.uint8)
print(json.dumps({"task": "load-csv", "seconds": time.perf_counter() - t}))
for dtype in (np.float64, np.float32):
    best, cpu = float("inf"), 0.0
    for _ in range(min(reps, 2)):
        t = time.perf_counter(); c = time.process_time()
        M = np.column_stack([y, X]).astype(dtype)
        C = np.corrcoef(M, rowvar=False, dtype=dtype)
        if time.perf_counter() - t < best: best, cpu = time.perf_counter() - t, time.process_time() - c
    print(json.dumps({"task": "corr-train", "dtype": np.dtype(dtype).name, "seconds": best, "cpuSeconds": cpu, "numpy": np.__version__}))
`;
  const peer = runPythonPeer(python, { code: script }, [f.trainImages, f.trainLabels, f.testImages, f.testLabels, String(repeats), csv]);
  const lines = peer.lines as { task: string; seconds: number; dtype?: string; cpuSeconds?: number; numpy?: string }[];
  const warning = blasWarning(peer.blas, 'numpy');
  if (warning) console.error(warning);
  for (const l of lines) {
    emit(l.task, 'numpy', l.seconds, l.numpy ? { dtype: l.dtype, version: l.numpy, blas: peer.blas.blas, cpuSeconds: Number(l.cpuSeconds!.toFixed(4)) } : {});
  }
  const np = Object.fromEntries(lines.filter((l) => l.task !== 'corr-train').map((l) => [l.task, l.seconds]));
  // The faster dtype is the one to beat.
  const npCorr = lines.filter((l) => l.task === 'corr-train').reduce((a, b) => (b.seconds < a.seconds ? b : a));
  np['corr-train'] = npCorr.seconds;
  const npCpu = npCorr.cpuSeconds!;
  const npCorrName = `numpy ${npCorr.dtype}, ${peer.blas.blas}`;

  rows.push({ task: 'load IDX (train+test, gz)', fmnist: loadIdx, numpy: np['load-idx'] });
  rows.push({ task: 'load Arrow cache (train+test)', fmnist: loadArrow });
  rows.push({ task: 'load Kaggle CSV (train, 130 MB; numpy.loadtxt)', fmnist: loadCsv, numpy: np['load-csv'] });
  rows.push({ task: `Pearson 785x785, 60,000 rows (${kernel === 'wasm' ? 'WASM SIMD' : 'onnxruntime int8'}, ${threads} threads; ${npCorrName})`, fmnist: corr, numpy: np['corr-train'] });
  if (kernel !== 'wasm') rows.push({ task: `Pearson 785x785, 60,000 rows (WASM SIMD, ${threads} threads)`, fmnist: corrWasm, numpy: np['corr-train'] });
  rows.push({ task: 'Pearson 785x785, 60,000 rows (WASM SIMD, 1 thread)', fmnist: corr1, numpy: np['corr-train'] });
  rows.push({ task: `Pearson 785x785, 60,000 rows (plain JS, ${threads} threads)`, fmnist: corrJs, numpy: np['corr-train'] });
  rows.push({ task: 'Pearson, CPU seconds (1 thread vs numpy)', fmnist: corr1Cpu, numpy: npCpu });
  rows.push({ task: 'prepare (full, uncached)', fmnist: prep.seconds });
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const w = Math.max(...rows.map((r) => r.task.length));
console.log(`\n${'task'.padEnd(w)}  fmnist s   numpy s   numpy/fmnist`);
for (const r of rows) {
  const ratio = r.numpy === undefined ? '' : (r.numpy / r.fmnist).toFixed(2) + 'x';
  console.log(`${r.task.padEnd(w)}  ${r.fmnist.toFixed(3).padStart(8)}  ${r.numpy === undefined ? '       -' : r.numpy.toFixed(3).padStart(8)}   ${ratio}`);
}
