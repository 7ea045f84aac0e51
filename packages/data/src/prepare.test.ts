import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, truncateSync, utimesSync, writeFileSync, appendFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  compareMatrices,
  csvRow,
  idxLabelsBytes,
  PYTHON,
  realTestSplit,
  subset,
  SYSTEM_DIR,
  tempDir,
  writeCsv,
  writeIdxDataset,
} from '../test/fixtures';
import { COLUMN_NAMES, PIXELS } from './constants';
import { dataInfo, formatDataSummary } from './data-info';
import { FmnistError } from './errors';
import { readIdxSplit } from './idx-reader';
import { prepare } from './prepare';
import { PREPARED_FILES, PREPARED_FORMAT_VERSION } from './prepared-files';
import { readCorrelation, readPrepared } from './read-prepared';
import type { Split } from './types';

/** numpy's corrcoef of train and test, from the gz IDX files read by numpy itself. */
async function numpyFromIdx(dir: string, out: string): Promise<void> {
  const script = `
import gzip, sys, warnings, numpy as np
warnings.simplefilter("ignore")
d, out = sys.argv[1], sys.argv[2]
for split, prefix in (("train", "train"), ("test", "t10k")):
    with gzip.open(f"{d}/{prefix}-images-idx3-ubyte.gz") as f: X = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 784)
    with gzip.open(f"{d}/{prefix}-labels-idx1-ubyte.gz") as f: y = np.frombuffer(f.read(), np.uint8, offset=8)
    np.corrcoef(np.column_stack([y, X]).astype(np.float64), rowvar=False).tofile(f"{out}/{split}.bin")
`;
  await promisify(execFile)(PYTHON, ['-c', script, dir, out]);
}
const readF64 = (file: string) => {
  const b = readFileSync(file);
  return new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
};

describe('prepare on the real Debian dataset', () => {
  it('keeps 60,000 / 10,000 rows, 6,000 / 1,000 per class, correlation equal to numpy; a re-run reads the cache', async () => {
    const root = tempDir('prepare-real');
    const out = join(root, 'data');
    const steps: string[] = [];
    // numpy (single-threaded, ~20 s on the training set) runs while we prepare
    const np = tempDir('numpy-full');
    const numpyDone = numpyFromIdx(SYSTEM_DIR, np);
    const r = await prepare({ dataDir: SYSTEM_DIR, out, onProgress: (p) => p.unit === 'step' && steps.push(p.label!) });
    expect(r.cached).toBe(false);
    expect(steps).toContain('correlation train');
    expect(r.cleaning.train).toMatchObject({ rowsRead: 60000, rowsKept: 60000, duplicates: 0, emptyCells: 0, invalid: 0 });
    expect(r.cleaning.test).toMatchObject({ rowsRead: 10000, rowsKept: 10000 });
    expect(r.balance.train.counts).toEqual(new Array(10).fill(6000));
    expect(r.balance.test.counts).toEqual(new Array(10).fill(1000));
    expect(r.balance.train.verdict).toBe('balanced');
    expect(readdirSync(out).sort()).toEqual(Object.values(PREPARED_FILES).sort());
    expect(readdirSync(root)).toEqual(['data']); // no temp dir left beside it

    await numpyDone;
    for (const split of ['train', 'test'] as const) {
      const c = compareMatrices(await readCorrelation(out, split), readF64(join(np, `${split}.bin`)));
      expect(c.nanMismatch, split).toBe(0);
      expect(c.maxDiff, split).toBeLessThan(1e-6);
    }

    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.source.kind).toBe('idx');
    expect(summary.source.files.map((f: { path: string }) => f.path)).toContain(join(SYSTEM_DIR, 'train-images-idx3-ubyte.gz'));
    expect(summary.source.files[0].md5).toMatch(/^[0-9a-f]{32}$/);
    expect(summary.head.train).toHaveLength(5);
    expect(summary.head.train[0]).toHaveLength(785);
    expect(summary.describe.train.label).toMatchObject({ count: 60000, mean: 4.5, min: 0, max: 9 });
    expect(summary.topCorrelated.train).toHaveLength(20);
    expect(Object.keys(summary.describe.train)).toEqual(['label', ...summary.topCorrelated.train.slice(0, 5).map((p: { pixel: number }) => `pixel${p.pixel}`)]);

    const again = await prepare({ dataDir: SYSTEM_DIR, out });
    expect(again.cached).toBe(true);
    expect(again.inputKey).toBe(r.inputKey);
    expect(again.train.n).toBe(60000);
    const direct = await readIdxSplit(join(SYSTEM_DIR, 'train-images-idx3-ubyte.gz'), join(SYSTEM_DIR, 'train-labels-idx1-ubyte.gz'));
    expect(again.train.labels).toEqual(direct.labels);
    expect(Buffer.compare(Buffer.from(again.train.images), Buffer.from(direct.images))).toBe(0);

    const info = await dataInfo(out);
    expect(info.rows).toEqual({ train: 60000, test: 10000 });
    expect(info.files.find((f) => f.name === 'train.arrow')!.bytes).toBeGreaterThan(60000 * 785);
    expect(formatDataSummary({ ...info, cached: true })).toMatch(/train: 60000 read, 60000 kept/);
  }, 600_000);
});

