import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { realTestSplit, subset, SYSTEM_DIR, tempDir, writeIdxDataset } from '../test/fixtures';
import { cacheDir, locateDataset } from './discovery';
import { DatasetNotFoundError, FmnistError } from './errors';

describe('dataset discovery', () => {
  let root: string;
  let optionDir: string;
  let envDir: string;
  let xdg: string;
  beforeAll(async () => {
    root = tempDir('discovery');
    const s = subset(await realTestSplit(), 0, 20);
    optionDir = join(root, 'option');
    envDir = join(root, 'env');
    xdg = join(root, 'xdg');
    for (const d of [optionDir, envDir, join(xdg, 'fmnist', 'data')]) {
      mkdirSync(d, { recursive: true });
      writeIdxDataset(d, s, s);
    }
  });

  it('puts the cache under XDG_CACHE_HOME, else ~/.cache', () => {
    expect(cacheDir({ XDG_CACHE_HOME: '/x' })).toBe('/x/fmnist/data');
    expect(cacheDir({ HOME: '/h' })).toMatch(/\.cache\/fmnist\/data$/);
  });

  it('prefers the option, then FMNIST_DATA_DIR, then the cache, then the system dir', async () => {
    const env = { FMNIST_DATA_DIR: envDir, XDG_CACHE_HOME: xdg };
    expect(await locateDataset({ dataDir: optionDir, env })).toMatchObject({ dir: optionDir, source: 'option', kind: 'idx' });
    expect(await locateDataset({ env })).toMatchObject({ dir: envDir, source: 'env' });
    expect(await locateDataset({ env: { XDG_CACHE_HOME: xdg } })).toMatchObject({ dir: join(xdg, 'fmnist', 'data'), source: 'cache' });
    const sys = await locateDataset({ env: { XDG_CACHE_HOME: join(root, 'empty-cache') } });
    expect(sys).toMatchObject({ dir: SYSTEM_DIR, source: 'system', kind: 'idx' });
    expect(sys.kind === 'idx' && sys.files.trainImages).toBe(join(SYSTEM_DIR, 'train-images-idx3-ubyte.gz'));
  });

  it('finds uncompressed IDX files and Kaggle CSVs', async () => {
    const plain = join(root, 'plain');
    mkdirSync(plain);
    const s = subset(await realTestSplit(), 0, 5);
    writeIdxDataset(plain, s, s, false);
    const loc = await locateDataset({ dataDir: plain, env: {} });
    expect(loc.kind === 'idx' && loc.files.testLabels).toBe(join(plain, 't10k-labels-idx1-ubyte'));
    const csv = join(root, 'csv');
    mkdirSync(csv);
    writeFileSync(join(csv, 'fashion-mnist_train.csv'), 'label\n');
    writeFileSync(join(csv, 'fashion-mnist_test.csv'), 'label\n');
    expect(await locateDataset({ dataDir: csv, env: {} })).toMatchObject({ kind: 'csv', files: { trainCsv: join(csv, 'fashion-mnist_train.csv') } });
  });

  it('an explicit directory without the data is an error naming it and what is missing', async () => {
    const partial = join(root, 'partial');
    mkdirSync(partial);
    writeFileSync(join(partial, 'train-images-idx3-ubyte.gz'), '');
    const err = await locateDataset({ dataDir: partial, env: {} }).catch((e) => e);
    expect(err).toBeInstanceOf(FmnistError);
    expect(err.message).toContain(`--data-dir ${partial} does not hold the Fashion-MNIST files`);
    expect(err.message).toContain('missing: train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz');
    // the fix in one line: where to point the option, or how to get the data without it
    expect(err.hint).not.toContain('\n');
    expect(err.hint).toMatch(/^point --data-dir at a directory holding train-images-idx3-ubyte.gz.*fashion-mnist_test.csv.*fmnist data fetch.*apt-get install dataset-fashion-mnist/);
    await expect(locateDataset({ env: { FMNIST_DATA_DIR: join(root, 'nope') } })).rejects.toThrow(/FMNIST_DATA_DIR .*nope is not a directory/);
  });

  it('when nothing is found, names every place searched and the three ways to get the data', async () => {
    const cache = join(root, 'no-cache');
    const system = join(root, 'no-system');
    const err = await locateDataset({ env: { XDG_CACHE_HOME: cache }, systemDir: system }).catch((e) => e);
    expect(err).toBeInstanceOf(DatasetNotFoundError);
    expect(err.message).toContain(join(cache, 'fmnist', 'data'));
    expect(err.message).toContain(system);
    expect(err.message).toContain('apt-get install dataset-fashion-mnist');
    expect(err.message).toContain('fmnist data fetch');
    expect(err.message).toContain('--data-dir DIR');
  });
});
