// The one way this project opens an input file: only a regular file is read. A FIFO, a device
// (/dev/zero, a tty) or a socket would make a read block forever or never end, so they are refused
// with a FmnistError naming the file, without ever blocking: the path is stat-ed before it is
// opened, and it is opened with O_NONBLOCK and fstat-ed again (the path may change in between).
import { constants, type Stats } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { FmnistError } from '../errors';

const DEFAULT_HINT = 'Pass the path of a regular file; copy data from a pipe or a device into a file first.';

// O_NONBLOCK: opening a FIFO for reading returns at once instead of waiting for a writer.
// O_NOCTTY: opening a terminal never makes it the process' controlling terminal. (0 where absent.)
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0);

function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a named pipe (FIFO)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'a special file';
}

function notRegular(file: string, what: string, st: Stats): FmnistError {
  return new FmnistError(`${what} is not a regular file: ${file} (it is ${kindOf(st)})`, {
    file,
    hint: st.isDirectory() ? 'Pass the path of the file itself, not of a directory.' : DEFAULT_HINT,
  });
}

function openFailed(file: string, what: string, e: unknown, hint: string): FmnistError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return new FmnistError(`${what} not found: ${file}`, { file, hint, cause: e });
  if (code === 'EACCES' || code === 'EPERM') return new FmnistError(`${what} cannot be read: ${file} (permission denied)`, { file, hint: 'Check the file\'s permissions.', cause: e });
  if (code === 'ELOOP') return new FmnistError(`${what} cannot be read: ${file} (a loop of symbolic links)`, { file, hint, cause: e });
  return new FmnistError(`${what} cannot be read: ${file} (${(e as Error).message})`, { file, hint, cause: e });
}

/** Stat `file` and throw a FmnistError naming it when it is missing or not a regular file. */
export async function assertReadableFile(file: string, what: string, hint = 'Check the path.'): Promise<{ size: number; mtimeMs: number }> {
  let st;
  try {
    st = await stat(file);
  } catch (e) {
    throw openFailed(file, what, e, hint);
  }
  if (!st.isFile()) throw notRegular(file, what, st);
  return { size: st.size, mtimeMs: st.mtimeMs };
}

export interface InputFile {
  fh: FileHandle;
  size: number;
  mtimeMs: number;
}

/**
 * Opens `file` for reading if, and only if, it is a regular file (symbolic links to one are
 * followed). Never blocks on a FIFO. `what` names the file in errors ('IDX image file'); `hint`
 * says how to fix a missing one. The caller closes `fh`.
 */
export async function openInput(file: string, what = 'Input file', hint = 'Check the path.'): Promise<InputFile> {
  let st: Stats;
  try {
    st = await stat(file);
  } catch (e) {
    throw openFailed(file, what, e, hint);
  }
  if (!st.isFile()) throw notRegular(file, what, st);
  let fh: FileHandle;
  try {
    fh = await open(file, OPEN_FLAGS);
  } catch (e) {
    throw openFailed(file, what, e, hint);
  }
  const fst = await fh.stat();
  if (!fst.isFile()) {
    await fh.close();
    throw notRegular(file, what, fst);
  }
  return { fh, size: fst.size, mtimeMs: fst.mtimeMs };
}

/** The whole content of a regular file (see openInput). */
export async function readInputFile(file: string, what?: string, hint?: string): Promise<Buffer> {
  const { fh } = await openInput(file, what, hint);
  try {
    return await fh.readFile();
  } finally {
    await fh.close();
  }
}

/** The first `n` bytes of a regular file (fewer when it is shorter), read without the rest. */
export async function readInputHead(file: string, n: number, what?: string, hint?: string): Promise<Uint8Array> {
  const { fh } = await openInput(file, what, hint);
  try {
    const b = Buffer.alloc(n);
    const { bytesRead } = await fh.read(b, 0, n, 0);
    return new Uint8Array(b.buffer, b.byteOffset, bytesRead);
  } finally {
    await fh.close();
  }
}

/** Larger JSON inputs (run files, report inputs) are refused before reading: the project writes a few MB at most. */
export const MAX_JSON_BYTES = 256 * 1024 * 1024;

/**
 * The text of a regular file of at most `maxBytes` (see openInput), or undefined when it does not
 * exist: for files that may legitimately be absent (a run's manifest before its first write).
 */
export async function readInputTextIfExists(file: string, what: string, hint: string, maxBytes: number): Promise<string | undefined> {
  let input: InputFile;
  try {
    input = await openInput(file, what, hint);
  } catch (e) {
    if (((e as Error).cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') return undefined;
    throw e;
  }
  try {
    if (input.size > maxBytes) throw new FmnistError(`${file} is ${input.size} bytes, more than the ${maxBytes} a ${what.toLowerCase()} can be`, { file, hint });
    return await input.fh.readFile('utf8');
  } finally {
    await input.fh.close();
  }
}