describe('prepare on Kaggle CSVs', () => {
  let base: Split;
  beforeAll(async () => {
    base = subset(await realTestSplit(), 0, 400);
  });

  it('writes the cleaned rows to Arrow, reports each planted problem, and caches by content', async () => {
    const root = tempDir('prepare-csv');
    const trainCsv = join(root, 'train.csv');
    const testCsv = join(root, 'test.csv');
    const rows: string[][] = [];
    for (let i = 0; i < 300; i++) {
      rows.push(csvRow(base, i));
      if (i === 7) rows.push(csvRow(base, 2)); // duplicate (data row 9)
      if (i === 8) rows.push(csvRow(base, 8).map((v, c) => (c === 300 ? '' : v))); // empty cell (row 11)
      if (i === 9) rows.push(csvRow(base, 9).map((v, c) => (c === 0 ? '12' : v))); // label 12 (row 13)
    }
    writeCsv(trainCsv, rows);
    writeCsv(testCsv, Array.from({ length: 100 }, (_, i) => csvRow(base, 300 + i)));
    const out = join(root, 'prepared');
    const r = await prepare({ trainCsv, testCsv, out });
    expect(r.cached).toBe(false);
    const cleaning = JSON.parse(readFileSync(join(out, 'cleaning.json'), 'utf8'));
    expect(cleaning.train).toMatchObject({
      rowsRead: 303,
      duplicates: 1,
      emptyCells: 1,
      invalid: 1,
      conflictingLabels: 0,
      rowsKept: 300,
      examples: { duplicates: [9], emptyCells: [11], invalid: [{ row: 13, reason: 'label = 12 outside 0..9' }], conflictingLabels: [] },
    });
    expect(cleaning.test).toMatchObject({ rowsRead: 100, rowsKept: 100, duplicates: 0 });

    const p = await readPrepared(out);
    expect(p.train.n).toBe(300);
    expect(Buffer.compare(Buffer.from(p.train.images), Buffer.from(base.images.subarray(0, 300 * PIXELS)))).toBe(0);
    expect(p.test.labels).toEqual(base.labels.subarray(300, 400));
    expect(p.source.kind).toBe('csv');

    // the Arrow file itself: 785 uint8 columns with the contract's names
    const { tableFromIPC } = await import('apache-arrow');
    const t = tableFromIPC(readFileSync(join(out, 'train.arrow')));
    expect(t.schema.fields.map((f) => f.name)).toEqual(COLUMN_NAMES);
    expect(String(t.schema.fields[1].type)).toBe('Uint8');
    expect(t.numRows).toBe(300);
    const corr = tableFromIPC(readFileSync(join(out, 'correlation-test.arrow')));
    expect(corr.numRows).toBe(785);
    expect(String(corr.schema.fields[0].type)).toBe('Float64');

    // a touched but unchanged file keeps the cache; changed content invalidates it
    const later = new Date(Date.now() + 5000);
    utimesSync(testCsv, later, later);
    expect((await prepare({ trainCsv, testCsv, out })).cached).toBe(true);
    appendFileSync(testCsv, csvRow(base, 300).join(',') + '\n');
    const changed = await prepare({ trainCsv, testCsv, out });
    expect(changed.cached).toBe(false);
    expect(changed.cleaning.test).toMatchObject({ rowsRead: 101, duplicates: 1, rowsKept: 100 });
    expect(JSON.parse(readFileSync(join(out, 'cleaning.json'), 'utf8')).test.duplicates).toBe(1);
    expect((await prepare({ trainCsv, testCsv, out })).cached).toBe(true);
  });
});

