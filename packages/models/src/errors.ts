// Errors a user can fix: FmnistError (from @fmnist/core) whose message names the file and the fix.
import { FmnistError } from '@fmnist/core';

export class ModelsError extends FmnistError {
  constructor(message: string, o: { file?: string; hint?: string; cause?: unknown } = {}) {
    super(message, o);
    this.name = 'ModelsError';
  }
}
