import { createHash } from 'node:crypto';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { matrixToArrow, splitToArrow } from './arrow-io';
import { balanceReport } from './balance';
import { loadCsvSplit, loadIdxSplit } from './clean';
import { checkCsvHead } from './csv-reader';
import { locateDataset, type Env } from './discovery';
import { FmnistError } from './errors';
import { describeColumns, headRows } from './explore';
import { assertReadableFile } from './file-checks';
import { checkIdxSplitHeaders } from './idx-reader';
import { md5File } from './md5';
import { pearsonParallel, topCorrelatedPixels, type PixelCorrelation } from './pearson';
import { fileRecord, PREPARED_FILES, PREPARED_FORMAT_VERSION, type PreparedFileRecord } from './prepared-files';
import { readPrepared, readPreparedJson, type PreparedData, type PreparedSummary } from './read-prepared';
import type { BalanceReport, CleaningReport, DataSource, OnProgress, Split } from './types';
import { checkOutputPlace, removeDeadStaging, stagingName } from '@fmnist/core/node';

export interface PrepareOptions {
  /** Directory with the IDX files or the Kaggle CSVs (else discovery: env, cache, system). */
  dataDir?: string;
  /** Kaggle CSVs, instead of a data directory (both required). */
  trainCsv?: string;
  testCsv?: string;
  /** Output directory (the CLI's default is runs/data). */
  out: string;
  env?: Env;
  /** Discovery's last place (default /usr/share/datasets/fashion-mnist). */
  systemDir?: string;
  /** Prepare again even when the inputs are unchanged and the directory verifies. */
  force?: boolean;
  /** Worker threads for the correlation (default: all cores). */
  threads?: number;
  onProgress?: OnProgress;
  /** Stops between steps; nothing is written to `out`. */
  signal?: AbortSignal;
}

export interface PrepareResult {
  out: string;
  /** True when the inputs were unchanged and the Arrow files were read back instead of parsed. */
  cached: boolean;
  /**
   * Set when `out` was prepared from the same inputs but failed verification (a file's size or
   * SHA-256 differs from summary.json): why, in one sentence. It was prepared again.
   */
  damaged?: string;
  inputKey: string;
  source: DataSource;
  cleaning: { train: CleaningReport; test: CleaningReport };
  balance: { train: BalanceReport; test: BalanceReport };
  topCorrelated: PixelCorrelation[];
  train: Split;
  test: Split;
  seconds: number;
}

interface Inputs {
  kind: 'idx' | 'csv';
  train: string[];
  test: string[];
}

async function resolveInputs(o: PrepareOptions): Promise<Inputs> {
  if (o.trainCsv || o.testCsv) {
    if (!o.trainCsv || !o.testCsv) {
      throw new FmnistError('Both --train-csv and --test-csv are needed for Kaggle CSV input', {
        hint: 'Pass both files, or use --data-dir DIR for a directory holding them.',
      });
    }
    return { kind: 'csv', train: [resolve(o.trainCsv)], test: [resolve(o.testCsv)] };
  }
  const loc = await locateDataset({ dataDir: o.dataDir, env: o.env, systemDir: o.systemDir });
  return loc.kind === 'idx'
    ? { kind: 'idx', train: [loc.files.trainImages, loc.files.trainLabels], test: [loc.files.testImages, loc.files.testLabels] }
    : { kind: 'csv', train: [loc.files.trainCsv], test: [loc.files.testCsv] };
}

/** Each input's header from its first bytes: bad input is refused before the inputs are hashed. */
async function checkInputHeads(inputs: Inputs): Promise<void> {
  for (const files of [inputs.train, inputs.test]) {
    if (inputs.kind === 'csv') await checkCsvHead(files[0]);
    else await checkIdxSplitHeaders(files[0], files[1]);
  }
}

/** Source files with size and MD5, and the input key: a hash of the format version and those. */
async function describeSource(inputs: Inputs): Promise<{ source: DataSource; inputKey: string }> {
  const paths = [...inputs.train, ...inputs.test];
  const files = await Promise.all(
    paths.map(async (path) => {
      const { size } = await assertReadableFile(path, inputs.kind === 'idx' ? 'IDX file' : 'CSV file');
      return { path, bytes: size, md5: await md5File(path) };
    }),
  );
  const key = createHash('sha256')
    .update(JSON.stringify({ v: PREPARED_FORMAT_VERSION, kind: inputs.kind, files: files.map((f) => [basename(f.path), f.bytes, f.md5]) }))
    .digest('hex');
  return { source: { kind: inputs.kind, files }, inputKey: key };
}

