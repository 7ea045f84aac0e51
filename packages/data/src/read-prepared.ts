import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { arrowToMatrix, arrowToSplit } from './arrow-io';
import { FmnistError } from './errors';
import { readInputFile } from './file-checks';
import { PREPARED_FILES, PREPARED_FORMAT_VERSION, rebuildHint } from './prepared-files';
import type { PreparedData, PreparedSummary } from '@fmnist/core';

export type { PreparedSummary, PreparedData };

const hint = (dir: string) => `Run \`fmnist data prepare --out ${dir}\` first.`;

async function readPreparedFile(dir: string, name: string, fix = hint(dir)): Promise<Buffer> {
  return readInputFile(join(dir, name), 'Prepared data file', fix);
}

export async function readPreparedJson<T>(dir: string, name: string): Promise<T> {
  return parseJson<T>(await readPreparedFile(dir, name), join(dir, name), rebuildHint(dir));
}

async function assertDir(dir: string): Promise<void> {
  try {
    if ((await stat(dir)).isDirectory()) return;
  } catch {
    // fall through
  }
  throw new FmnistError(`Prepared data directory not found: ${dir}`, { file: dir, hint: hint(dir) });
}

/** Reads summary.json, refusing one of another format version (it has no file records to check). */
async function readSummary(dir: string): Promise<PreparedSummary> {
  const json = await readPreparedJson<Partial<PreparedSummary> | null>(dir, PREPARED_FILES.summary);
  const summary = (typeof json === 'object' && json !== null ? json : {}) as PreparedSummary;
  if (summary.formatVersion !== PREPARED_FORMAT_VERSION || typeof summary.files !== 'object' || summary.files === null) {
    const file = join(dir, PREPARED_FILES.summary);
    throw new FmnistError(
      `${file} is of prepared-data format ${JSON.stringify(summary.formatVersion ?? null)}; this fmnist reads format ${PREPARED_FORMAT_VERSION}, which records each file's size and hash`,
      { file, hint: rebuildHint(dir, summary.source) },
    );
  }
  return summary;
}

/**
 * One prepared file, checked against summary.json: its size always, its SHA-256 when asked.
 * A mismatch means the directory is damaged (a truncated copy, a bad disk, an edit).
 */
async function readVerified(dir: string, name: string, summary: PreparedSummary, verifyHashes: boolean): Promise<Buffer> {
  const fix = rebuildHint(dir, summary.source);
  const file = join(dir, name);
  const rec = Object.hasOwn(summary.files, name) ? summary.files[name] : undefined;
  const damaged = (what: string) => new FmnistError(`${file} ${what}: the prepared data is damaged`, { file, hint: fix });
  if (!rec) throw damaged(`has no size and hash in ${PREPARED_FILES.summary}`);
  const wrongSize = (size: number) => damaged(`is ${size} bytes but ${PREPARED_FILES.summary} records ${rec.bytes}`);
  // the size before reading: a replaced file may be of any size
  const st = await stat(file).catch(() => null);
  if (st?.isFile() && st.size !== rec.bytes) throw wrongSize(st.size);
  const bytes = await readPreparedFile(dir, name, fix);
  if (bytes.length !== rec.bytes) throw wrongSize(bytes.length);
  if (verifyHashes && createHash('sha256').update(bytes).digest('hex') !== rec.sha256) {
    throw damaged(`does not match the SHA-256 recorded in ${PREPARED_FILES.summary}`);
  }
  return bytes;
}

function parseJson<T>(bytes: Buffer, file: string, fix: string): T {
  try {
    return JSON.parse(bytes.toString('utf8')) as T;
  } catch (e) {
    throw new FmnistError(`${file} is not valid JSON: ${(e as Error).message}`, { file, hint: fix, cause: e });
  }
}

export interface ReadPreparedOptions {
  /**
   * Also compare each file's SHA-256 with summary.json (sizes are always compared), the
   * correlation matrices included, which are then read only for this.
   */
  verifyHashes?: boolean;
}

/**
 * Reads a prepared directory back: Arrow tables as Splits (labels zero-copy), reports as
 * objects. Every file is checked against the size summary.json records (and its hash with
 * `verifyHashes`); a damaged file is a FmnistError naming it and the rebuild command.
 */
export async function readPrepared(dir: string, o: ReadPreparedOptions = {}): Promise<PreparedData> {
  const abs = resolve(dir);
  await assertDir(abs);
  const summary = await readSummary(abs);
  const fix = rebuildHint(abs, summary.source);
  const read = (name: string) => readVerified(abs, name, summary, o.verifyHashes === true);
  const [trainBytes, testBytes, cleaningBytes, balanceBytes] = await Promise.all(
    [PREPARED_FILES.train, PREPARED_FILES.test, PREPARED_FILES.cleaning, PREPARED_FILES.balance].map(read),
  );
  if (o.verifyHashes) {
    for (const name of [PREPARED_FILES.correlationTrain, PREPARED_FILES.correlationTest]) await read(name);
  }
  return {
    dir: abs,
    train: arrowToSplit(trainBytes, join(abs, PREPARED_FILES.train), fix),
    test: arrowToSplit(testBytes, join(abs, PREPARED_FILES.test), fix),
    cleaning: parseJson(cleaningBytes, join(abs, PREPARED_FILES.cleaning), fix),
    balance: parseJson(balanceBytes, join(abs, PREPARED_FILES.balance), fix),
    source: summary.source,
    summary,
  };
}

/** One 785x785 correlation matrix (row-major) from a prepared directory, size-checked. */
export async function readCorrelation(dir: string, split: 'train' | 'test'): Promise<Float64Array> {
  const abs = resolve(dir);
  const summary = await readSummary(abs);
  const name = split === 'train' ? PREPARED_FILES.correlationTrain : PREPARED_FILES.correlationTest;
  return arrowToMatrix(await readVerified(abs, name, summary, false), join(abs, name), rebuildHint(abs, summary.source));
}
