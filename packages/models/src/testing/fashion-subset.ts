// Test helper: a subset of the real Fashion-MNIST IDX files (Debian package dataset-fashion-mnist),
// read directly with zlib so the models tests do not depend on @fmnist/data's readers.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

export const DATASET_DIR = process.env.FMNIST_DATA_DIR ?? '/usr/share/datasets/fashion-mnist';

export interface Subset {
  n: number;
  images: Uint8Array;
  labels: Uint8Array;
  /** images / 255 as float32, [n, 28, 28, 1] */
  x: Float32Array;
}

const cache = new Map<string, { images: Uint8Array; labels: Uint8Array }>();

function readSplit(split: 'train' | 't10k') {
  let s = cache.get(split);
  if (!s) {
    const img = gunzipSync(readFileSync(join(DATASET_DIR, `${split}-images-idx3-ubyte.gz`)));
    const lab = gunzipSync(readFileSync(join(DATASET_DIR, `${split}-labels-idx1-ubyte.gz`)));
    if (img.readUInt32BE(0) !== 2051 || lab.readUInt32BE(0) !== 2049) throw new Error(`bad IDX magic in ${DATASET_DIR}`);
    s = { images: img.subarray(16), labels: lab.subarray(8) };
    cache.set(split, s);
  }
  return s;
}

/** Rows [start, start + n) of the training ('train') or test ('t10k') split. */
export function fashionSubset(split: 'train' | 't10k', n: number, start = 0): Subset {
  const s = readSplit(split);
  const images = s.images.slice(start * 784, (start + n) * 784);
  const labels = s.labels.slice(start, start + n);
  const x = new Float32Array(images.length);
  for (let i = 0; i < images.length; i++) x[i] = images[i] / 255;
  return { n, images, labels, x };
}
