// Exit codes and the error types the CLI maps onto them.
import { isFmnistError } from '@fmnist/core';
import { describeSystemError } from './system-error';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
/** 128 + SIGINT, what shells report for a program stopped by Ctrl-C. */
export const EXIT_INTERRUPTED = 130;

/** A mistake in how the command was called: printed with a hint to --help, exit 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * A failure the user can fix, raised by the CLI itself. Same shape as `FmnistError` from
 * `@fmnist/data` (message naming the file and the fix, optional `file` and `hint`).
 */
export class CliError extends Error {
  readonly file?: string;
  readonly hint?: string;
  constructor(message: string, o: { file?: string; hint?: string } = {}) {
    super(message);
    this.name = 'CliError';
    this.file = o.file;
    this.hint = o.hint;
  }
}

/**
 * True for errors whose message is written for users (no stack trace needed): FmnistError and
 * its subclasses from every package (recognised by @fmnist/core's brand, which holds across
 * bundles and for errors rebuilt after a worker), and the CLI's own.
 */
export function isUserError(e: unknown): boolean {
  return e instanceof CliError || isFmnistError(e);
}

/**
 * The text printed for a failure: a system error (ENOSPC, EACCES...) as one sentence with its fix,
 * else the message and the hint if it is not already part of it.
 */
export function formatError(e: unknown, verbose: boolean): string {
  if (!(e instanceof Error)) return `error: ${String(e)}`;
  const system = isUserError(e) ? undefined : describeSystemError(e);
  if (system) return `error: ${system}${verbose && e.stack ? `\n${e.stack}` : ''}`;
  const hint = (e as { hint?: unknown }).hint;
  let text = `error: ${e.message}`;
  if (typeof hint === 'string' && hint && !e.message.includes(hint)) text += `\nhint: ${hint}`;
  if (verbose && e.stack) text += `\n${e.stack}`;
  else if (!isUserError(e)) text += '\n(run again with --verbose or DEBUG=fmnist for the stack trace)';
  return text;
}
