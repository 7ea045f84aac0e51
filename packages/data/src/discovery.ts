import { stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { KAGGLE_TEST_CSV, KAGGLE_TRAIN_CSV, OFFICIAL_FILES, SYSTEM_DATA_DIR } from './constants';
import { DatasetNotFoundError, FmnistError } from './errors';

export type Env = Record<string, string | undefined>;

export interface IdxFiles {
  trainImages: string;
  trainLabels: string;
  testImages: string;
  testLabels: string;
}
export interface CsvFiles {
  trainCsv: string;
  testCsv: string;
}
export type LocationSource = 'option' | 'env' | 'cache' | 'system';
export type DatasetLocation =
  | { dir: string; source: LocationSource; kind: 'idx'; files: IdxFiles }
  | { dir: string; source: LocationSource; kind: 'csv'; files: CsvFiles };

/** The user cache directory for the dataset: $XDG_CACHE_HOME/fmnist/data or ~/.cache/fmnist/data. */
export function cacheDir(env: Env = process.env): string {
  const xdg = env.XDG_CACHE_HOME;
  return xdg ? join(xdg, 'fmnist', 'data') : join(homedir(), '.cache', 'fmnist', 'data');
}

async function isFile(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isFile();
  } catch {
    return false;
  }
}

async function isDir(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Looks for the dataset in one directory: the four official IDX files (gzip, or already
 * decompressed without `.gz`), else the two Kaggle CSVs. Returns what is missing otherwise.
 */
export async function findDatasetIn(
  dir: string,
  source: LocationSource,
): Promise<{ location: DatasetLocation } | { missing: string[] }> {
  const found: Partial<Record<keyof IdxFiles, string>> = {};
  const missing: string[] = [];
  for (const f of OFFICIAL_FILES) {
    const gz = join(dir, f.name);
    const plain = join(dir, f.name.replace(/\.gz$/, ''));
    if (await isFile(gz)) found[f.role] = gz;
    else if (await isFile(plain)) found[f.role] = plain;
    else missing.push(f.name);
  }
  if (missing.length === 0) return { location: { dir, source, kind: 'idx', files: found as IdxFiles } };
  const trainCsv = join(dir, KAGGLE_TRAIN_CSV);
  const testCsv = join(dir, KAGGLE_TEST_CSV);
  if ((await isFile(trainCsv)) && (await isFile(testCsv))) {
    return { location: { dir, source, kind: 'csv', files: { trainCsv, testCsv } } };
  }
  return { missing };
}

const HOW_TO_GET = (cache: string) =>
  [
    'Get the data in one of these ways:',
    '  - apt-get install dataset-fashion-mnist   (Debian/Ubuntu: installs the official files in ' + SYSTEM_DATA_DIR + ')',
    `  - fmnist data fetch                       (downloads the official files into ${cache})`,
    '  - --data-dir DIR or FMNIST_DATA_DIR=DIR   (a directory holding train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz,',
    '                                             t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz, or the Kaggle CSVs)',
  ].join('\n');

/** The one-line fix for a directory given explicitly that does not hold the data. */
const FIX_EXPLICIT = (what: string) =>
  `point ${what} at a directory holding ${OFFICIAL_FILES.map((f) => f.name).join(', ')} (or ${KAGGLE_TRAIN_CSV} and ${KAGGLE_TEST_CSV}), ` +
  `or leave it out to use the files of \`fmnist data fetch\` or \`apt-get install dataset-fashion-mnist\``;

/**
 * Finds the dataset: the `dataDir` option, then FMNIST_DATA_DIR, then the user cache dir, then
 * /usr/share/datasets/fashion-mnist. A directory given explicitly (option or env) must hold the
 * data; otherwise the error lists every place searched and how to get the data.
 */
export async function locateDataset(
  o: { dataDir?: string; env?: Env; systemDir?: string } = {},
): Promise<DatasetLocation> {
  const env = o.env ?? process.env;
  const cache = cacheDir(env);
  const explicit: [string | undefined, LocationSource, string][] = [
    [o.dataDir, 'option', '--data-dir'],
    [env.FMNIST_DATA_DIR, 'env', 'FMNIST_DATA_DIR'],
  ];
  for (const [dir, source, what] of explicit) {
    if (!dir) continue;
    const abs = resolve(dir);
    if (!(await isDir(abs))) {
      throw new FmnistError(`${what} ${abs} is not a directory`, { file: abs, hint: FIX_EXPLICIT(what) });
    }
    const r = await findDatasetIn(abs, source);
    if ('location' in r) return r.location;
    throw new FmnistError(`${what} ${abs} does not hold the Fashion-MNIST files (missing: ${r.missing.join(', ')})`, {
      file: abs,
      hint: FIX_EXPLICIT(what),
    });
  }
  const searched: string[] = [];
  const system = o.systemDir ?? SYSTEM_DATA_DIR;
  for (const [dir, source] of [
    [cache, 'cache'],
    [system, 'system'],
  ] as [string, LocationSource][]) {
    const r = await findDatasetIn(dir, source);
    if ('location' in r) return r.location;
    searched.push(`  - ${dir} (${source === 'cache' ? 'user cache' : 'Debian package dataset-fashion-mnist'}): ${(await isDir(dir)) ? 'missing ' + r.missing.join(', ') : 'no such directory'}`);
  }
  throw new DatasetNotFoundError(
    `No Fashion-MNIST data found. Searched --data-dir (not given), FMNIST_DATA_DIR (not set) and:\n${searched.join('\n')}`,
    searched,
    HOW_TO_GET(cache),
  );
}
