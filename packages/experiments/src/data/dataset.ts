import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { readJsonFile } from '../rundir/read-json';
import { stratifiedSubset } from './stratify';
import { FmnistError, PIXELS } from '@fmnist/core';
import { locateDataset, readIdxSplit, readInputFile, readPrepared, SYSTEM_DATA_DIR, type IdxFiles, type Split } from '@fmnist/data';

export const DEBIAN_DATA_DIR = SYSTEM_DATA_DIR;
export { PIXELS };
export type RawSplit = Split;

export interface DataRef { dir: string; kind: 'prepared' | 'idx'; inputKey: string; files?: IdxFiles }
export interface LoadedData extends DataRef { train: RawSplit; test: RawSplit }

const exists = (p: string) => stat(p).then(() => true, () => false);

/**
 * Which data to use: an explicit dir (a prepared dir with train.arrow, or the raw files), else
 * `runs/data` when prepared there, else @fmnist/data's discovery (FMNIST_DATA_DIR, user cache,
 * the Debian dataset). Raw Kaggle CSVs must be prepared first (cleaning is part of prepare).
 */
export async function resolveData(dir?: string, env: Record<string, string | undefined> = process.env): Promise<DataRef> {
  const prepared = dir ? resolve(dir) : (await exists(resolve('runs/data/train.arrow'))) ? resolve('runs/data') : null;
  if (prepared && (await exists(join(prepared, 'train.arrow')))) {
    const summary = await readJsonFile<{ inputKey?: unknown }>(join(prepared, 'summary.json'), { hint: `re-run \`fmnist data prepare --out ${prepared}\`` });
    if (!summary?.inputKey) {
      throw new FmnistError(`${join(prepared, 'summary.json')} is missing or has no inputKey`, {
        file: join(prepared, 'summary.json'),
        hint: `re-run \`fmnist data prepare --out ${prepared}\``,
      });
    }
    return { dir: prepared, kind: 'prepared', inputKey: String(summary.inputKey) };
  }
  const loc = await locateDataset({ dataDir: dir, env });
  if (loc.kind !== 'idx') {
    throw new FmnistError(`${loc.dir} holds the Kaggle CSVs, which are cleaned by prepare`, {
      file: loc.dir,
      hint: `run \`fmnist data prepare --data-dir ${loc.dir}\` and pass --data runs/data`,
    });
  }
  const h = createHash('sha256');
  for (const f of [loc.files.trainLabels, loc.files.testLabels]) h.update(await readInputFile(f, 'IDX label file'));
  for (const f of [loc.files.trainImages, loc.files.testImages]) h.update(String((await stat(f)).size));
  return { dir: loc.dir, kind: 'idx', inputKey: h.digest('hex').slice(0, 16), files: loc.files };
}

export async function loadData(ref: DataRef): Promise<LoadedData> {
  if (ref.kind === 'prepared') {
    const p = await readPrepared(ref.dir);
    return { ...ref, train: p.train, test: p.test };
  }
  const f = ref.files!;
  const [train, test] = await Promise.all([readIdxSplit(f.trainImages, f.trainLabels), readIdxSplit(f.testImages, f.testLabels)]);
  return { ...ref, train, test };
}

/** Rows `idx` of a split, as a new split. */
export function take(s: RawSplit, idx: ArrayLike<number>): RawSplit {
  const n = idx.length;
  const images = new Uint8Array(n * PIXELS);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const r = idx[i];
    images.set(s.images.subarray(r * PIXELS, (r + 1) * PIXELS), i * PIXELS);
    labels[i] = s.labels[r];
  }
  return { n, images, labels };
}

/** A stratified seeded subset of `n` rows (the split itself when n is absent or >= its size). */
export function subset(s: RawSplit, n: number | undefined, seed: number): RawSplit {
  if (n === undefined || n >= s.n) return s;
  return take(s, stratifiedSubset(s.labels, n, seed));
}

/** Per-process cache: a worker that runs several folds loads the data once. */
export function createDataCache() {
  const cache = new Map<string, Promise<LoadedData>>();
  return (ref: DataRef) => {
    const key = `${ref.dir}\0${ref.inputKey}`;
    let p = cache.get(key);
    if (!p) {
      p = loadData(ref);
      cache.set(key, p);
      p.catch(() => cache.delete(key));
    }
    return p;
  };
}
