// fmnist tune | holdout | kfold | transfer: the three techniques of the study (@fmnist/experiments).
import { resolve } from 'node:path';
import type { Options } from 'yargs';
import { ORIGINAL_STUDY } from '@fmnist/core';
import type { CorePool, ExperimentOptions, HoldoutResult, KFoldResult, Overrides, TransferResult, TuneResult } from '@fmnist/experiments';
import type { CommandSpec } from '../command';
import { loadData, loadExperiments } from '../packages';
import { DATA_DIR_FIX, isPrepared, preparedDir, requireDir, runsDir } from '../paths';
import type { CommandContext } from '../session';
import { TRAINING_OPTIONS } from '../options';
import { resolveOverrides } from '../settings-flags';
import { runPrepare } from './data';
import { CliError } from '../errors';
import { workerCommand } from '../entry';

export type Technique = 'tune' | 'holdout' | 'kfold' | 'transfer';
/** What a technique returns (also its run's results.json); `technique` tells them apart. */
export type TechniqueResult = TuneResult | HoldoutResult | KFoldResult | TransferResult;

/**
 * The data directory to train on. `--data DIR` is used as given (prepared or raw IDX). Otherwise
 * <runs-dir>/data, prepared first when missing (or when --data-dir names raw files to use);
 * `fetch` downloads the official files when no dataset can be found (the main job).
 */
export async function ensureData(ctx: CommandContext, argv: Record<string, any>, o: { fetch?: boolean } = {}): Promise<string> {
  if (argv.data) return requireDir(resolve(ctx.cwd, argv.data), '--data', 'Pass a directory written by `fmnist data prepare`, or one holding the official *-ubyte.gz files.');
  const dir = preparedDir(ctx);
  if (!ctx.args.dataDir && isPrepared(dir)) return dir;
  let dataDir: string | undefined;
  if (ctx.args.dataDir) {
    dataDir = requireDir(resolve(ctx.cwd, ctx.args.dataDir), '--data-dir', DATA_DIR_FIX);
  } else {
    const { locateDataset, fetchDataset } = await loadData();
    try {
      dataDir = (await locateDataset({})).dir;
    } catch (e) {
      if (!o.fetch) throw e;
      ctx.out.log(`no dataset found locally (${(e as Error).message.split('\n')[0]}); downloading the official files`);
      dataDir = (await ctx.abortable(() => fetchDataset({ onProgress: ctx.onProgress, signal: ctx.signal }))).dir;
    }
  }
  ctx.out.log(`preparing data from ${dataDir} into ${dir}`);
  // In this process: danfojs shares the project's one TensorFlow.js (root package.json `overrides`).
  await runPrepare(ctx, { dataDir }, dir);
  return dir;
}

/** `--queue URL` or FMNIST_QUEUE: the Redis server this command coordinates through, if any. */
export function queueUrl(ctx: CommandContext): string | undefined {
  return (ctx.args as { queue?: string }).queue ?? (process.env.FMNIST_QUEUE || undefined);
}

/** A queue is opened before the data is prepared: a wrong password fails at once (exit 1). */
export async function checkQueueFlag(ctx: CommandContext): Promise<void> {
  const url = queueUrl(ctx);
  if (url) await (await loadExperiments()).checkQueue(url);
}

/**
 * Runs `work` on a core pool sized to the cores (or --concurrency), which shows the study's
 * progress (each running unit with its threads, one ETA), and closes it after.
 */
export async function withCorePool<T>(ctx: CommandContext, work: (pool: CorePool) => Promise<T>): Promise<T> {
  const exp = await loadExperiments();
  const a = ctx.args;
  const pool = await exp.createStudyPool({ backend: a.backend, concurrency: a.concurrency, worker: workerCommand(), onStatus: (s) => ctx.progress.status(s) });
  try {
    return await work(pool);
  } finally {
    await pool.close();
    ctx.progress.stop();
  }
}

/**
 * Runs one technique through @fmnist/experiments on `pool` (an interrupted run throws an
 * AbortError). Not abortable by itself: the caller wraps all it runs in one ctx.abortable().
 */
