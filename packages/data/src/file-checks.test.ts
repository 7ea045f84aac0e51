// Every data reader opens its input through openInput: a FIFO or a device is refused at once with
// an error naming the file, instead of a read that blocks forever (a FIFO with no writer) or never
// ends (/dev/zero). The test timeouts are the check that nothing blocks.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../test/fixtures';
import { readContentHead } from './byte-stream';
import { readCsv } from './csv-reader';
import { FmnistError } from './errors';
import { openInput, readInputFile, readInputHead } from './file-checks';
import { readIdxImages, readIdxLabels } from './idx-reader';
import { md5File } from './md5';
import { readPrepared } from './read-prepared';

let dir: string;
let fifo: string;
const ZERO = '/dev/zero';

beforeAll(() => {
  dir = tempDir('file-checks');
  fifo = join(dir, 'pipe');
  execFileSync('mkfifo', [fifo]);
});

async function refused(p: Promise<unknown>, file: string, kind: RegExp): Promise<FmnistError> {
  const err = await p.then(
    () => undefined,
    (e) => e,
  );
  expect(err).toBeInstanceOf(FmnistError);
  expect(err.file).toBe(file);
  expect(err.message.split('\n')[0]).toMatch(new RegExp(`is not a regular file: ${file} \\(it is ${kind.source}\\)`));
  return err;
}

const FIFO = /a named pipe \(FIFO\)/;
const DEVICE = /a character device/;

describe('openInput', () => {
  it('opens a regular file (also through a symlink) and reports its size', async () => {
    const f = join(dir, 'plain.bin');
    writeFileSync(f, Buffer.from([1, 2, 3]));
    const { fh, size } = await openInput(f);
    expect(size).toBe(3);
    await fh.close();
    expect(Array.from(await readInputHead(f, 2))).toEqual([1, 2]);
    expect(Array.from(await readInputFile(f))).toEqual([1, 2, 3]);
  });

  it('refuses a FIFO and a device without blocking, and names a missing file and a directory', async () => {
    await refused(openInput(fifo), fifo, FIFO);
    await refused(readInputFile(ZERO), ZERO, DEVICE);
    await expect(readInputFile(join(dir, 'nope'), 'Weights file')).rejects.toThrow(`Weights file not found: ${join(dir, 'nope')}`);
    await expect(readInputFile(dir)).rejects.toThrow(`is not a regular file: ${dir} (it is a directory)`);
  }, 5000);
});

describe('the data readers refuse FIFOs and devices promptly', () => {
  it('IDX images and labels', async () => {
    await refused(readIdxImages(fifo), fifo, FIFO);
    await refused(readIdxLabels(fifo), fifo, FIFO);
    await refused(readIdxImages(ZERO), ZERO, DEVICE);
  }, 5000);

  it('a Kaggle CSV', async () => {
    await refused(readCsv(fifo), fifo, FIFO);
    await refused(readCsv(ZERO), ZERO, DEVICE);
  }, 5000);

  it('MD5 of an input, the head of a (gzip) file, a prepared data file (summary.json, read first)', async () => {
    await refused(md5File(fifo), fifo, FIFO);
    await refused(readContentHead(ZERO, 16), ZERO, DEVICE);
    const prepared = join(dir, 'prepared');
    execFileSync('mkdir', [prepared]);
    execFileSync('mkfifo', [join(prepared, 'summary.json')]);
    await refused(readPrepared(prepared), join(prepared, 'summary.json'), FIFO);
  }, 5000);
});

describe('readContentHead', () => {
  it('returns the first bytes of the inflated content of a gzip file, or of a plain file', async () => {
    const content = Buffer.alloc(100_000, 7);
    content.writeUInt32BE(2051, 0);
    writeFileSync(join(dir, 'x.gz'), gzipSync(content));
    writeFileSync(join(dir, 'x'), content);
    for (const f of ['x.gz', 'x']) expect(Buffer.from(await readContentHead(join(dir, f), 16))).toEqual(content.subarray(0, 16));
    expect((await readContentHead(join(dir, 'x'), 200_000)).length).toBe(100_000);
  });
});
