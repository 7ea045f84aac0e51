import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { arrowToMatrix, arrowToSplit } from './arrow-io.js';
import { FmnistError } from './errors.js';
import { readInputFile } from './file-checks.js';
import type { ColumnStats } from './explore.js';
import type { PixelCorrelation } from './pearson.js';
import { PREPARED_FILES } from './prepared-files.js';
import type { BalanceReport, CleaningReport, DataSource, Split } from './types.js';

export interface PreparedSummary {
  source: DataSource;
  inputKey: string;
  formatVersion: number;
  rows: { train: number; test: number };
  head: { train: number[][]; test: number[][] };
  describe: { train: Record<string, ColumnStats>; test: Record<string, ColumnStats> };
  topCorrelated: { train: PixelCorrelation[]; test: PixelCorrelation[] };
  createdAt: string;
}

export interface PreparedData {
  dir: string;
  train: Split;
  test: Split;
  cleaning: { train: CleaningReport; test: CleaningReport };
  balance: { train: BalanceReport; test: BalanceReport };
  source: DataSource;
  summary: PreparedSummary;
}

const hint = (dir: string) => `Run \`fmnist data prepare --out ${dir}\` first.`;

async function readPreparedFile(dir: string, name: string): Promise<Buffer> {
  return readInputFile(join(dir, name), 'Prepared data file', hint(dir));
}

export async function readPreparedJson<T>(dir: string, name: string): Promise<T> {
  const buf = await readPreparedFile(dir, name);
  try {
    return JSON.parse(buf.toString('utf8')) as T;
  } catch (e) {
    throw new FmnistError(`${join(dir, name)} is not valid JSON: ${(e as Error).message}`, {
      file: join(dir, name),
      hint: hint(dir),
      cause: e,
    });
  }
}

async function assertDir(dir: string): Promise<void> {
  try {
    if ((await stat(dir)).isDirectory()) return;
  } catch {
    // fall through
  }
  throw new FmnistError(`Prepared data directory not found: ${dir}`, { file: dir, hint: hint(dir) });
}

/** Reads a prepared directory back: Arrow tables as Splits (labels zero-copy), reports as objects. */
export async function readPrepared(dir: string): Promise<PreparedData> {
  const abs = resolve(dir);
  await assertDir(abs);
  const [trainBytes, testBytes, cleaning, balance, summary] = await Promise.all([
    readPreparedFile(abs, PREPARED_FILES.train),
    readPreparedFile(abs, PREPARED_FILES.test),
    readPreparedJson<PreparedData['cleaning']>(abs, PREPARED_FILES.cleaning),
    readPreparedJson<PreparedData['balance']>(abs, PREPARED_FILES.balance),
    readPreparedJson<PreparedSummary>(abs, PREPARED_FILES.summary),
  ]);
  return {
    dir: abs,
    train: arrowToSplit(trainBytes, join(abs, PREPARED_FILES.train)),
    test: arrowToSplit(testBytes, join(abs, PREPARED_FILES.test)),
    cleaning,
    balance,
    source: summary.source,
    summary,
  };
}

/** One 785x785 correlation matrix (row-major) from a prepared directory. */
export async function readCorrelation(dir: string, split: 'train' | 'test'): Promise<Float64Array> {
  const abs = resolve(dir);
  const name = split === 'train' ? PREPARED_FILES.correlationTrain : PREPARED_FILES.correlationTest;
  return arrowToMatrix(await readPreparedFile(abs, name), join(abs, name));
}