export async function startTechnique(
  ctx: CommandContext,
  technique: Technique,
  dataDir: string,
  overrides: Overrides | undefined,
  o: { threads?: number; pool: CorePool; signal?: AbortSignal },
): Promise<TechniqueResult> {
  const exp = await loadExperiments();
  const runs: Record<Technique, (o: ExperimentOptions) => Promise<TechniqueResult>> = { tune: exp.runTune, holdout: exp.runHoldout, kfold: exp.runKFold, transfer: exp.runTransfer };
  const a = ctx.args;
  return runs[technique]({
    dataDir,
    runsDir: runsDir(ctx),
    profile: a.profile,
    seed: a.seed,
    backend: a.backend,
    concurrency: a.concurrency,
    threads: o.threads,
    overrides,
    worker: workerCommand(),
    queue: queueUrl(ctx),
    pool: o.pool,
    signal: o.signal ?? ctx.signal,
    onProgress: ctx.onProgress,
    log: (m: string) => ctx.out.log(m),
  });
}

/** Runs one technique on a core pool of its own (its last units get the cores the others leave). */
export function runTechnique(ctx: CommandContext, technique: Technique, dataDir: string, overrides: Overrides | undefined, threads?: number): Promise<TechniqueResult> {
  return withCorePool(ctx, (pool) => ctx.abortable(() => startTechnique(ctx, technique, dataDir, overrides, { threads, pool })));
}

const pct = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) ? `${(x * 100).toFixed(2)}%` : 'n/a');
const ms = (s: { mean: number; std: number }) => `${pct(s.mean)} ± ${pct(s.std)}`;

/** A few lines a human reads after a technique finishes. */
export function summarize(r: TechniqueResult): string {
  const head = `${r.technique} run ${r.runId} (${r.runDir})`;
  switch (r.technique) {
    case 'tune': {
      const ranked = [...r.trials].sort((a, b) => a.rank - b.rank);
      const lines = [`${head}: ${r.trials.length} trials (${r.method})`];
      for (const t of ranked.slice(0, 5)) lines.push(`  #${t.rank} val acc ${pct(t.valAccuracy)}  ${JSON.stringify(t.params)}`);
      lines.push(`  best: ${JSON.stringify(r.best)}`);
      return lines.join('\n');
    }
    case 'holdout':
      return `${head}: train ${pct(r.train.accuracy)}, validation ${pct(r.validation.accuracy)}, test ${pct(r.test.accuracy)} (original study: ${pct(ORIGINAL_STUDY.holdout.test)})`;
    case 'kfold': {
      const s = r.summary;
      const lines = [`${head}: ${r.k}-fold`];
      for (const f of r.folds) lines.push(`  fold ${f.fold}: train ${pct(f.train.accuracy)}, validation ${pct(f.validation.accuracy)}, test ${pct(f.test.accuracy)}`);
      lines.push(`  mean: train ${ms(s.trainAccuracy)}, validation ${ms(s.validationAccuracy)}, test ${ms(s.testAccuracy)}; ensemble test ${pct(r.ensemble.test.accuracy)} (original: ${pct(ORIGINAL_STUDY.kfold.train)} / ${pct(ORIGINAL_STUDY.kfold.test)})`);
      return lines.join('\n');
    }
    case 'transfer': {
      const lines = [`${head}:`];
      for (const m of r.models) {
        lines.push(m.status === 'complete' ? `  ${m.variant}: train ${pct(m.train?.accuracy)}, test ${pct(m.test?.accuracy)} (input ${m.inputSize}px)` : `  ${m.variant}: ${m.status}${m.reason ? ` (${m.reason.split('\n')[0]})` : ''}`);
      }
      lines.push(`  original study: VGG16 ${pct(ORIGINAL_STUDY.vgg16.test)}, VGG19 ${pct(ORIGINAL_STUDY.vgg19.test)}`);
      return lines.join('\n');
    }
  }
}

/**
 * A transfer base whose weights were given but could not be used failed: an error (exit 1) naming
 * the file, raised after the results are printed. A base without weights is only skipped.
 */
export function checkTransferModels(r: TechniqueResult): void {
  if (r.technique !== 'transfer') return;
  const failed = r.models.find((m) => m.status === 'failed');
  if (!failed) return;
  const [first, ...fix] = (failed.reason ?? 'unknown error').split('\n');
  throw new CliError(`transfer: ${failed.variant} failed: ${first}`, { hint: fix.map((l) => l.trim()).join(' ') || undefined });
}

function techniqueCommand(technique: Technique, describe: string, options: Record<string, Options>, examples: [string, string][], epilogue: string): CommandSpec {
  return {
    command: technique,
    describe,
    options: { ...TRAINING_OPTIONS, ...options },
    examples,
    epilogue,
    async run(ctx, argv) {
      const overrides = await resolveOverrides(ctx, argv);
      await checkQueueFlag(ctx);
      const dataDir = await ensureData(ctx, argv);
      const r = await runTechnique(ctx, technique, dataDir, overrides, argv.threads as number | undefined);
      ctx.out.result(summarize(r), { technique, runId: r.runId, runDir: r.runDir, results: r });
      checkTransferModels(r);
    },
  };
}

