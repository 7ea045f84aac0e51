// Default locations derived from the global flags, and checks on user-given paths.
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CliError } from './errors';
import type { CommandContext } from './session';

export const runsDir = (ctx: CommandContext) => resolve(ctx.cwd, ctx.args.runsDir);
export const preparedDir = (ctx: CommandContext, explicit?: string) => resolve(ctx.cwd, explicit ?? join(ctx.args.runsDir, 'data'));
export const reportDir = (ctx: CommandContext, explicit?: string) => resolve(ctx.cwd, explicit ?? join(ctx.args.runsDir, 'report'));

export const PREPARED_FILES = ['train.arrow', 'test.arrow', 'cleaning.json', 'balance.json'] as const;

export function isPrepared(dir: string): boolean {
  return PREPARED_FILES.every((f) => existsSync(join(dir, f)));
}

/** A directory given on the command line must exist and be a directory. */
export function requireDir(path: string, flag: string, fix: string): string {
  const abs = resolve(path);
  if (!existsSync(abs)) throw new CliError(`${flag} ${abs}: directory not found. ${fix}`, { file: abs });
  if (!statSync(abs).isDirectory()) throw new CliError(`${flag} ${abs} is a file, not a directory. ${fix}`, { file: abs });
  return abs;
}

/** A file given on the command line must exist and be a regular file. */
export function requireFile(path: string, flag: string, fix: string): string {
  const abs = resolve(path);
  if (!existsSync(abs)) throw new CliError(`${flag} ${abs}: file not found. ${fix}`, { file: abs });
  if (statSync(abs).isDirectory()) throw new CliError(`${flag} ${abs} is a directory, not a file. ${fix}`, { file: abs });
  return abs;
}

export const DATA_DIR_FIX =
  'Pass the directory holding train-images-idx3-ubyte.gz etc. (or the Kaggle CSVs) with --data-dir, or omit --data-dir to use $FMNIST_DATA_DIR, the cache filled by `fmnist data fetch`, or /usr/share/datasets/fashion-mnist (apt-get install dataset-fashion-mnist).';
