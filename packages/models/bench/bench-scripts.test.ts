// The benchmark scripts take their options from FMNIST_BENCH_* variables (only the CLI parses
// argv), and the benchmark stays out of the library's surface.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { runBenchWorker } from './index';

const run = promisify(execFile);
const script = fileURLToPath(new URL('./bench-models.ts', import.meta.url));

async function benchModels(env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, ['--import', 'tsx/esm', script], { env: { ...process.env, ...env }, timeout: 120_000 });
    return { code: 0, ...r };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

describe('bench scripts', () => {
  it('bench-models.ts (nx run models:bench) measures what FMNIST_BENCH_* asks for', async () => {
    const r = await benchModels({ FMNIST_BENCH_BACKENDS: 'wasm', FMNIST_BENCH_STEPS: '1', FMNIST_BENCH_WARMUP: '0', FMNIST_BENCH_WORKERS: '1', FMNIST_BENCH_VGG: 'none' });
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatchObject({ kind: 'train-reference-cnn', backend: 'wasm', steps: 1, warmup: 0, workers: 1 });
    expect(lines.slice(1)).toMatchObject([
      { kind: 'train-reference-cnn', backend: 'wasm', mode: 'data-parallel', threads: 1, steps: 1 },
      { kind: 'train-strong-cnn', backend: 'wasm', mode: 'data-parallel', threads: 1, steps: 1 },
    ]);
  });

  it('a bad FMNIST_BENCH_* value stops the script with one line naming the variable, exit 2', async () => {
    const r = await benchModels({ FMNIST_BENCH_STEPS: 'ten' });
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('error: FMNIST_BENCH_STEPS=ten: expected an integer from 1 to 10000');
    const b = await benchModels({ FMNIST_BENCH_BACKENDS: 'wasm,gpu' });
    expect(b.code).toBe(2);
    expect(b.stderr).toContain('FMNIST_BENCH_BACKENDS=wasm,gpu: expected a comma-separated list of tensorflow, wasm, cpu');
  });

  it('conv-kernels.ts times the Winograd and the direct 3x3 kernels on the same shapes', async () => {
    const conv = fileURLToPath(new URL('./conv-kernels.ts', import.meta.url));
    const r = await run(process.execPath, ['--import', 'tsx/esm', conv], { env: { ...process.env, FMNIST_BENCH_CALLS: '1', FMNIST_BENCH_ROUNDS: '1' }, timeout: 120_000 });
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.kernel)).toEqual(Array.from({ length: 4 }, () => ['Conv2D', 'Conv2DBackpropFilter']).flat());
    for (const l of lines) {
      expect(l.directMs).toBeGreaterThan(0);
      expect(l.winogradMs).toBeGreaterThan(0);
      expect(l.speedup).toBeCloseTo(l.directMs / l.winogradMs, 1);
    }
  });

  it('is not part of @fmnist/models, and importing it runs nothing', async () => {
    const lib = await import('../src/index');
    expect(Object.keys(lib)).not.toContain('runModelsBenchmark');
    expect(Object.keys(lib)).not.toContain('runBenchWorker');
    expect(runBenchWorker()).toBe(false); // not a worker thread: no job is started
  });
});
