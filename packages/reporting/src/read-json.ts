import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { ReportError } from './report-error';

/** Larger JSON inputs are refused before reading (run files are a few MB at most). */
export const MAX_JSON_BYTES = 256 * 1024 * 1024;

/** A regular file's text; `undefined` when it does not exist, a ReportError naming it otherwise. */
async function readText(file: string): Promise<string | undefined> {
  let fh;
  try {
    // O_NONBLOCK: a FIFO under the name must not block the open
    fh = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e: any) {
    if (e?.code === 'ENOENT') return undefined;
    throw new ReportError(`${file} cannot be read (${e?.code ?? e?.message})`, { file, cause: e });
  }
  try {
    const st = await fh.stat();
    if (st.isDirectory()) throw new ReportError(`${file} is a directory, expected a JSON file`, { file });
    if (!st.isFile()) throw new ReportError(`${file} is not a regular file, expected a JSON file`, { file });
    if (st.size > MAX_JSON_BYTES) throw new ReportError(`${file} is ${st.size} bytes, more than the ${MAX_JSON_BYTES} a JSON input can be`, { file });
    return await fh.readFile('utf8');
  } finally {
    await fh.close();
  }
}

/** Reads a JSON file; `undefined` when it does not exist, a ReportError naming it when it is not JSON. */
export async function readJsonIfExists<T = any>(file: string): Promise<T | undefined> {
  const text = await readText(file);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new ReportError(`${file} is not valid JSON (${(e as Error).message})`, {
      file,
      hint: 'It may have been truncated; re-run the step that writes it, or delete it.',
      cause: e,
    });
  }
}

/**
 * Reads a JSON-lines file (e.g. metrics.jsonl); `undefined` when it does not exist. A torn last
 * line (a run killed mid-write) is dropped, with a line for `warn`.
 */
export async function readJsonLinesIfExists<T = any>(file: string, warn?: (line: string) => void): Promise<T[] | undefined> {
  const text = await readText(file);
  if (text === undefined) return undefined;
  const out: T[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line) continue;
    try {
      out.push(JSON.parse(line) as T);
    } catch {
      // A run killed mid-write may leave a torn last line; anything else is corrupt.
      if (i === lines.length - 1) {
        warn?.(`${file}: ignoring a truncated last line (an interrupted write)`);
        break;
      }
      throw new ReportError(`${file} line ${i + 1} is not valid JSON`, { file, hint: 'Re-run the technique or delete the run directory.' });
    }
  }
  return out;
}
