// Reading back the JSON the experiments wrote (manifest.json, results.json, metrics.jsonl, unit
// results, summary.json): one place that names the file and the fix when it is corrupt, instead
// of a bare "Unexpected token" from JSON.parse.
import { JsonLineError, parseJsonLines } from '@fmnist/core';
import { MAX_JSON_BYTES, readInputTextIfExists } from '@fmnist/core/node';
import { dirname } from 'node:path';
import { ExperimentError } from '../errors';

export interface ReadJsonOptions {
  /** what to do when the file is corrupt; default: delete the directory holding it (the run) or restore the file */
  hint?: string;
}

const defaultHint = (path: string) => `delete ${dirname(path)} to start that run over, or restore the file`;

/** The text of a regular file (@fmnist/core/node's input rule), or null when it does not exist. */
async function readText(path: string, o: ReadJsonOptions): Promise<string | null> {
  const hint = o.hint ?? defaultHint(path);
  try {
    return (await readInputTextIfExists(path, 'Run file', hint, MAX_JSON_BYTES)) ?? null;
  } catch (e) {
    throw new ExperimentError((e as Error).message.split('\n')[0], { file: path, hint, cause: e });
  }
}

function corrupt(path: string, detail: string, o: ReadJsonOptions, cause?: unknown): ExperimentError {
  return new ExperimentError(`${path} is not valid JSON (${detail})`, { file: path, hint: o.hint ?? defaultHint(path), cause });
}

/** A JSON file's value, or null when the file does not exist; corrupt content is an ExperimentError naming it. */
export async function readJsonFile<T>(path: string, o: ReadJsonOptions = {}): Promise<T | null> {
  const text = await readText(path, o);
  if (text === null) return null;
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw corrupt(path, (e as Error).message, o, e);
  }
}

/**
 * The values of a JSON-lines file, or null when it does not exist. A torn last line (a crash
 * while appending) is dropped with a warning; a bad line before the last is an error.
 */
export async function readJsonLines<T>(path: string, o: ReadJsonOptions & { warn?: (line: string) => void } = {}): Promise<T[] | null> {
  const text = await readText(path, o);
  if (text === null) return null;
  try {
    const { values, torn } = parseJsonLines<T>(text);
    if (torn) o.warn?.(`${path}: ignoring a truncated last line (${torn.length} characters; an interrupted write)`);
    return values;
  } catch (e) {
    if (!(e instanceof JsonLineError)) throw e;
    throw corrupt(path, e.message, o, e);
  }
}
