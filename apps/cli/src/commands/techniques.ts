// fmnist tune | holdout | kfold | transfer: the three techniques of the study (@fmnist/experiments).
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Options } from 'yargs';
import type { CommandSpec } from '../command';
import { fn, loadData, loadExperiments, maybeFn } from '../packages';
import { DATA_DIR_FIX, isPrepared, preparedDir, requireDir, runsDir } from '../paths';
import type { CommandContext } from '../session';
import { intIn, TRAINING_OPTIONS } from '../options';
import { runPrepare } from './data';
import { UsageError } from '../errors';
import { bundleFile, workerCommand } from '../entry';
import { runChild } from '../child-run';

export type Technique = 'tune' | 'holdout' | 'kfold' | 'transfer';

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
    const data = await loadData();
    const locateDataset = fn(data, '@fmnist/data', 'Dataset discovery', 'locateDataset');
    try {
      const loc = await locateDataset({});
      dataDir = String(loc.dir ?? loc.path);
    } catch (e) {
      if (!o.fetch) throw e;
      ctx.out.log(`no dataset found locally (${(e as Error).message.split('\n')[0]}); downloading the official files`);
      const fetchDataset = fn(data, '@fmnist/data', 'Downloading the dataset', 'fetchDataset');
      const loc: Record<string, unknown> = await ctx.abortable(() => fetchDataset({ onProgress: ctx.onProgress, signal: ctx.signal }));
      dataDir = String(loc.dir ?? loc.path);
    }
  }
  ctx.out.log(`preparing data from ${dataDir} into ${dir}`);
  const bundle = bundleFile();
  if (bundle) {
    const flags = [...(ctx.args.quiet ? ['--quiet'] : []), ...(ctx.args.json ? ['--json'] : [])];
    await runChild(bundle, ['data', 'prepare', '--data-dir', dataDir, '--out', dir, ...flags], { cwd: ctx.cwd, what: 'data preparation', signal: ctx.signal });
  } else {
    await runPrepare(ctx, { dataDir }, dir);
  }
  ctx.progress.stop();
  return dir;
}

/** Dotted `key.path=value` assignments (value parsed as JSON when it parses) into an object. */
export function parseSet(items: readonly string[]): Record<string, unknown> {
  const out: Record<string, any> = {};
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq < 1) throw new UsageError(`--set expects key.path=value (e.g. kfold.k=5), got "${item}"`);
    const path = item.slice(0, eq).split('.');
    let value: unknown;
    try {
      value = JSON.parse(item.slice(eq + 1));
    } catch {
      value = item.slice(eq + 1);
    }
    let o = out;
    for (const k of path.slice(0, -1)) o = o[k] ??= {};
    o[path[path.length - 1]] = value;
  }
  return out;
}

function merge(base: Record<string, any>, over: Record<string, any>): Record<string, any> {
  const out: Record<string, any> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue;
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && base[k] && typeof base[k] === 'object' ? merge(base[k], v) : v;
  }
  return out;
}

/** Drops undefined leaves and then-empty objects (the experiments package rejects unknown shapes, not absent ones). */
function prune(o: Record<string, any>): Record<string, any> | undefined {
  const out: Record<string, any> = {};
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined) continue;
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const p = prune(v);
      if (p) out[k] = p;
    } else out[k] = v;
  }
  return Object.keys(out).length ? out : undefined;
}

/**
 * The flags as @fmnist/experiments settings overrides (its `Settings` shape: data, params, tune,
 * holdout, kfold, transfer). `--set a.b=v` reaches any setting and wins over the named flags.
 */
