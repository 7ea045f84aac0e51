import { cpus } from 'node:os';
import { describe, expect, it } from 'vitest';
import { runModelsBenchmark, type BenchResult } from './models-bench';

describe('runModelsBenchmark', () => {
  it('trains on wasm alone and in concurrent worker threads, and reports unavailable backends', async () => {
    const lines: BenchResult[] = [];
    const out = await runModelsBenchmark({
      backends: ['tensorflow', 'wasm'], batch: 16, warmup: 1, steps: 2, workers: 2, vggSizes: [32], vggBatch: 2,
      onResult: (r) => lines.push(r),
    });
    expect(lines).toEqual(out);
    const train = out.find((r) => r.kind === 'train-reference-cnn' && !('mode' in r));
    expect(train).toMatchObject({ backend: 'wasm', workers: 2, batch: 16, steps: 2 });
    if (train?.kind === 'train-reference-cnn' && !('mode' in train)) {
      expect(train.imagesPerSecond).toBeGreaterThan(0);
      expect(train.singleProcessImagesPerSecond).toBeGreaterThan(0);
      expect(train.reason).toMatch(/fmnist training kernels/);
    }
    // one training over both threads, for each network
    for (const kind of ['train-reference-cnn', 'train-strong-cnn']) {
      const dp = out.find((r) => r.kind === kind && 'mode' in r);
      expect(dp).toMatchObject({ backend: 'wasm', mode: 'data-parallel', threads: 2, batch: 16, steps: 2, shards: 4 });
      expect((dp as { imagesPerSecond: number }).imagesPerSecond).toBeGreaterThan(0);
    }
    const vgg = out.find((r) => r.kind === 'vgg19-conv-base-forward');
    expect(vgg).toMatchObject({ backend: 'wasm', inputSize: 32, weights: 'random' });
    // onnxruntime-node is installed here: its lines (float32, then the int8 base) run on every core.
    const native = out.filter((r) => r.kind === 'vgg19-conv-base-forward' && r.backend === 'onnxruntime');
    expect(native.map((r) => (r as { precision?: string }).precision)).toEqual(['float32', 'int8']);
    for (const r of native) {
      expect(r).toMatchObject({ inputSize: 32, batch: 2, weights: 'random', threads: cpus().length });
      if (r.kind === 'vgg19-conv-base-forward') expect(r.imagesPerSecond).toBeGreaterThan(0);
    }
    const tensorflow = out.find((r) => r.backend === 'tensorflow');
    expect(tensorflow?.kind === 'skipped' || tensorflow?.kind === 'train-reference-cnn').toBe(true);
  });

  it('measures the onnxruntime VGG forward when no tfjs backend starts (the base is built on cpu)', async () => {
    const out = await runModelsBenchmark({ backends: ['tensorflow'], vggSizes: [32], vggBatch: 2, vggSteps: 1 });
    const tensorflow = out.find((r) => r.backend === 'tensorflow');
    if (tensorflow?.kind !== 'skipped') return; // tfjs-node installed: the other test covers this machine
    expect(out.find((r) => r.backend === 'onnxruntime')).toMatchObject({ kind: 'vgg19-conv-base-forward', inputSize: 32, batch: 2, steps: 1 });
  });
});