/**
 * The prepared directory, when it was made from these inputs (same input key, hence the same
 * format) and every file matches the size and SHA-256 its summary.json records. `damaged` says
 * why a directory of the same inputs was not reused.
 */
async function tryCache(out: string, inputKey: string, onVerify: () => void): Promise<{ data?: PreparedData; damaged?: string }> {
  let summary: PreparedSummary;
  try {
    summary = await readPreparedJson<PreparedSummary>(out, PREPARED_FILES.summary);
  } catch {
    return {}; // none yet, or unreadable: prepared anew
  }
  if (summary?.inputKey !== inputKey) return {};
  onVerify();
  try {
    return { data: await readPrepared(out, { verifyHashes: true }) };
  } catch (e) {
    if (!(e instanceof FmnistError)) throw e;
    return { damaged: e.message.split('\n')[0] };
  }
}

/**
 * A system error while writing the staging directory names the output the user asked for, not
 * the hidden staging path (a write through a file descriptor names no path at all).
 */
function nameOutputPath(e: unknown, tmp: string, out: string, file: string): unknown {
  const x = e as NodeJS.ErrnoException;
  if (!(e instanceof Error) || typeof x.code !== 'string') return e;
  if (typeof x.path === 'string' && x.path.startsWith(tmp)) x.path = out + x.path.slice(tmp.length);
  else if (x.path === undefined) x.path = join(out, file);
  return e;
}

/**
 * Reads, cleans and explores both splits and writes the prepared directory (docs/contracts.md).
 * Atomic: everything is written into a temp dir beside `out` and moved into place only when all
 * of it succeeded (summary.json, which holds the input key and every other file's size and
 * SHA-256, last). With unchanged inputs the files are read back instead (`cached: true`) once
 * they match those records; a damaged directory is prepared again (`damaged` says why), and
 * `force` prepares again regardless.
 */