export function toOverrides(argv: Record<string, any>): Record<string, unknown> | undefined {
  const { epochs, batchSize, trainSize, testSize } = argv;
  const weights = argv.vgg16Weights || argv.vgg19Weights ? { vgg16: argv.vgg16Weights, vgg19: argv.vgg19Weights } : undefined;
  const named = {
    data: { trainSubset: trainSize, testSubset: testSize },
    params: { epochs, batchSize },
    tune: { method: argv.method, maxTrials: argv.trials, subset: trainSize },
    holdout: { tune: argv.tune, epochs, batchSize },
    kfold: { k: argv.folds, subset: trainSize, params: { epochs, batchSize } },
    transfer: {
      variants: argv.variants,
      inputSize: argv.inputSize,
      trainSubset: trainSize,
      testSubset: testSize,
      weights,
      head: { epochs, batchSize },
      fineTune: argv.fineTune === undefined ? undefined : { enabled: argv.fineTune },
    },
  };
  return prune(merge(named, parseSet((argv.set as string[] | undefined) ?? [])));
}

const EXPERIMENT_FUNCTIONS: Record<Technique, string[]> = {
  tune: ['runTune'],
  holdout: ['runHoldout'],
  kfold: ['runKFold', 'runKfold'],
  transfer: ['runTransfer'],
};

export interface TechniqueOutcome {
  technique: Technique;
  runDir?: string;
  runId?: string;
  results: Record<string, any>;
  interrupted: boolean;
}

/** A setting the experiments package does not know (or of the wrong kind) is a usage error, caught before any work. */
export async function checkOverrides(ctx: CommandContext, overrides: Record<string, unknown> | undefined): Promise<void> {
  const exp = await loadExperiments();
  const resolveSettings = maybeFn<(p: string, o?: unknown) => unknown>(exp, 'resolveSettings');
  if (!resolveSettings) return;
  try {
    resolveSettings(ctx.args.profile, overrides);
  } catch (e) {
    throw new UsageError(`${(e as Error).message} (from the training flags or --set)`);
  }
}

/** Runs one technique through @fmnist/experiments. */
export async function runTechnique(ctx: CommandContext, technique: Technique, dataDir: string, overrides: Record<string, unknown> | undefined): Promise<TechniqueOutcome> {
  const exp = await loadExperiments();
  const run = fn<(o: Record<string, unknown>) => Promise<Record<string, any>>>(exp, '@fmnist/experiments', `The ${technique} technique`, ...EXPERIMENT_FUNCTIONS[technique]);
  const a = ctx.args;
  const r = await ctx.abortable(() => run({
    dataDir,
    runsDir: runsDir(ctx),
    profile: a.profile,
    seed: a.seed,
    backend: a.backend,
    concurrency: a.concurrency,
    overrides,
    worker: workerCommand(),
    signal: ctx.signal,
    onProgress: ctx.onProgress,
    log: (m: string) => ctx.out.log(m),
  }));
  ctx.progress.stop();
  return normalizeOutcome(technique, r ?? {});
}

function normalizeOutcome(technique: Technique, r: Record<string, any>): TechniqueOutcome {
  const runDir: string | undefined = r.runDir ?? r.dir;
  let results: Record<string, any> | undefined = r.results ?? (r.technique ? r : undefined);
  if (!results && runDir && existsSync(join(runDir, 'results.json'))) results = JSON.parse(readFileSync(join(runDir, 'results.json'), 'utf8'));
  const interrupted = r.interrupted === true || r.status === 'interrupted';
  return { technique, runDir, runId: r.runId ?? (runDir ? runDir.split(/[\\/]/).pop() : undefined), results: results ?? {}, interrupted };
}

const pct = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) ? `${(x * 100).toFixed(2)}%` : 'n/a');
const ms = (s: { mean?: number; std?: number } | undefined) => (s && typeof s.mean === 'number' ? `${pct(s.mean)} ± ${pct(s.std ?? 0)}` : 'n/a');

