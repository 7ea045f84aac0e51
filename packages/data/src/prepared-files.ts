import { createHash } from 'node:crypto';
import { dirname } from 'node:path';
import type { DataSource } from './types';
import type { PreparedFileRecord } from '@fmnist/core';

/** File names of the prepared directory (docs/contracts.md). */
export const PREPARED_FILES = {
  train: 'train.arrow',
  test: 'test.arrow',
  cleaning: 'cleaning.json',
  balance: 'balance.json',
  correlationTrain: 'correlation-train.arrow',
  correlationTest: 'correlation-test.arrow',
  summary: 'summary.json',
} as const;

/**
 * Bumped when the prepared layout or the cleaning rules change: it is part of the input key, so
 * a directory of an older format is prepared again. 2: summary.json records `files`.
 */
export const PREPARED_FORMAT_VERSION = 2;

export type { PreparedFileRecord };

export function fileRecord(data: Uint8Array | string): PreparedFileRecord {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  return { bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/** A path as one shell word. */
const shellWord = (p: string) => (/^[\w./@:+-]+$/.test(p) ? p : `'${p.replace(/'/g, `'\\''`)}'`);

/**
 * The fix for a damaged or outdated prepared directory: the prepare command that rebuilds it,
 * from the same inputs when its summary.json names them.
 */
export function rebuildHint(dir: string, source?: DataSource): string {
  const files = source?.files?.map((f) => f.path) ?? [];
  let inputs = ' (with the --data-dir or --train-csv/--test-csv it was prepared from)';
  if (source?.kind === 'idx' && files.length > 0) inputs = ` --data-dir ${shellWord(dirname(files[0]))}`;
  if (source?.kind === 'csv' && files.length === 2) inputs = ` --train-csv ${shellWord(files[0])} --test-csv ${shellWord(files[1])}`;
  return inputs.startsWith(' (')
    ? `Rebuild it with \`fmnist data prepare --force --out ${shellWord(dir)}\`${inputs}.`
    : `Rebuild it with \`fmnist data prepare --force${inputs} --out ${shellWord(dir)}\`.`;
}
