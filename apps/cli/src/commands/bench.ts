// fmnist bench: training and feature-extraction throughput of each available backend.
import type { CommandSpec } from '../command';
import { intIn } from '../options';
import { bundleFileUrl } from '../entry';
import type { BackendName } from '@fmnist/core';

function sizes(v: unknown): number[] | undefined {
  if (v === undefined) return undefined;
  const list = (Array.isArray(v) ? v : [v]).map(Number);
  const check = intIn('vgg-sizes', 32, 224);
  return list.map((x) => check(x) as number);
}

export const benchCommand: CommandSpec = {
  command: 'bench',
  describe: 'Benchmark the backends: reference CNN training images/s, VGG19 forward throughput (tfjs backends and onnxruntime-node)',
  options: {
    backends: { type: 'array', string: true, choices: ['tensorflow', 'wasm', 'cpu'], describe: 'Backends to measure (default: every one that loads)' },
    steps: { type: 'number', describe: 'Timed training steps (batches of 500) per measurement (default 10)', coerce: intIn('steps', 1, 10_000), requiresArg: true },
    warmup: { type: 'number', describe: 'Untimed steps first (default 3)', coerce: intIn('warmup', 0, 1000), requiresArg: true },
    'vgg-sizes': { type: 'array', describe: 'Input sizes of the VGG19 forward measurement (default 32 48)', coerce: sizes, requiresArg: true },
    vgg: { type: 'boolean', describe: 'Measure the VGG19 forward pass (--no-vgg skips it)' },
  },
  examples: [
    ['$0 bench', 'one JSON line per backend'],
    ['$0 bench --backends wasm > bench.jsonl', 'only the WASM backend, saved'],
    ['$0 bench --backends wasm --steps 3 --no-vgg', 'a quick training-only measurement'],
  ],
  epilogue:
    'Prints one JSON line per measurement on stdout (at least backend and imagesPerSecond); --concurrency sets how many trainings run at once for the all-cores figure, and the threads of the one data-parallel training per network ("mode":"data-parallel"). To compare with PyTorch, train the same network with it on the same machine right before or after (the README says how); absolute numbers drift, ratios hold.',
  async run(ctx, argv) {
    // Lazy, so that --help does not load TensorFlow.js; typed as the module it is.
    const { runModelsBenchmark } = await import('@fmnist/models/bench');
    const bundle = bundleFileUrl();
    ctx.out.log('benchmarking (the reference CNN at batch 500 on each backend, then the VGG19 conv base forward pass on each backend and on onnxruntime-node); this takes a minute or two');
    await runModelsBenchmark({
      backends: argv.backends as BackendName[] | undefined,
      steps: argv.steps,
      warmup: argv.warmup,
      vggSizes: argv.vgg === false ? [] : argv.vggSizes,
      workers: ctx.args.concurrency,
      // One JSON line per result as it is measured.
      onResult: (line) => ctx.out.jsonLine(line),
      // Inside the bundle, worker threads start the bundle itself (main.ts runs their job).
      ...(bundle ? { workerUrl: bundle } : {}),
    });
    ctx.progress.stop();
  },
};
