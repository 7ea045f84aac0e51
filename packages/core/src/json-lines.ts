// JSON lines as the run files hold them (metrics.jsonl): one value a line. A process killed while
// appending leaves a torn last line without its newline; that one is left out and reported, and a
// bad line anywhere else is corruption. Readers turn both into their own messages and errors.

export interface JsonLines<T> {
  values: T[];
  /** the torn last line, left out: its 1-based number and length */
  torn?: { line: number; length: number };
}

/** A bad line before the last: its 1-based number and JSON.parse's message. */
export class JsonLineError extends Error {
  constructor(readonly line: number, readonly detail: string) {
    super(`line ${line}: ${detail}`);
    this.name = 'JsonLineError';
  }
}

export function parseJsonLines<T>(text: string): JsonLines<T> {
  const lines = text.split('\n');
  const last = lines.findLastIndex((l) => l.trim() !== '');
  const values: T[] = [];
  for (let i = 0; i <= last; i++) {
    if (!lines[i].trim()) continue;
    try {
      values.push(JSON.parse(lines[i]) as T);
    } catch (e) {
      if (i === last && !text.endsWith('\n')) return { values, torn: { line: i + 1, length: lines[i].length } };
      throw new JsonLineError(i + 1, (e as Error).message);
    }
  }
  return { values };
}
