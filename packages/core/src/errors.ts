/**
 * Errors a user can fix, shared by every package. The message names the file and the fix;
 * `file` and `hint` carry them separately for tools; `exitCode` is what the CLI exits with
 * (1, or 2 for a usage error such as a bad option or setting).
 *
 * Recognise them with `isFmnistError`, not `instanceof`: the CLI bundle, a package loaded from
 * source and a worker each have their own copy of this class, and only the brand (a registered
 * symbol on the prototype) is the same in all of them.
 */

/** `Symbol.for` keys are process-wide, so every copy of this module brands with the same key. */
const BRAND: unique symbol = Symbol.for('fmnist.FmnistError') as never;

export interface FmnistErrorOptions {
  /** The file (or directory) the problem is about. */
  file?: string;
  /** What the user can do about it; appended to the message on its own line. */
  hint?: string;
  cause?: unknown;
  /** Exit code for the CLI: 1 (default), or 2 for a usage error. */
  exitCode?: number;
}

export class FmnistError extends Error {
  readonly file?: string;
  readonly hint?: string;
  readonly exitCode: number;

  constructor(message: string, o: FmnistErrorOptions = {}) {
    super(o.hint ? `${message}\n${o.hint}` : message, o.cause === undefined ? undefined : { cause: o.cause });
    this.name = 'FmnistError';
    this.file = o.file;
    this.hint = o.hint;
    this.exitCode = o.exitCode ?? 1;
  }
}
Object.defineProperty(FmnistError.prototype, BRAND, { value: true });

/** True for a FmnistError or subclass from any copy of this package (bundle, source, revived). */
export function isFmnistError(e: unknown): e is FmnistError {
  return typeof e === 'object' && e !== null && (e as { [BRAND]?: unknown })[BRAND] === true;
}