describe('prepare on small IDX files and a CSV directory', () => {
  it('reports duplicates and conflicting labels in IDX input with 1-based record numbers', async () => {
    const real = await realTestSplit();
    const base = subset(real, 0, 60);
    // records 61 and 62 repeat records 5 and 9; record 63 is record 7's image with another label
    const extra = [5, 9, 7];
    const n = base.n + extra.length;
    const images = new Uint8Array(n * PIXELS);
    const labels = new Uint8Array(n);
    images.set(base.images);
    labels.set(base.labels);
    extra.forEach((from, k) => {
      images.set(base.images.subarray(from * PIXELS, (from + 1) * PIXELS), (base.n + k) * PIXELS);
      labels[base.n + k] = k === 2 ? (base.labels[from] + 3) % 10 : base.labels[from];
    });
    const root = tempDir('prepare-idx-dups');
    const dataDir = join(root, 'raw');
    mkdirSync(dataDir);
    writeIdxDataset(dataDir, { n, images, labels }, subset(real, 100, 40));
    const r = await prepare({ dataDir, out: join(root, 'out') });
    expect(r.source.kind).toBe('idx');
    expect(r.cleaning.train).toMatchObject({
      rowsRead: 63,
      duplicates: 2,
      conflictingLabels: 1,
      rowsKept: 61,
      examples: { duplicates: [61, 62], conflictingLabels: [63] },
    });
    const p = await readPrepared(join(root, 'out'));
    expect(p.train.n).toBe(61);
    expect(p.train.labels[60]).toBe((base.labels[7] + 3) % 10);
    expect(p.balance.train.counts.reduce((a, b) => a + b)).toBe(61);
  });

  it('finds the Kaggle CSVs in --data-dir', async () => {
    const real = await realTestSplit();
    const root = tempDir('prepare-csv-dir');
    writeCsv(join(root, 'fashion-mnist_train.csv'), Array.from({ length: 30 }, (_, i) => csvRow(real, i)));
    writeCsv(join(root, 'fashion-mnist_test.csv'), Array.from({ length: 10 }, (_, i) => csvRow(real, 50 + i)));
    const r = await prepare({ dataDir: root, out: join(root, 'out') });
    expect(r.source.kind).toBe('csv');
    expect(r.source.files.map((f) => f.path)).toEqual([join(root, 'fashion-mnist_train.csv'), join(root, 'fashion-mnist_test.csv')]);
    expect([r.train.n, r.test.n]).toEqual([30, 10]);
  });
});

