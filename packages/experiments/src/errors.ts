/**
 * A problem the user can fix: the message names the file and the fix. Same shape as
 * `FmnistError` in @fmnist/data (interim local class until that lands; the CLI treats both alike).
 */
export class ExperimentError extends Error {
  readonly file?: string;
  readonly hint?: string;
  constructor(message: string, o: { file?: string; hint?: string } = {}) {
    super(o.hint ? `${message}\n  fix: ${o.hint}` : message);
    this.name = 'ExperimentError';
    this.file = o.file;
    this.hint = o.hint;
  }
}
