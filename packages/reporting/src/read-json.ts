import { readRegularFile } from './read-input.js';
import { ReportError } from './report-error.js';

/** Reads a JSON file; `undefined` when it does not exist, a ReportError naming it when it is not JSON. */
export async function readJsonIfExists<T = any>(file: string): Promise<T | undefined> {
  let text: string;
  try {
    text = (await readRegularFile(file)).toString('utf8');
  } catch (e: any) {
    if (e?.code === 'ENOENT') return undefined;
    if (e?.code === 'EISDIR') throw new ReportError(`${file} is a directory, expected a JSON file`, { file, cause: e });
    throw e;
  }
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

/** Reads a JSON-lines file (e.g. metrics.jsonl); `undefined` when it does not exist. */
export async function readJsonLinesIfExists<T = any>(file: string): Promise<T[] | undefined> {
  let text: string;
  try {
    text = (await readRegularFile(file)).toString('utf8');
  } catch (e: any) {
    if (e?.code === 'ENOENT') return undefined;
    throw e;
  }
  const out: T[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line) continue;
    try {
      out.push(JSON.parse(line) as T);
    } catch {
      // A run killed mid-write may leave a torn last line; anything else is corrupt.
      if (i >= lines.length - 2) break;
      throw new ReportError(`${file} line ${i + 1} is not valid JSON`, { file, hint: 'Re-run the technique or delete the run directory.' });
    }
  }
  return out;
}