describe('a damaged prepared directory', () => {
  let small: Split;
  beforeAll(async () => {
    small = subset(await realTestSplit(), 0, 60);
  });

  const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

  /** 40 train and 20 test rows as CSVs in a new temp dir, prepared into its `out`. */
  async function preparedFromCsv(tag: string): Promise<{ trainCsv: string; testCsv: string; out: string }> {
    const root = tempDir(tag);
    const trainCsv = join(root, 'train.csv');
    const testCsv = join(root, 'test.csv');
    writeCsv(trainCsv, Array.from({ length: 40 }, (_, i) => csvRow(small, i)));
    writeCsv(testCsv, Array.from({ length: 20 }, (_, i) => csvRow(small, 40 + i)));
    const out = join(root, 'out');
    await prepare({ trainCsv, testCsv, out });
    return { trainCsv, testCsv, out };
  }

  it('summary.json records every file\'s size and SHA-256; a flipped byte is found by prepare, which prepares again', async () => {
    const { trainCsv, testCsv, out } = await preparedFromCsv('prepare-damaged');
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.formatVersion).toBe(PREPARED_FORMAT_VERSION);
    expect(Object.keys(summary.files).sort()).toEqual(Object.values(PREPARED_FILES).filter((f) => f !== 'summary.json').sort());
    for (const [name, rec] of Object.entries(summary.files) as [string, { bytes: number; sha256: string }][]) {
      expect(rec, name).toEqual({ bytes: statSync(join(out, name)).size, sha256: sha256(join(out, name)) });
    }

    // one byte in the middle changed, the size kept: only the hash tells
    const train = join(out, 'train.arrow');
    const good = readFileSync(train);
    const bad = Buffer.from(good);
    bad[bad.length >> 1] ^= 0xff;
    writeFileSync(train, bad);
    const steps: string[] = [];
    const r = await prepare({ trainCsv, testCsv, out, onProgress: (p) => p.unit === 'step' && steps.push(p.label!) });
    expect(r.cached).toBe(false);
    expect(r.damaged).toBe(`${train} does not match the SHA-256 recorded in summary.json: the prepared data is damaged`);
    expect(steps[0]).toBe('verify cached files');
    expect(readFileSync(train).equals(good)).toBe(true);
    const again = await prepare({ trainCsv, testCsv, out });
    expect([again.cached, again.damaged]).toEqual([true, undefined]);
    // the correlation matrices are verified too, though the cached result does not return them
    const corr = join(out, 'correlation-test.arrow');
    const c = readFileSync(corr);
    c[c.length - 100] ^= 1;
    writeFileSync(corr, c);
    expect((await prepare({ trainCsv, testCsv, out })).damaged).toBe(`${corr} does not match the SHA-256 recorded in summary.json: the prepared data is damaged`);
    expect(sha256(corr)).toBe(summary.files['correlation-test.arrow'].sha256);
  });

  it('a truncated Arrow file read for training is a FmnistError naming it and the rebuild command; --force rebuilds', async () => {
    const { trainCsv, testCsv, out } = await preparedFromCsv('prepare-truncated');
    const test = join(out, 'test.arrow');
    const size = statSync(test).size;
    writeFileSync(test, readFileSync(test).subarray(0, 1000));
    const err = await readPrepared(out).catch((e) => e);
    expect(err).toBeInstanceOf(FmnistError);
    expect(err.file).toBe(test);
    expect(err.message.split('\n')[0]).toBe(`${test} is 1000 bytes but summary.json records ${size}: the prepared data is damaged`);
    expect(err.hint).toBe(`Rebuild it with \`fmnist data prepare --force --train-csv ${trainCsv} --test-csv ${testCsv} --out ${out}\`.`);
    // the hint works: --force prepares again whatever the directory holds
    const forced = await prepare({ trainCsv, testCsv, out, force: true });
    expect([forced.cached, statSync(test).size]).toEqual([false, size]);
    expect((await readPrepared(out)).test.n).toBe(20);

    // same size, unreadable Arrow: the reader's error carries the same fix
    writeFileSync(test, Buffer.alloc(size, 0x41));
    const garbage = await readPrepared(out).catch((e) => e);
    expect(garbage).toBeInstanceOf(FmnistError);
    expect(garbage.message).toContain(`${test} is not a readable Arrow IPC file`);
    expect(garbage.hint).toContain('fmnist data prepare --force --train-csv');
  });

  it('a directory of the older format (no file records) is refused by readPrepared and prepared again by prepare', async () => {
    const root = tempDir('prepare-old');
    const dataDir = join(root, 'idx');
    mkdirSync(dataDir);
    writeIdxDataset(dataDir, subset(small, 0, 40), subset(small, 40, 20));
    const out = join(root, 'out');
    await prepare({ dataDir, out });
    const file = join(out, 'summary.json');
    const { files: _files, ...old } = JSON.parse(readFileSync(file, 'utf8'));
    writeFileSync(file, JSON.stringify({ ...old, formatVersion: 1 }));
    const err = await readPrepared(out).catch((e) => e);
    expect(err).toBeInstanceOf(FmnistError);
    expect(err.message).toContain(`${file} is of prepared-data format 1; this fmnist reads format ${PREPARED_FORMAT_VERSION}`);
    expect(err.hint).toBe(`Rebuild it with \`fmnist data prepare --force --data-dir ${dataDir} --out ${out}\`.`);
    const r = await prepare({ dataDir, out });
    expect(r.cached).toBe(false);
    expect(JSON.parse(readFileSync(file, 'utf8')).files['train.arrow'].bytes).toBe(statSync(join(out, 'train.arrow')).size);
  });
});

