// Interim local IDX reader (until @fmnist/data's readers land): the official gzipped IDX files.
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { ExperimentError } from './errors';

export const IDX_IMAGES_MAGIC = 2051;
export const IDX_LABELS_MAGIC = 2049;
export const IDX_FILES = {
  train: { images: 'train-images-idx3-ubyte.gz', labels: 'train-labels-idx1-ubyte.gz' },
  test: { images: 't10k-images-idx3-ubyte.gz', labels: 't10k-labels-idx1-ubyte.gz' },
} as const;

export interface RawSplit { n: number; images: Uint8Array; labels: Uint8Array }

async function readIdx(path: string, magic: number): Promise<{ dims: number[]; data: Uint8Array }> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
    if (buf[0] === 0x1f && buf[1] === 0x8b) buf = gunzipSync(buf);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ExperimentError(`cannot read ${path}: ${code ?? (e as Error).message}`, {
      file: path,
      hint: 'install the Debian package dataset-fashion-mnist, or pass --data DIR with the four official *-ubyte.gz files (or a prepared dir from `fmnist data prepare`)',
    });
  }
  const got = buf.readUInt32BE(0);
  if (got !== magic) {
    throw new ExperimentError(`${path} is not an IDX file of the expected kind (magic ${got}, expected ${magic})`, {
      file: path,
      hint: 're-download the official Fashion-MNIST file',
    });
  }
  const nd = buf[3];
  const dims = Array.from({ length: nd }, (_, i) => buf.readUInt32BE(4 + 4 * i));
  const data = new Uint8Array(buf.buffer, buf.byteOffset + 4 + 4 * nd, buf.length - 4 - 4 * nd);
  const expected = dims.reduce((a, b) => a * b, 1);
  if (data.length !== expected) {
    throw new ExperimentError(`${path} is truncated: ${data.length} bytes of data, header says ${expected}`, {
      file: path,
      hint: 're-download the official Fashion-MNIST file',
    });
  }
  return { dims, data: new Uint8Array(data) };
}

export async function readIdxSplit(dir: string, which: 'train' | 'test'): Promise<RawSplit> {
  const f = IDX_FILES[which];
  const images = await readIdx(join(dir, f.images), IDX_IMAGES_MAGIC);
  const labels = await readIdx(join(dir, f.labels), IDX_LABELS_MAGIC);
  if (images.dims[0] !== labels.dims[0] || images.dims[1] !== 28 || images.dims[2] !== 28) {
    throw new ExperimentError(`${join(dir, f.images)}: ${images.dims.join('x')} images for ${labels.dims[0]} labels`, {
      file: join(dir, f.images),
      hint: 'images and labels must be the matching official files (28x28)',
    });
  }
  return { n: labels.dims[0], images: images.data, labels: labels.data };
}
