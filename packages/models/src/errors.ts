// Errors a user can fix: FmnistError (from @fmnist/data) whose message names the file and the fix.
import { FmnistError } from '@fmnist/data';

export class ModelsError extends FmnistError {
  constructor(message: string, o: { file?: string; hint?: string; cause?: unknown } = {}) {
    super(message, o);
    this.name = 'ModelsError';
  }
}
