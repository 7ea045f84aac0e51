// `fmnist bench` from the bundle: JSON lines on stdout; the all-cores figures come from worker
// threads that the bundle starts from itself (concurrent trainings, data-parallel replicas).
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers';

describe('bench', () => {
  it('prints one JSON line per measurement: 2 concurrent trainings, one training over 2 threads per network, VGG', async () => {
    const r = await runCli(['bench', '--backends', 'wasm', '--steps', '1', '--warmup', '0', '--vgg-sizes', '32', '--concurrency', '2'], { timeoutMs: 240_000 });
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.kind)).toEqual(['train-reference-cnn', 'train-reference-cnn', 'train-strong-cnn', 'vgg19-conv-base-forward', 'vgg19-conv-base-forward', 'vgg19-conv-base-forward']);
    const [train, parallelReference, parallelStrong, vgg, native, native8] = lines;
    for (const p of [parallelReference, parallelStrong]) {
      expect(p).toMatchObject({ backend: 'wasm', mode: 'data-parallel', threads: 2, batch: 500, steps: 1 });
      expect(p.imagesPerSecond).toBeGreaterThan(0);
    }
    expect(train).toMatchObject({ backend: 'wasm', workers: 2, batch: 500, steps: 1 });
    expect(train.imagesPerSecond).toBeGreaterThan(0);
    expect(train.singleProcessImagesPerSecond).toBeGreaterThan(0);
    expect(vgg).toMatchObject({ backend: 'wasm', inputSize: 32 });
    expect(vgg.imagesPerSecond).toBeGreaterThan(0);
    // onnxruntime-node (installed here) runs the same conv base, whatever --backends says: in
    // float32, then quantized to int8
    expect(native).toMatchObject({ backend: 'onnxruntime', precision: 'float32', inputSize: 32, batch: 32 });
    expect(native8).toMatchObject({ backend: 'onnxruntime', precision: 'int8', inputSize: 32, batch: 32 });
    for (const n of [native, native8]) expect(n.imagesPerSecond).toBeGreaterThan(0);
  });

  it('rejects a VGG input size below 32 as a usage error', async () => {
    const r = await runCli(['bench', '--vgg-sizes', '16']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Invalid value for --vgg-sizes: 16');
  });
});