describe('prepare on bad input', () => {
  let small: Split;
  beforeAll(async () => {
    small = subset(await realTestSplit(), 0, 30);
  });

  /** Runs prepare and checks: FmnistError naming `file`, nothing in out, no temp dir beside it. */
  async function expectCleanFailure(o: Parameters<typeof prepare>[0], file: string, message: RegExp) {
    const err = await prepare(o).catch((e) => e);
    expect(err).toBeInstanceOf(FmnistError);
    expect(err.message).toContain(file);
    expect(err.message).toMatch(message);
    expect(existsSync(o.out)).toBe(false);
    const parent = join(o.out, '..');
    expect(readdirSync(parent).filter((n) => n.includes('.tmp-'))).toEqual([]);
  }

  function idxDir(root: string, name: string): string {
    const d = join(root, name);
    mkdirSync(d);
    writeIdxDataset(d, small, small);
    return d;
  }

  it('truncated gzip, wrong magic, label 12: an error naming the file and no output', async () => {
    const root = tempDir('prepare-bad-idx');
    const truncated = idxDir(root, 'truncated');
    const f1 = join(truncated, 'train-images-idx3-ubyte.gz');
    writeFileSync(f1, readFileSync(f1).subarray(0, 2000));
    await expectCleanFailure({ dataDir: truncated, out: join(root, 'out1') }, f1, /truncated|corrupt/);

    const magic = idxDir(root, 'magic');
    const f2 = join(magic, 't10k-labels-idx1-ubyte.gz');
    writeFileSync(f2, gzipSync(idxLabelsBytes(small.labels, 2051)));
    await expectCleanFailure({ dataDir: magic, out: join(root, 'out2') }, f2, /magic number 2051, expected 2049/);

    const twelve = idxDir(root, 'twelve');
    const f3 = join(twelve, 'train-labels-idx1-ubyte.gz');
    const labels = small.labels.slice();
    labels[17] = 12;
    writeFileSync(f3, gzipSync(idxLabelsBytes(labels)));
    await expectCleanFailure({ dataDir: twelve, out: join(root, 'out3') }, f3, /holds label 12 at record 18/);
  });

  it('wrong CSV header, missing file, directory instead of a file: an error naming the file and no output', async () => {
    const root = tempDir('prepare-bad-csv');
    const good = join(root, 'good.csv');
    writeCsv(good, [csvRow(small, 0), csvRow(small, 1)]);
    const badHeader = join(root, 'bad-header.csv');
    writeCsv(badHeader, [csvRow(small, 0)], ['class', ...COLUMN_NAMES.slice(1)].join(','));
    await expectCleanFailure({ trainCsv: badHeader, testCsv: good, out: join(root, 'out1') }, badHeader, /header column 1 is "class"/);
    const missing = join(root, 'missing.csv');
    await expectCleanFailure({ trainCsv: good, testCsv: missing, out: join(root, 'out2') }, missing, /not found/);
    const dir = join(root, 'a-dir.csv');
    mkdirSync(dir);
    await expectCleanFailure({ trainCsv: dir, testCsv: good, out: join(root, 'out3') }, dir, /not a regular file.*directory/);
  });

  it('a file whose rows are all dropped is an error naming it, with the counts', async () => {
    const root = tempDir('prepare-empty');
    const good = join(root, 'good.csv');
    writeCsv(good, [csvRow(small, 0), csvRow(small, 1)]);
    const bad = join(root, 'all-bad.csv');
    writeCsv(bad, [csvRow(small, 0).map((v, c) => (c === 0 ? '11' : v)), csvRow(small, 1).slice(0, 100)]);
    await expectCleanFailure(
      { trainCsv: good, testCsv: bad, out: join(root, 'out') },
      bad,
      /no usable rows \(read 2: 0 duplicates, 0 with empty cells, 2 invalid; first invalid: row 1: label = 11 outside 0..9\)/,
    );
  });

  it('a failed re-run leaves the earlier prepared output as it was', async () => {
    const root = tempDir('prepare-keep');
    const train = join(root, 'train.csv');
    const test = join(root, 'test.csv');
    writeCsv(train, Array.from({ length: 20 }, (_, i) => csvRow(small, i)));
    writeCsv(test, Array.from({ length: 10 }, (_, i) => csvRow(small, 20 + i)));
    const out = join(root, 'out');
    await prepare({ trainCsv: train, testCsv: test, out });
    const before = readdirSync(out).map((n) => [n, statSync(join(out, n)).mtimeMs, readFileSync(join(out, n)).length]);
    writeCsv(test, [csvRow(small, 0)], 'label,pixel1');
    const err = await prepare({ trainCsv: train, testCsv: test, out }).catch((e) => e);
    expect(err).toBeInstanceOf(FmnistError);
    expect(readdirSync(out).map((n) => [n, statSync(join(out, n)).mtimeMs, readFileSync(join(out, n)).length])).toEqual(before);
    expect(readdirSync(root).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });

  it('an aborted prepare stops between steps and writes nothing', async () => {
    const root = tempDir('prepare-abort');
    const train = join(root, 'train.csv');
    writeCsv(train, Array.from({ length: 20 }, (_, i) => csvRow(small, i)));
    const ac = new AbortController();
    const out = join(root, 'out');
    const err = await prepare({
      trainCsv: train,
      testCsv: train,
      out,
      signal: ac.signal,
      onProgress: (p) => p.label === 'correlation train' && p.unit === 'step' && ac.abort(),
    }).catch((e) => e);
    expect(err.name).toBe('AbortError');
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(root)).toEqual(['train.csv']);
  });

  it('an output path that is a file is refused before any work', async () => {
    const root = tempDir('prepare-out-file');
    const out = join(root, 'out');
    writeFileSync(out, 'x');
    await expect(prepare({ dataDir: SYSTEM_DIR, out })).rejects.toThrow(`Output ${out} exists and is not a directory`);
  });

  // 64 GiB sparse files: hashing or reading one to the end would take minutes, far past the
  // test's timeout; the header in the first bytes refuses them at once
  it('a huge file of garbage is refused from its first bytes, before it is hashed or read', async () => {
    const root = tempDir('prepare-huge-garbage');
    const train = join(root, 'train.csv');
    const test = join(root, 'test.csv');
    writeFileSync(test, `${COLUMN_NAMES.join(',')}\n`);
    writeFileSync(train, '');
    truncateSync(train, 64 * 2 ** 30);
    const labels: string[] = [];
    const out = join(root, 'out');
    const csv = await prepare({ trainCsv: train, testCsv: test, out, onProgress: (p) => labels.push(p.label ?? '') }).catch((e) => e);
    expect(csv).toBeInstanceOf(FmnistError);
    expect(csv.message).toMatch(new RegExp(`^${train}: line 1 is longer than 65,536 bytes`));
    const idx = join(root, 'idx');
    mkdirSync(idx);
    for (const f of ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz']) {
      writeFileSync(join(idx, f), readFileSync(join(SYSTEM_DIR, f)));
    }
    const images = join(idx, 'train-images-idx3-ubyte.gz');
    writeFileSync(images, '');
    truncateSync(images, 64 * 2 ** 30);
    const err = await prepare({ dataDir: idx, out, onProgress: (p) => labels.push(p.label ?? '') }).catch((e) => e);
    expect(err).toBeInstanceOf(FmnistError);
    expect(err.message).toMatch(new RegExp(`^${images} is not an IDX images file: magic number 0, expected 2051`));
    // the labels of one split and the images of the other: counts differ in the headers
    writeFileSync(images, readFileSync(join(SYSTEM_DIR, 't10k-images-idx3-ubyte.gz')));
    await expect(prepare({ dataDir: idx, out })).rejects.toThrow(/train-labels-idx1-ubyte.gz holds 60000 labels but .*train-images-idx3-ubyte.gz holds 10000 images/);
    expect(labels).toEqual([]);
    expect(existsSync(out)).toBe(false);
  });

  it('an output below a file is refused before any data is read', async () => {
    const root = tempDir('prepare-out-under-file');
    const file = join(root, 'file');
    writeFileSync(file, 'x');
    const out = join(file, 'a', 'prepared');
    const labels: string[] = [];
    const err = await prepare({ dataDir: SYSTEM_DIR, out, onProgress: (p) => labels.push(p.label ?? '') }).catch((e) => e);
    expect(err).toBeInstanceOf(FmnistError);
    expect(err.message).toBe(`Output ${out} cannot be created: ${file} is a file; choose another --out, or move the file away`);
    expect(labels).toEqual([]);
    expect(readdirSync(root)).toEqual(['file']);
  });

  it('an output that is a symbolic-link loop is refused before any data is read, naming it', async () => {
    const root = tempDir('prepare-out-loop');
    const out = join(root, 'loop1');
    symlinkSync(join(root, 'loop2'), out);
    symlinkSync(out, join(root, 'loop2'));
    const labels: string[] = [];
    const err = await prepare({ dataDir: SYSTEM_DIR, out, onProgress: (p) => labels.push(p.label ?? '') }).catch((e) => e);
    expect(err.code).toBe('ELOOP');
    expect(err.path).toBe(out);
    expect(labels).toEqual([]);
    expect(readdirSync(root).sort()).toEqual(['loop1', 'loop2']);
  });
});
