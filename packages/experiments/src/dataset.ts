import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import * as dataPkg from '@fmnist/data';
import { ExperimentError } from './errors';
import { IDX_FILES, readIdxSplit, type RawSplit } from './idx';
import { stratifiedSubset } from './stratify';

export const DEBIAN_DATA_DIR = '/usr/share/datasets/fashion-mnist';
export const PIXELS = 784;

export interface LoadedData { dir: string; kind: 'prepared' | 'idx'; inputKey: string; train: RawSplit; test: RawSplit }

const exists = (p: string) => stat(p).then(() => true, () => false);
// @fmnist/data is being built alongside this package: use its functions when they exist.
const data = dataPkg as unknown as Record<string, ((...a: any[]) => any) | undefined>;

/**
 * Where the data is: an explicit dir (prepared dir with train.arrow, or raw IDX files), else
 * FMNIST_DATA_DIR, else `runs/data` if prepared, else @fmnist/data's locateDataset, else the
 * Debian dataset dir.
 */
export async function resolveDataDir(dir?: string, env: Record<string, string | undefined> = process.env): Promise<string> {
  if (dir) return resolve(dir);
  if (env.FMNIST_DATA_DIR) return resolve(env.FMNIST_DATA_DIR);
  if (await exists(resolve('runs/data/train.arrow'))) return resolve('runs/data');
  if (data.locateDataset) {
    const loc = await data.locateDataset({ env });
    const d = loc?.dir ?? loc?.path;
    if (typeof d === 'string') return d;
  }
  return DEBIAN_DATA_DIR;
}

async function idxInputKey(dir: string): Promise<string> {
  const h = createHash('sha256');
  for (const which of ['train', 'test'] as const) {
    const f = IDX_FILES[which];
    h.update(await readFile(join(dir, f.labels)));
    h.update(String((await stat(join(dir, f.images))).size));
  }
  return h.digest('hex').slice(0, 16);
}

/** Data identity without reading the images: the prepared dir's inputKey, or a hash of the IDX files. */
export async function dataInputKey(dir: string): Promise<{ kind: 'prepared' | 'idx'; inputKey: string }> {
  if (await exists(join(dir, 'train.arrow'))) {
    const summary = JSON.parse(await readFile(join(dir, 'summary.json'), 'utf8').catch(() => '{}'));
    const key = summary.inputKey ?? createHash('sha256').update(String((await stat(join(dir, 'train.arrow'))).mtimeMs)).digest('hex').slice(0, 16);
    return { kind: 'prepared', inputKey: String(key) };
  }
  if (await exists(join(dir, IDX_FILES.train.images))) return { kind: 'idx', inputKey: await idxInputKey(dir) };
  throw new ExperimentError(`no Fashion-MNIST data in ${dir}`, {
    file: dir,
    hint: `run \`fmnist data prepare\` (writes runs/data), pass --data DIR with the official *-ubyte.gz files, or install the Debian package dataset-fashion-mnist (${DEBIAN_DATA_DIR})`,
  });
}

export async function loadData(dir: string): Promise<LoadedData> {
  const { kind, inputKey } = await dataInputKey(dir);
  if (kind === 'prepared') {
    if (!data.readPrepared) {
      throw new ExperimentError(`${dir} is a prepared dir but this build cannot read it yet`, { file: dir, hint: `pass --data ${DEBIAN_DATA_DIR}` });
    }
    const p = await data.readPrepared(dir);
    return { dir, kind, inputKey, train: p.train, test: p.test };
  }
  const [train, test] = await Promise.all([readIdxSplit(dir, 'train'), readIdxSplit(dir, 'test')]);
  return { dir, kind, inputKey, train, test };
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
  return (dir: string) => {
    let p = cache.get(dir);
    if (!p) {
      p = loadData(dir);
      cache.set(dir, p);
      p.catch(() => cache.delete(dir));
    }
    return p;
  };
}