const RESUME_NOTE = 'Runs are written to <runs-dir>/<technique>/<profile>-<config hash>/; re-running the same command resumes an interrupted run and never recomputes finished epochs, trials or folds.';

export const TUNE_OPTIONS: Record<string, Options> = {
  method: { choices: ['grid', 'halving', 'hyperband'], describe: 'Search method: grid search, or successive halving / Hyperband over a larger space in the same time', requiresArg: true },
  trials: { type: 'number', describe: 'Maximum number of configurations to try', requiresArg: true },
};

export const HOLDOUT_OPTIONS: Record<string, Options> = {
  tune: { type: 'boolean', describe: 'Tune first (the default); --no-tune trains the profile\'s own configuration' },
};

export const KFOLD_OPTIONS: Record<string, Options> = {
  folds: { alias: 'k', type: 'number', describe: 'Number of folds (default: 5, as in the original study; 2 in the smoke profile)', requiresArg: true },
};

export const TRANSFER_OPTIONS: Record<string, Options> = {
  variants: { type: 'array', string: true, choices: ['vgg16', 'vgg19'], describe: 'Which bases to run (default both)' },
  'input-size': { type: 'number', describe: 'Images are resized to this many pixels square (≥ 32)', requiresArg: true },
  'vgg16-weights': { type: 'string', describe: 'VGG16 weights: Keras notop .h5 or tfjs model.json ($FMNIST_VGG16_WEIGHTS)', requiresArg: true },
  'vgg19-weights': { type: 'string', describe: 'VGG19 weights: Keras notop .h5 or tfjs model.json ($FMNIST_VGG19_WEIGHTS)', requiresArg: true },
  'fine-tune': { type: 'boolean', describe: 'Extra, off by default: also fine-tune the last VGG block with the head (labelled as such in the results)' },
};

export const tuneCommand = techniqueCommand(
  'tune',
  'Technique 1a: hyperparameter search on a stratified validation split',
  TUNE_OPTIONS,

  [
    ['$0 tune', 'quick search on a subset'],
    ['$0 tune --profile full --method grid --trials 12', "a grid search over 12 configurations of the full profile's search space"],
  ],
  RESUME_NOTE,
);

export const holdoutCommand = techniqueCommand(
  'holdout',
  'Technique 1: train the best (tuned) configuration, evaluate on the test set',
  HOLDOUT_OPTIONS,

  [
    ['$0 holdout', 'tune (quick), train the best, evaluate on test'],
    ['$0 holdout --profile full --epochs 30 --batch-size 500', "all the data; the tuned model trained for the original study's epochs and batch size"],
  ],
  `${RESUME_NOTE} The trained model is saved in the run's model/ directory (used by \`fmnist predict\`).`,
);

export const kfoldCommand = techniqueCommand(
  'kfold',
  'Technique 2: stratified k-fold cross-validation (curves per fold, mean ± std, ensemble)',
  KFOLD_OPTIONS,

  [
    ['$0 kfold', 'the quick profile: 5 folds on a subset, few epochs each, each fold scored on all test images'],
    ['$0 kfold --profile full --concurrency 2', "the full profile: all the data, the original study's number of folds, two folds at a time"],
    ['$0 kfold --folds 2 --epochs 1 --json', 'the smallest run: 2 folds of 1 epoch, results as JSON'],
  ],
  `${RESUME_NOTE} Also available as \`npx nx run experiments:kfold\`.`,
);

export const transferCommand = techniqueCommand(
  'transfer',
  'Technique 3: ImageNet VGG16/VGG19 frozen conv bases with a new head',
  TRANSFER_OPTIONS,

  [
    ['$0 transfer --vgg19-weights ~/models/vgg19-notop/model.json --variants vgg19', 'VGG19 only, from tfjs weights'],
    ['$0 transfer --vgg16-weights vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5', 'VGG16 from the official Keras file'],
  ],
  `Weights: the official Keras "notop" HDF5 files or a TensorFlow.js layers model, given by flag or environment variable, else downloaded on first use into the cache. Without weights a variant is skipped with a message saying how to provide them; it never trains on random weights. Base features are cached on disk, so re-runs are fast. ${RESUME_NOTE}`,
);
