// fmnist bench: training and feature-extraction throughput of each available backend.
import type { CommandSpec } from '../command';
import { intIn } from '../options';
import { fn, loadModels } from '../packages';

export const benchCommand: CommandSpec = {
  command: 'bench',
  describe: 'Benchmark the backends: reference CNN training images/s, VGG19 forward throughput',
  options: {
    backends: { type: 'array', string: true, choices: ['tensorflow', 'wasm', 'cpu'], describe: 'Backends to measure (default: every one that loads)' },
    images: { type: 'number', describe: 'Training images per measurement', coerce: intIn('images', 100, 1_000_000), requiresArg: true },
  },
  examples: [
    ['$0 bench', 'one JSON line per backend'],
    ['$0 bench --backends wasm > bench.jsonl', 'only the WASM backend, saved'],
  ],
  epilogue:
    'Prints one JSON line per measurement on stdout (at least backend and imagesPerSecond). Compare with PyTorch by running ../shared/bench/torch_cnn.py right before or after on the same machine.',
  async run(ctx, argv) {
    const models = await loadModels();
    const bench = fn<(o: Record<string, unknown>) => Promise<unknown>>(models, '@fmnist/models', 'The models benchmark', 'runModelsBenchmark');
    let printed = 0;
    const emit = (line: unknown) => {
      printed++;
      ctx.out.jsonLine(line);
    };
    const r = await bench({
      backends: argv.backends,
      images: argv.images,
      seed: ctx.args.seed,
      signal: ctx.signal,
      onProgress: ctx.onProgress,
      log: (m: string) => ctx.out.log(m),
      onLine: emit,
      onResult: emit,
    });
    ctx.progress.stop();
    // If the benchmark returned its lines instead of streaming them, print them now.
    if (printed === 0 && r !== undefined) {
      const lines = Array.isArray(r) ? r : Array.isArray((r as { lines?: unknown[] }).lines) ? (r as { lines: unknown[] }).lines : [r];
      for (const l of lines) emit(l);
    }
  },
};