/** A few lines a human reads after a technique finishes. */
export function summarize(o: TechniqueOutcome): string {
  const r = o.results;
  const head = `${o.technique}${o.runId ? ` run ${o.runId}` : ''}${o.runDir ? ` (${o.runDir})` : ''}`;
  switch (o.technique) {
    case 'tune': {
      const trials = (r.trials ?? []) as any[];
      const best = trials.find((t) => t.rank === 1) ?? trials[0];
      const lines = [`${head}: ${trials.length} trials (${r.method ?? 'search'})`];
      for (const t of [...trials].sort((a, b) => (a.rank ?? 0) - (b.rank ?? 0)).slice(0, 5)) {
        lines.push(`  #${t.rank} val acc ${pct(t.valAccuracy)}  ${JSON.stringify(t.params)}`);
      }
      if (best) lines.push(`  best: ${JSON.stringify(r.best ?? best.params)}`);
      return lines.join('\n');
    }
    case 'holdout':
      return `${head}: train ${pct(r.train?.accuracy)}, validation ${pct(r.validation?.accuracy)}, test ${pct(r.test?.accuracy)} (original study: 89.58%)`;
    case 'kfold': {
      const s = r.summary ?? {};
      const lines = [`${head}: ${r.k ?? (r.folds ?? []).length}-fold`];
      for (const f of (r.folds ?? []) as any[]) lines.push(`  fold ${f.fold}: train ${pct(f.train?.accuracy)}, validation ${pct(f.validation?.accuracy)}, test ${pct(f.test?.accuracy)}`);
      lines.push(`  mean: train ${ms(s.trainAccuracy)}, validation ${ms(s.validationAccuracy)}, test ${ms(s.testAccuracy)}; ensemble test ${pct(r.ensemble?.test?.accuracy)} (original: 88.17% / 87.25%)`);
      return lines.join('\n');
    }
    case 'transfer': {
      const lines = [`${head}:`];
      for (const m of (r.models ?? []) as any[]) {
        lines.push(m.status === 'complete' ? `  ${m.variant}: train ${pct(m.train?.accuracy)}, test ${pct(m.test?.accuracy)} (input ${m.inputSize}px)` : `  ${m.variant}: ${m.status}${m.reason ? ` (${String(m.reason).split('\n')[0]})` : ''}`);
      }
      lines.push('  original study: VGG16 82.68%, VGG19 82.94%');
      return lines.join('\n');
    }
  }
}

function techniqueCommand(technique: Technique, describe: string, options: Record<string, Options>, examples: [string, string][], epilogue: string): CommandSpec {
  return {
    command: technique,
    describe,
    options: { ...TRAINING_OPTIONS, ...options },
    examples,
    epilogue,
    async run(ctx, argv) {
      const overrides = toOverrides(argv);
      await checkOverrides(ctx, overrides);
      const dataDir = await ensureData(ctx, argv);
      const outcome = await runTechnique(ctx, technique, dataDir, overrides);
      if (outcome.interrupted) return;
      ctx.out.result(summarize(outcome), { technique, runId: outcome.runId ?? null, runDir: outcome.runDir ?? null, results: outcome.results });
    },
  };
}

const RESUME_NOTE = 'Runs are written to <runs-dir>/<technique>/<profile>-<config hash>/; re-running the same command resumes an interrupted run and never recomputes finished epochs, trials or folds.';

export const TUNE_OPTIONS: Record<string, Options> = {
  method: { choices: ['grid', 'halving', 'hyperband'], describe: 'Search method: grid search, or successive halving / Hyperband over a larger space in the same time', requiresArg: true },
  trials: { type: 'number', describe: 'Maximum number of configurations to try', coerce: intIn('trials', 1, 100_000), requiresArg: true },
};

export const HOLDOUT_OPTIONS: Record<string, Options> = {
  tune: { type: 'boolean', describe: 'Tune first (the default); --no-tune trains the profile\'s own configuration' },
};

export const KFOLD_OPTIONS: Record<string, Options> = {
  folds: { alias: 'k', type: 'number', describe: 'Number of folds (default: 3 in the quick profile, 5 in full)', coerce: intIn('folds', 2, 100), requiresArg: true },
};

export const TRANSFER_OPTIONS: Record<string, Options> = {
  variants: { type: 'array', string: true, choices: ['vgg16', 'vgg19'], describe: 'Which bases to run (default both)' },
  'input-size': { type: 'number', describe: 'Images are resized to this many pixels square (≥ 32)', coerce: intIn('input-size', 32, 224), requiresArg: true },
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
    ['$0 kfold', "the quick profile: its number of folds on a subset, few epochs each"],
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
