// Errors a user can fix. @fmnist/data does not export FmnistError yet (contracts.md promises it),
// so this is a local class of the same shape: message naming the file and the fix, plus `file`
// and `hint` fields. Swap for FmnistError once it lands.
export class ModelsError extends Error {
  readonly file?: string;
  readonly hint?: string;
  constructor(message: string, o: { file?: string; hint?: string } = {}) {
    super(o.hint ? `${message} ${o.hint}` : message);
    this.name = 'ModelsError';
    this.file = o.file;
    this.hint = o.hint;
  }
}
