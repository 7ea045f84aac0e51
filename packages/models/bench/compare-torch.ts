// Runs the wasm training benchmark and the PyTorch peer one right after the other, several
// rounds, and prints the ratios (the figure to quote: absolute numbers drift with the load).
// Run: node --import tsx/esm packages/models/bench/compare-torch.ts
//   (needs /usr/bin/python3 with torch and OpenBLAS: apt-get install -y python3-torch libopenblas0-pthread)
// Each line names the BLAS the PyTorch process loaded ("blas"); on the reference BLAS a warning
// goes to stderr, since PyTorch then runs about half as fast and the ratio means nothing.
// Options (environment variables): FMNIST_BENCH_ROUNDS=3, the rounds to run.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { blasWarning, runPythonPeer, type PeerBlas } from '@fmnist/core/node';
import { envInt } from './bench-env';

const rounds = envInt('FMNIST_BENCH_ROUNDS', 1, 100) ?? 3;
const torchScript = fileURLToPath(new URL('../../../../shared/bench/torch_cnn.py', import.meta.url));
const benchScript = fileURLToPath(new URL('./bench-models.ts', import.meta.url));

function jsonLines(out: string): Record<string, unknown>[] {
  return out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
}
let blas: PeerBlas | undefined;
function torch(threads: number): number {
  // OpenBLAS starts its own thread pool at the size of OMP_NUM_THREADS (else every core), which
  // torch.set_num_threads does not shrink: without these, "1 thread" would use two cores.
  const n = String(threads);
  const env = { ...process.env, OMP_NUM_THREADS: n, OPENBLAS_NUM_THREADS: n };
  const peer = runPythonPeer('/usr/bin/python3', torchScript, ['--threads', n], { env });
  if (blas?.blas !== peer.blas.blas) {
    const warning = blasWarning(peer.blas, 'PyTorch');
    if (warning) console.error(warning);
  }
  blas = peer.blas;
  return Number(peer.lines[0].imagesPerSecond);
}
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

const ratios: number[] = [];
const singleRatios: number[] = [];
for (let r = 1; r <= rounds; r++) {
  const out = execFileSync(process.execPath, ['--import', 'tsx/esm', benchScript], {
    encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'],
    env: { ...process.env, FMNIST_BENCH_BACKENDS: 'wasm', FMNIST_BENCH_VGG: 'none' },
  });
  const wasm = jsonLines(out).find((l) => l.kind === 'train-reference-cnn');
  if (!wasm) throw new Error(`no wasm result in:\n${out}`);
  const torchAll = torch(2);
  const torchOne = torch(1);
  const ratio = Number(wasm.imagesPerSecond) / torchAll;
  const singleRatio = Number(wasm.singleProcessImagesPerSecond) / torchOne;
  ratios.push(ratio);
  singleRatios.push(singleRatio);
  console.log(JSON.stringify({
    round: r, wasmImagesPerSecond: wasm.imagesPerSecond, wasmWorkers: wasm.workers, torchImagesPerSecond: torchAll,
    ratio: Math.round(ratio * 100) / 100,
    wasmSingleProcessImagesPerSecond: wasm.singleProcessImagesPerSecond, torchOneThreadImagesPerSecond: torchOne,
    singleRatio: Math.round(singleRatio * 100) / 100,
    blas: blas?.blas,
  }));
}
console.log(JSON.stringify({ summary: true, rounds, medianRatio: median(ratios), medianSingleThreadRatio: median(singleRatios), blas: blas?.blas }));
