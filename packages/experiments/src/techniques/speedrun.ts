// The speed-run: how many wall seconds one network needs, trained from scratch, until its test
// accuracy first reaches each target. Accuracy per second is what the training recipe is for; the
// study's techniques report accuracy alone. Nothing is written to disk and nothing resumes: an
// interrupted or resumed speed-run would not time anything.
import { createContext, type Context, type ExperimentOptions } from './context';
import { createDataCache, subset } from '../data/dataset';
import { toTrainData } from '../engine';
import { formatDuration } from '../rundir/progress';
import type { Settings } from '../settings/profiles';
import { deriveSeed } from '../util/rng';
import type { TrainParams } from '../types';
import { ExperimentError } from '../errors';
import { splitParams } from './train-task';

/** Seconds per target, keyed by the target as written (`"0.92"`); null: never reached. */
export type SecondsTo = Record<string, number | null>;

export interface SpeedrunSeedResult {
  seed: number;
  secondsTo: SecondsTo;
  /** one entry per finished epoch: wall seconds since training began (scoring included) and test accuracy */
  epochs: { epoch: number; seconds: number; testAccuracy: number }[];
  bestTestAccuracy: number;
}

export interface SpeedrunResult {
  /** the median over the seeds of each target's seconds (null when the median seed never reached it) */
  secondsTo: SecondsTo;
  seeds: number;
  threads: number;
  backend: string;
  targets: number[];
  params: TrainParams;
  data: { trainRows: number; testRows: number };
  runs: SpeedrunSeedResult[];
}

export interface SpeedrunOptions extends ExperimentOptions {
  /** how many seeds to time (default 1), derived from `seed` */
  seeds?: number;
}

/** The key of a target in `secondsTo`: the number as JavaScript writes it (0.92 → "0.92"). */
export const targetKey = (t: number) => String(t);

/**
 * The median of per-seed seconds where null means "never": it counts as slower than any time, so
 * the median is null when at least half the seeds (the middle one, or either middle one of an
 * even count) never reached the target.
 */
export function medianSeconds(values: readonly (number | null)[]): number | null {
  if (values.length === 0) return null;
  const sorted = values.map((v) => v ?? Infinity).sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const m = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return Number.isFinite(m) ? m : null;
}

/** Seeds of the timed runs: distinct children of the study's seed. */
export function speedrunSeeds(seed: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => deriveSeed(seed, 'speedrun', i));
}

/**
 * Trains `settings.speedrun.params` once per seed on the training images (all 60,000 unless the
 * profile says otherwise), scores the test images after every epoch, and times each target's
 * first crossing. The clock starts before the first batch and stops after the epoch's scoring.
 */
export async function runSpeedrun(o: SpeedrunOptions = {}): Promise<SpeedrunResult> {
  const seeds = o.seeds ?? 1;
  if (!Number.isSafeInteger(seeds) || seeds < 1) throw new ExperimentError(`speedrun: seeds must be a whole number ≥ 1, got ${String(seeds)}`);
  const c = await createContext(o);
  const sp = c.settings.speedrun;
  const targets = [...sp.targets].sort((a, b) => a - b);
  const data = await createDataCache()(c.data);
  const subsetSeed = deriveSeed(c.seed, 'speedrun-subset');
  const train = toTrainData(subset(data.train, sp.trainSubset, subsetSeed));
  const test = toTrainData(subset(data.test, sp.testSubset, subsetSeed + 1));
  const threads = c.threads ?? c.concurrency;
  o.log?.(`speedrun: ${seeds} seed${seeds === 1 ? '' : 's'}, ${train.n} train / ${test.n} test images, up to ${sp.params.epochs} epochs, targets ${targets.join(', ')}; backend ${c.backend.name}, ${threads} training thread${threads === 1 ? '' : 's'}`);
  const runs: SpeedrunSeedResult[] = [];
  for (const seed of speedrunSeeds(c.seed, seeds)) runs.push(await oneSeed(c, sp, targets, seed, train, test, threads));
  const secondsTo: SecondsTo = {};
  for (const t of targets) secondsTo[targetKey(t)] = medianSeconds(runs.map((r) => r.secondsTo[targetKey(t)]));
  return { secondsTo, seeds, threads, backend: c.backend.name, targets, params: sp.params, data: { trainRows: train.n, testRows: test.n }, runs };
}

type Data = ReturnType<typeof toTrainData>;

async function oneSeed(c: Context, sp: Settings['speedrun'], targets: number[], seed: number, train: Data, test: Data, threads: number): Promise<SpeedrunSeedResult> {
  const { cnn, training, views } = splitParams(sp.params);
  const epochs = training.epochs;
  const model = c.engine.createCnn({ ...cnn, seed });
  // Stops training once the highest target is reached (or when the caller aborts).
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  if (c.o.signal?.aborted) stop.abort();
  c.o.signal?.addEventListener('abort', onAbort);
  const r: SpeedrunSeedResult = { seed, secondsTo: Object.fromEntries(targets.map((t) => [targetKey(t), null])), epochs: [], bestTestAccuracy: 0 };
  try {
    const t0 = performance.now();
    // The test set is the training loop's "validation" data only to be scored after each epoch
    // inside the timed loop: no callback watches it, nothing is chosen by it.
    await c.engine.train(model, train, {
      ...training,
      // the per-epoch score is the speed-run's result: with the test-time views the recipe has
      ...views,
      seed,
      // one training on every core (data-parallel steps; the numbers do not depend on the count)
      parallel: { threads, unit: `speedrun seed ${seed}` },
      validation: test,
      signal: stop.signal,
      onProgress: c.o.onProgress,
      onEpoch: (m) => {
        const seconds = (performance.now() - t0) / 1000;
        const acc = m.valAccuracy ?? 0;
        r.epochs.push({ epoch: m.epoch, seconds, testAccuracy: acc });
        r.bestTestAccuracy = Math.max(r.bestTestAccuracy, acc);
        for (const t of targets) if (acc >= t && r.secondsTo[targetKey(t)] === null) r.secondsTo[targetKey(t)] = seconds;
        c.o.log?.(`seed ${seed} epoch ${m.epoch}/${epochs}: test_acc ${acc.toFixed(4)} at ${formatDuration(seconds)} (${seconds.toFixed(1)} s)`);
        if (acc >= targets[targets.length - 1]) stop.abort();
      },
    });
    if (c.o.signal?.aborted) throw Object.assign(new Error('speedrun interrupted (a speed-run is not resumed: run it again)'), { name: 'AbortError' });
    const reached = targets.map((t) => `${t}: ${r.secondsTo[targetKey(t)]?.toFixed(1) ?? 'never'}`).join(', ');
    c.o.log?.(`seed ${seed}: seconds to ${reached} (best test_acc ${r.bestTestAccuracy.toFixed(4)} in ${r.epochs.length} epochs)`);
    return r;
  } finally {
    c.o.signal?.removeEventListener('abort', onAbort);
    model.dispose();
  }
}
