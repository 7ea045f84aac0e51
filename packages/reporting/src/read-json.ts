import { JsonLineError, parseJsonLines } from '@fmnist/core';
import { MAX_JSON_BYTES, readInputTextIfExists } from '@fmnist/core/node';
import { ReportError } from './report-error';

/** A regular file's text (@fmnist/core/node's input rule); `undefined` when it does not exist, a ReportError naming it otherwise. */
async function readText(file: string): Promise<string | undefined> {
  try {
    return await readInputTextIfExists(file, 'Report input', 'Re-run the step that writes it, or delete the run directory.', MAX_JSON_BYTES);
  } catch (e) {
    throw new ReportError((e as Error).message.split('\n')[0], { file, hint: (e as { hint?: string }).hint, cause: e });
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
  try {
    const { values, torn } = parseJsonLines<T>(text);
    if (torn) warn?.(`${file}: ignoring a truncated last line (an interrupted write)`);
    return values;
  } catch (e) {
    if (!(e instanceof JsonLineError)) throw e;
    throw new ReportError(`${file} line ${e.line} is not valid JSON`, { file, hint: 'Re-run the technique or delete the run directory.' });
  }
}