export async function prepare(o: PrepareOptions): Promise<PrepareResult> {
  const t0 = performance.now();
  const out = resolve(o.out);
  const progress = (label: string, done: number, total: number) => {
    o.signal?.throwIfAborted();
    o.onProgress?.({ done, total, unit: 'step', label });
  };
  // absent (or below a file: checked next) is fine; a symbolic-link loop or an unreadable path is
  // reported now, naming --out, not after the work at the move into place
  const existing = await stat(out).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return null;
    throw e;
  });
  if (existing && !existing.isDirectory()) {
    throw new FmnistError(`Output ${out} exists and is not a directory`, { file: out, hint: 'Choose another --out.' });
  }
  if (!existing) await checkOutputPlace(out);
  const inputs = await resolveInputs(o);
  await checkInputHeads(inputs);
  const { source, inputKey } = await describeSource(inputs);

  const cache = o.force ? {} : await tryCache(out, inputKey, () => progress('verify cached files', 0, 1));
  const p = cache.data;
  if (p) {
    progress('verify cached files', 1, 1);
    return {
      out,
      cached: true,
      inputKey,
      source,
      cleaning: p.cleaning,
      balance: p.balance,
      topCorrelated: p.summary.topCorrelated.train,
      train: p.train,
      test: p.test,
      seconds: (performance.now() - t0) / 1000,
    };
  }

  const damaged = cache.damaged;
  const total = 6;
  const load = (files: string[], label: string) => {
    const onProgress: OnProgress | undefined = o.onProgress
      ? (p) => o.onProgress!({ ...p, label: `${label}: ${basename(p.label ?? '')}` })
      : undefined;
    return inputs.kind === 'idx' ? loadIdxSplit(files[0], files[1], onProgress) : loadCsvSplit(files[0], onProgress);
  };
  progress('read train', 0, total);
  const train = await load(inputs.train, 'read train');
  progress('read test', 1, total);
  const test = await load(inputs.test, 'read test');
  for (const [files, r] of [[inputs.train, train], [inputs.test, test]] as const) {
    if (r.split.n > 0) continue;
    const c = r.report;
    const first = c.examples.invalid[0] ? `; first invalid: row ${c.examples.invalid[0].row}: ${c.examples.invalid[0].reason}` : '';
    throw new FmnistError(
      `${files[0]}: no usable rows (read ${c.rowsRead}: ${c.duplicates} duplicates, ${c.emptyCells} with empty cells, ${c.invalid} invalid${first})`,
      { file: files[0], hint: 'Check that the file holds Fashion-MNIST rows: label 0..9 then 784 pixels 0..255.' },
    );
  }
  const balance = { train: balanceReport(train.split.labels), test: balanceReport(test.split.labels) };
  progress('correlation train', 2, total);
  const corrProgress = (label: string): OnProgress | undefined =>
    o.onProgress ? (p) => o.onProgress!({ ...p, label }) : undefined;
  const corrTrain = await pearsonParallel(train.split, { threads: o.threads, onProgress: corrProgress('correlation train') });
  progress('correlation test', 3, total);
  const corrTest = await pearsonParallel(test.split, { threads: o.threads, onProgress: corrProgress('correlation test') });
  const topTrain = topCorrelatedPixels(corrTrain, 20);
  const topTest = topCorrelatedPixels(corrTest, 20);
  progress('describe', 4, total);
  const describePixels = topTrain.slice(0, 5).map((p) => p.pixel);
  const cleaning = { train: train.report, test: test.report };
  const json = (v: unknown) => JSON.stringify(v, null, 2) + '\n';
  const contents: [string, Uint8Array | string][] = [
    [PREPARED_FILES.train, splitToArrow(train.split)],
    [PREPARED_FILES.test, splitToArrow(test.split)],
    [PREPARED_FILES.correlationTrain, matrixToArrow(corrTrain)],
    [PREPARED_FILES.correlationTest, matrixToArrow(corrTest)],
    [PREPARED_FILES.cleaning, json(cleaning)],
    [PREPARED_FILES.balance, json(balance)],
  ];
  // sizes and hashes of what is written, checked before the directory is trusted again
  const files: Record<string, PreparedFileRecord> = {};
  for (const [name, data] of contents) files[name] = fileRecord(data);
  const summary: PreparedSummary = {
    source,
    inputKey,
    formatVersion: PREPARED_FORMAT_VERSION,
    files,
    rows: { train: train.split.n, test: test.split.n },
    head: { train: headRows(train.split), test: headRows(test.split) },
    describe: {
      train: await describeColumns(train.split, describePixels),
      test: await describeColumns(test.split, describePixels),
    },
    topCorrelated: { train: topTrain, test: topTest },
    createdAt: new Date().toISOString(),
  };
  contents.push([PREPARED_FILES.summary, json(summary)]);

  progress('write', 5, total);
  const parent = dirname(out);
  const prefix = `.${basename(out)}.tmp-`;
  await mkdir(parent, { recursive: true });
  await removeDeadStaging(parent, prefix);
  const tmp = join(parent, stagingName(prefix));
  await mkdir(tmp);
  try {
    for (const [name, data] of contents) {
      await writeFile(join(tmp, name), data).catch((e: unknown) => Promise.reject(nameOutputPath(e, tmp, out, name)));
    }
    const outExists = (await stat(out).catch(() => null))?.isDirectory() ?? false;
    if (!outExists) {
      await rename(tmp, out);
    } else {
      // summary.json (the cache key) goes first and comes back last, so an interrupted move
      // never leaves a directory that claims to match its inputs
      await rm(join(out, PREPARED_FILES.summary), { force: true });
      for (const [name] of contents) await rename(join(tmp, name), join(out, name));
      await rm(tmp, { recursive: true, force: true });
    }
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
  o.onProgress?.({ done: total, total, unit: 'step', label: 'done' });
  return {
    out,
    cached: false,
    ...(damaged ? { damaged } : {}),
    inputKey,
    source,
    cleaning,
    balance,
    topCorrelated: topTrain,
    train: train.split,
    test: test.split,
    seconds: (performance.now() - t0) / 1000,
  };
}
