import { FmnistError, type FmnistErrorOptions } from '@fmnist/core';

/**
 * An input file of the report is unreadable (corrupt Arrow or JSON): the message names the file
 * and says what to do. A FmnistError, so the CLI prints it and exits 1.
 */
export class ReportError extends FmnistError {
  constructor(message: string, o: FmnistErrorOptions = {}) {
    super(message, o);
    this.name = 'ReportError';
  }
}
