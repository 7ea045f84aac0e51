// fmnist speedrun: wall seconds from scratch to 92% and 93% test accuracy (accuracy per second).
import type { SpeedrunResult } from '@fmnist/experiments';
import type { CommandSpec } from '../command';
import { loadExperiments } from '../packages';
import { intIn, TRAINING_OPTIONS } from '../options';
import { runsDir } from '../paths';
import { resolveOverrides } from '../settings-flags';
import { ensureData } from './techniques';

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
const secs = (s: number | null) => (s === null ? 'not reached' : `${s.toFixed(1)} s`);

/** The lines a human reads: the medians first, then each seed. */
export function speedrunText(r: SpeedrunResult): string {
  const targets = r.targets.map((t) => `${pct(t)}: ${secs(r.secondsTo[String(t)])}`).join(', ');
  const lines = [
    `speedrun: median over ${r.seeds} seed${r.seeds === 1 ? '' : 's'}: ${targets}`,
    `  backend ${r.backend}, ${r.threads} thread${r.threads === 1 ? '' : 's'}, ${r.data.trainRows} train / ${r.data.testRows} test images, at most ${r.params.epochs} epochs`,
  ];
  for (const s of r.runs) {
    lines.push(`  seed ${s.seed}: ${r.targets.map((t) => `${pct(t)} ${secs(s.secondsTo[String(t)])}`).join(', ')}; best ${pct(s.bestTestAccuracy)} after ${s.epochs.length} epochs`);
  }
  return lines.join('\n');
}

export const speedrunCommand: CommandSpec = {
  command: 'speedrun',
  describe: 'Seconds from scratch to 92% and 93% test accuracy: all training images, the test set scored after every epoch',
  options: {
    data: { type: 'string', describe: 'Prepared data directory or raw IDX files (default: <runs-dir>/data, prepared on first use)', requiresArg: true },
    seeds: { type: 'number', describe: 'Time this many seeds (derived from --seed) and print the median', default: 1, coerce: intIn('seeds', 1, 100), requiresArg: true },
    targets: { type: 'array', number: true, describe: "Test accuracies to time (fractions; default the profile's, 0.92 0.93); training stops at the highest" },
    'max-epochs': { type: 'number', describe: "Stop after this many epochs when the highest target is not reached (default the profile's)", requiresArg: true },
    set: { type: 'array', string: true, describe: 'Any setting as key.path=value, e.g. --set speedrun.params.batchSize=256', requiresArg: true },
    threads: TRAINING_OPTIONS.threads,
  },
  examples: [
    ['$0 speedrun', 'one seed: seconds to 92% and 93% test accuracy'],
    ['$0 speedrun --seeds 3 --json', 'the median of 3 seeds as one JSON object'],
    ['$0 speedrun --targets 0.9 0.92 --max-epochs 10', 'other targets, at most 10 epochs'],
  ],
  epilogue:
    'The clock starts before the first training batch and includes scoring all test images after each epoch; loading the data is not timed. The network and its training come from the profile\'s speedrun settings (speedrun.params; --set changes them). Nothing is written to disk; an interrupted speed-run starts over. Also available as `npx nx run experiments:speedrun`.',
  async run(ctx, argv) {
    const overrides = await resolveOverrides(ctx, argv);
    const dataDir = await ensureData(ctx, argv);
    const exp = await loadExperiments();
    const a = ctx.args;
    const r = await ctx.abortable(() => exp.runSpeedrun({
      dataDir,
      runsDir: runsDir(ctx),
      profile: a.profile,
      seed: a.seed,
      backend: a.backend,
      seeds: argv.seeds,
      threads: argv.threads as number | undefined,
      overrides,
      signal: ctx.signal,
      onProgress: ctx.onProgress,
      log: (m: string) => ctx.out.log(m),
    }));
    ctx.progress.stop();
    ctx.out.result(speedrunText(r), r);
  },
};
