// Reporting's inputs are read only from regular files: a FIFO or a device in a run or data
// directory would make the read block forever or never end. Reporting imports no sibling package,
// so this applies the rules of @fmnist/data's openInput and isPlainName (file-checks.ts,
// confined-path.ts) here; both belong in a shared dependency-free package.
import { constants, type Stats } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { ReportError } from './report-error.js';

// O_NONBLOCK: opening a FIFO returns at once instead of waiting for a writer; the fstat then refuses it.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0);

function notRegular(file: string, st: Stats): ReportError {
  const kind = st.isDirectory() ? 'a directory' : st.isFIFO() ? 'a named pipe (FIFO)' : st.isCharacterDevice() ? 'a character device' : st.isBlockDevice() ? 'a block device' : st.isSocket() ? 'a socket' : 'a special file';
  return new ReportError(`${file} is not a regular file (it is ${kind})`, { file, hint: 'Replace it with the file the step that writes it produces, or delete it.' });
}

/** The content of a regular file; fs errors (ENOENT...) are passed on as they are. */
export async function readRegularFile(file: string): Promise<Buffer> {
  const st = await stat(file);
  if (!st.isFile()) throw notRegular(file, st);
  const fh = await open(file, OPEN_FLAGS);
  try {
    const fst = await fh.stat();
    if (!fst.isFile()) throw notRegular(file, fst);
    return await fh.readFile();
  } finally {
    await fh.close();
  }
}

/** A single path component (a run id read from latest.json): the rule of @fmnist/data's isPlainName. */
export function isPlainName(s: unknown): s is string {
  return typeof s === 'string' && s !== '' && s !== '.' && s !== '..' && !/[/\\\0]/.test(s);
}
