import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { idxImagesBytes, idxLabelsBytes, realTestSplit, subset, SYSTEM_DIR, tempDir } from '../test/fixtures';
import { FmnistError } from './errors';
import { readIdxImages, readIdxLabels, readIdxSplit } from './idx-reader';
import type { Split } from './types';

describe('IDX reader', () => {
  let real: Split;
  let dir: string;
  beforeAll(async () => {
    real = await realTestSplit();
    dir = tempDir('idx');
  });

  it('reads the real gzip test split: 10,000 images of 784 pixels, 1,000 per class', async () => {
    expect(real.n).toBe(10000);
    expect(real.images.length).toBe(10000 * 784);
    const counts = new Array(10).fill(0);
    for (const l of real.labels) counts[l]++;
    expect(counts).toEqual(new Array(10).fill(1000));
  });

  it('reads an uncompressed IDX file to the same bytes as the gzip one', async () => {
    const s = subset(real, 100, 50);
    writeFileSync(join(dir, 'plain-images'), idxImagesBytes(s));
    writeFileSync(join(dir, 'plain-labels'), idxLabelsBytes(s.labels));
    const back = await readIdxSplit(join(dir, 'plain-images'), join(dir, 'plain-labels'));
    expect(back.n).toBe(50);
    expect(back.images).toEqual(s.images);
    expect(back.labels).toEqual(s.labels);
  });

  it('rejects a truncated gzip file, naming it', async () => {
    const full = readFileSync(join(SYSTEM_DIR, 't10k-images-idx3-ubyte.gz'));
    const f = join(dir, 'truncated-images.gz');
    writeFileSync(f, full.subarray(0, 100_000));
    const err = await readIdxImages(f).catch((e) => e);
    expect(err).toBeInstanceOf(FmnistError);
    expect(err.message).toContain(f);
    expect(err.message).toMatch(/truncated|corrupt/);
  });

  it('rejects a file shorter than its header announces', async () => {
    const s = subset(real, 0, 10);
    const f = join(dir, 'short-images');
    writeFileSync(f, idxImagesBytes(s).subarray(0, 16 + 5 * 784));
    await expect(readIdxImages(f)).rejects.toThrow(/short-images is truncated: its header announces 10 images/);
  });

  it('rejects trailing bytes after the announced records', async () => {
    const f = join(dir, 'long-labels.gz');
    writeFileSync(f, gzipSync(Buffer.concat([idxLabelsBytes(new Uint8Array([1, 2, 3])), Buffer.from([4])])));
    await expect(readIdxLabels(f)).rejects.toThrow(/long-labels\.gz is longer than its header says/);
  });

  it('refuses a header announcing 4 billion images before allocating: plain against the file size, gzip against the limit', async () => {
    const header = idxImagesBytes(subset(real, 0, 2));
    new DataView(header.buffer).setUint32(4, 0xffffffff);
    const plain = join(dir, 'huge-count-images');
    writeFileSync(plain, header);
    const err = await readIdxImages(plain).catch((e) => e);
    expect(err).toBeInstanceOf(FmnistError);
    expect(err.message).toMatch(/huge-count-images is truncated: its header announces 4294967295 images \(3367254359280 bytes\) but only 1568 bytes follow/);
    const gz = join(dir, 'huge-count-images.gz');
    writeFileSync(gz, gzipSync(header));
    const gzErr = await readIdxImages(gz).catch((e) => e);
    expect(gzErr).toBeInstanceOf(FmnistError);
    expect(gzErr.message).toMatch(/huge-count-images\.gz announces 4294967295 images, more than the limit of \d[\d,]* images/);
    const labels = join(dir, 'huge-count-labels');
    const lb = idxLabelsBytes(new Uint8Array([1, 2, 3]));
    new DataView(lb.buffer).setUint32(4, 0xfffffff0);
    writeFileSync(labels, lb);
    await expect(readIdxLabels(labels)).rejects.toThrow(/huge-count-labels is truncated: its header announces 4294967280 labels/);
  });

  it('refuses trailing bytes of a plain file before reading it', async () => {
    const f = join(dir, 'trailing-images');
    writeFileSync(f, Buffer.concat([idxImagesBytes(subset(real, 0, 2)), Buffer.alloc(784)]));
    await expect(readIdxImages(f)).rejects.toThrow(/trailing-images is longer than its header says \(2 images, 1584 bytes\): 784 trailing bytes/);
  });

  it('rejects a wrong magic number, naming file and numbers', async () => {
    const f = join(dir, 'bad-magic.gz');
    writeFileSync(f, gzipSync(idxImagesBytes(subset(real, 0, 3), 2052)));
    const err = await readIdxImages(f).catch((e) => e);
    expect(err).toBeInstanceOf(FmnistError);
    expect(err.file).toBe(f);
    expect(err.message).toContain('magic number 2052, expected 2051');
    // a label file passed as images is caught the same way
    await expect(readIdxImages(join(SYSTEM_DIR, 't10k-labels-idx1-ubyte.gz'))).rejects.toThrow(/magic number 2049, expected 2051/);
  });

  it('rejects images that are not 28x28', async () => {
    const b = idxImagesBytes(subset(real, 0, 2));
    new DataView(b.buffer).setUint32(8, 27);
    const f = join(dir, 'wrong-dims');
    writeFileSync(f, b);
    await expect(readIdxImages(f)).rejects.toThrow(/27x28 images, expected 28x28/);
  });

  it('rejects a label file holding a 12, naming the file and the record', async () => {
    const labels = new Uint8Array([3, 4, 12, 5]);
    const f = join(dir, 'labels-12.gz');
    writeFileSync(f, gzipSync(idxLabelsBytes(labels)));
    const err = await readIdxLabels(f).catch((e) => e);
    expect(err).toBeInstanceOf(FmnistError);
    expect(err.message).toContain(`${f} holds label 12 at record 3`);
  });

  it('rejects image and label files of different lengths', async () => {
    const s = subset(real, 0, 5);
    writeFileSync(join(dir, 'five-images'), idxImagesBytes(s));
    writeFileSync(join(dir, 'four-labels'), idxLabelsBytes(s.labels.subarray(0, 4)));
    await expect(readIdxSplit(join(dir, 'five-images'), join(dir, 'four-labels'))).rejects.toThrow(
      /four-labels holds 4 labels but .*five-images holds 5 images/,
    );
  });

  it('names a missing file and a directory given where a file is expected', async () => {
    const missing = join(dir, 'nope.gz');
    await expect(readIdxImages(missing)).rejects.toThrow(`IDX image file not found: ${missing}`);
    const sub = join(dir, 'a-directory');
    mkdirSync(sub);
    const err = await readIdxLabels(sub).catch((e) => e);
    expect(err).toBeInstanceOf(FmnistError);
    expect(err.message).toContain(`IDX label file is not a regular file: ${sub} (it is a directory)`);
  });
});
