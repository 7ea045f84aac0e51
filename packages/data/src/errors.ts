/**
 * An error the user can fix. The message names the file and the fix; `file` and `hint` carry
 * them separately for tools. The CLI prints the message and exits 1.
 */
export class FmnistError extends Error {
  readonly file?: string;
  readonly hint?: string;

  constructor(message: string, o: { file?: string; hint?: string; cause?: unknown } = {}) {
    super(o.hint ? `${message}\n${o.hint}` : message, o.cause === undefined ? undefined : { cause: o.cause });
    this.name = 'FmnistError';
    this.file = o.file;
    this.hint = o.hint;
  }
}

/** No dataset in any of the searched places. */
export class DatasetNotFoundError extends FmnistError {
  readonly searched: string[];
  constructor(message: string, searched: string[], hint: string) {
    super(message, { hint });
    this.name = 'DatasetNotFoundError';
    this.searched = searched;
  }
}

/** A downloaded file whose MD5 differs from the published one. */
export class ChecksumError extends FmnistError {
  constructor(file: string, expected: string, actual: string) {
    super(`Checksum mismatch for ${file}: expected MD5 ${expected}, got ${actual}. The file was deleted.`, {
      file,
      hint: 'Run `fmnist data fetch` again; if it keeps failing, the mirror serves a different file: use `apt-get install dataset-fashion-mnist` or `--data-dir DIR`.',
    });
    this.name = 'ChecksumError';
  }
}
