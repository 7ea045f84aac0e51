// Option definitions shared by several commands, and value checks (bad values are usage errors).
import type { Options } from 'yargs';
import { UsageError } from './errors';

/** yargs has already turned a non-numeric value into NaN. */
const showValue = (v: unknown) => (typeof v === 'number' && Number.isNaN(v) ? 'not a number' : JSON.stringify(v));

/** A coerce function that accepts integers within [min, max]. */
export function intIn(flag: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return (v: unknown) => {
    if (v === undefined) return v;
    const n = typeof v === 'number' ? v : Number(v);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new UsageError(`Invalid value for --${flag}: ${showValue(v)}; expected a whole number${max === Number.MAX_SAFE_INTEGER ? ` ≥ ${min}` : ` from ${min} to ${max}`}.`);
    }
    return n;
  };
}

export const GLOBAL_OPTIONS: Record<string, Options> = {
  'data-dir': { type: 'string', describe: 'Directory with the raw dataset (IDX .gz files or Kaggle CSVs). Default: $FMNIST_DATA_DIR, the user cache, /usr/share/datasets/fashion-mnist', requiresArg: true },
  'runs-dir': { type: 'string', describe: 'Where runs, prepared data and the report are written', default: 'runs', requiresArg: true },
  out: { type: 'string', describe: 'Output directory (or file) of the command; each command documents its default', requiresArg: true },
  backend: { choices: ['auto', 'tensorflow', 'wasm', 'cpu'], describe: 'TensorFlow.js backend: auto tries tfjs-node, then wasm, then cpu ($FMNIST_BACKEND)', default: 'auto', requiresArg: true },
  seed: { type: 'number', describe: 'Random seed (initialisation, shuffling, splits). Default: the profile\'s seed', coerce: intIn('seed', 0, 2 ** 31 - 1), requiresArg: true },
  profile: { choices: ['smoke', 'quick', 'full'], describe: 'smoke: seconds, for tests; quick: the whole study in minutes; full: all the data with the training recipe (about 3 h on 2 cores)', default: 'quick', requiresArg: true },
  concurrency: { type: 'number', describe: 'Cores the units (trials, folds, features, heads) share, in worker processes (default: every CPU core)', coerce: intIn('concurrency', 1, 256), requiresArg: true },
  json: { type: 'boolean', describe: 'Machine-readable JSON on stdout; logs and progress on stderr', default: false },
  quiet: { alias: 'q', type: 'boolean', describe: 'No logs or progress, only results and errors', default: false },
  verbose: { type: 'boolean', describe: 'Stack traces on errors (also DEBUG=fmnist)', default: false },
  config: { type: 'string', describe: 'Config file whose keys are flag names (default ./fmnist.config.json if present); flags win', requiresArg: true },
};

/**
 * Options of the training commands (tune, holdout, kfold, transfer, run): profile overrides, whose
 * values are checked by the experiments settings schema (settings-flags.ts), not here, and
 * --threads, which (like --concurrency) changes how a run executes, never its results.
 */
export const TRAINING_OPTIONS: Record<string, Options> = {
  data: { type: 'string', describe: 'Prepared data directory (written by `fmnist data prepare`; prepared on first use). Default: <runs-dir>/data', requiresArg: true },
  epochs: { type: 'number', describe: 'Epochs (overrides the profile)', requiresArg: true },
  'batch-size': { type: 'number', describe: 'Batch size (overrides the profile)', requiresArg: true },
  'train-size': { type: 'number', describe: 'Use only this many training images (stratified subset; overrides the profile)', requiresArg: true },
  'test-size': { type: 'number', describe: 'Score on only this many test images (overrides the profile)', requiresArg: true },
  queue: { type: 'string', describe: 'Redis URL (redis://[user:password@]host:port, rediss:// for TLS; $FMNIST_QUEUE): units go to `fmnist worker` processes, this command coordinates', requiresArg: true },
  set: { type: 'array', string: true, describe: 'Any experiment setting as key.path=value (JSON values), e.g. --set kfold.k=5 --set params.filters=[8,16]', requiresArg: true },
  threads: { type: 'number', describe: 'Threads training each model (same results for any number). Default: decided as each model starts, the free cores shared by the models waiting', coerce: intIn('threads', 1, 256), requiresArg: true },
};
