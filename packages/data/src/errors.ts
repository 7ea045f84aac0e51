// The data package's errors. FmnistError itself lives in @fmnist/core (shared by every package)
// and is re-exported here for the package's users.
import { FmnistError } from '@fmnist/core';

export { FmnistError };

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
