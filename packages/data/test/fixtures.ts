// Helpers shared by the data package's tests: real Debian data, generated fixtures, numpy.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll } from 'vitest';
import { COLUMN_NAMES, PIXELS, readIdxSplit, type Split } from '../src/index';

export const SYSTEM_DIR = '/usr/share/datasets/fashion-mnist';
export const PYTHON = '/usr/bin/python3';

const temps: string[] = [];
/** A fresh temp dir, removed after the importing test file. */
export function tempDir(tag: string): string {
  const d = mkdtempSync(join(tmpdir(), `fmnist-data-${tag}-`));
  temps.push(d);
  return d;
}
afterAll(() => {
  for (const d of temps.splice(0)) rmSync(d, { recursive: true, force: true });
});

let testSplit: Promise<Split> | null = null;
/** The real 10,000-image test split from the Debian package. */
export function realTestSplit(): Promise<Split> {
  testSplit ??= readIdxSplit(join(SYSTEM_DIR, 't10k-images-idx3-ubyte.gz'), join(SYSTEM_DIR, 't10k-labels-idx1-ubyte.gz'));
  return testSplit;
}

export function subset(s: Split, start: number, n: number): Split {
  return {
    n,
    images: s.images.slice(start * PIXELS, (start + n) * PIXELS),
    labels: s.labels.slice(start, start + n),
  };
}

export function idxImagesBytes(s: Split, magic = 2051): Uint8Array {
  const out = new Uint8Array(16 + s.n * PIXELS);
  const v = new DataView(out.buffer);
  v.setUint32(0, magic);
  v.setUint32(4, s.n);
  v.setUint32(8, 28);
  v.setUint32(12, 28);
  out.set(s.images.subarray(0, s.n * PIXELS), 16);
  return out;
}

export function idxLabelsBytes(labels: Uint8Array, magic = 2049): Uint8Array {
  const out = new Uint8Array(8 + labels.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, magic);
  v.setUint32(4, labels.length);
  out.set(labels, 8);
  return out;
}

/** Writes the four IDX files of (train, test) into dir, gzip or not. */
export function writeIdxDataset(dir: string, train: Split, test: Split, gz = true): void {
  const w = (name: string, b: Uint8Array) => writeFileSync(join(dir, gz ? name : name.replace(/\.gz$/, '')), gz ? gzipSync(b) : b);
  w('train-images-idx3-ubyte.gz', idxImagesBytes(train));
  w('train-labels-idx1-ubyte.gz', idxLabelsBytes(train.labels));
  w('t10k-images-idx3-ubyte.gz', idxImagesBytes(test));
  w('t10k-labels-idx1-ubyte.gz', idxLabelsBytes(test.labels));
}

export function csvRow(s: Split, i: number): string[] {
  return [String(s.labels[i]), ...Array.from(s.images.subarray(i * PIXELS, (i + 1) * PIXELS), String)];
}

export function writeCsv(file: string, rows: string[][], header = COLUMN_NAMES.join(',')): void {
  writeFileSync(file, [header, ...rows.map((r) => r.join(','))].join('\n') + '\n');
}

/**
 * numpy's corrcoef of [label, pixels] for a split, computed by /usr/bin/python3 from the raw
 * bytes (an independent reference implementation).
 */
export function numpyCorrcoef(s: Split): Float64Array {
  const dir = tempDir('numpy');
  try {
    writeFileSync(join(dir, 'labels.bin'), s.labels.subarray(0, s.n));
    writeFileSync(join(dir, 'images.bin'), s.images.subarray(0, s.n * PIXELS));
    const script = [
      'import sys, warnings, numpy as np',
      'warnings.simplefilter("ignore")',
      'd = sys.argv[1]',
      'y = np.fromfile(d + "/labels.bin", np.uint8)',
      'X = np.fromfile(d + "/images.bin", np.uint8).reshape(len(y), 784)',
      'M = np.column_stack([y, X]).astype(np.float64)',
      'np.corrcoef(M, rowvar=False).astype(np.float64).tofile(d + "/r.bin")',
    ].join('\n');
    execFileSync(PYTHON, ['-c', script, dir], { stdio: ['ignore', 'ignore', 'inherit'] });
    const b = readFileSync(join(dir, 'r.bin'));
    return new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Largest |a-b| over positions where both are numbers, and whether NaN positions agree. */
export function compareMatrices(a: Float64Array, b: Float64Array): { maxDiff: number; nanMismatch: number; nans: number } {
  let maxDiff = 0;
  let nanMismatch = 0;
  let nans = 0;
  for (let i = 0; i < a.length; i++) {
    const an = Number.isNaN(a[i]);
    const bn = Number.isNaN(b[i]);
    if (an) nans++;
    if (an !== bn) nanMismatch++;
    else if (!an) maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
  }
  return { maxDiff, nanMismatch, nans };
}

/** Byte equality of two typed arrays (fast where `toEqual` walks element by element). */
export function sameBytes(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}
