/**
 * An error the user can fix: the message names the file and says what to do. Same shape as
 * `FmnistError` in @fmnist/data (reporting imports no sibling package, see docs/contracts.md).
 */
export class ReportError extends Error {
  readonly file?: string;
  readonly hint?: string;

  constructor(message: string, o: { file?: string; hint?: string; cause?: unknown } = {}) {
    super(o.hint ? `${message}\n  ${o.hint}` : message, { cause: o.cause });
    this.name = 'ReportError';
    this.file = o.file;
    this.hint = o.hint;
  }
}
