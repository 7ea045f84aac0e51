import { stat } from 'node:fs/promises';
import { FmnistError } from './errors.js';

/** Stat `file` and throw a FmnistError naming it when it is missing or not a regular file. */
export async function assertReadableFile(file: string, what: string): Promise<{ size: number; mtimeMs: number }> {
  let st;
  try {
    st = await stat(file);
  } catch (e) {
    throw new FmnistError(`${what} not found: ${file}`, {
      file,
      hint: 'Check the path, or get the dataset with `apt-get install dataset-fashion-mnist` or `fmnist data fetch`.',
      cause: e,
    });
  }
  if (!st.isFile()) {
    throw new FmnistError(`${what} is not a regular file: ${file} (it is a ${st.isDirectory() ? 'directory' : 'special file'})`, {
      file,
      hint: 'Pass the path of the file itself, not of a directory.',
    });
  }
  return { size: st.size, mtimeMs: st.mtimeMs };
}
