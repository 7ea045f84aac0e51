import { FmnistError } from '@fmnist/core';

/**
 * A problem the user can fix: the message names the file and the fix. A FmnistError, so the
 * CLI prints it and exits 1 like every other user-fixable error.
 */
export class ExperimentError extends FmnistError {
  constructor(message: string, o: { file?: string; hint?: string; cause?: unknown } = {}) {
    super(message, o.hint ? { ...o, hint: `fix: ${o.hint}` } : o);
    this.name = 'ExperimentError';
  }
}
