// The on-disk cache of frozen-base features, in shards of a fixed number of rows: 60,000 rows of
// 512 to 2,048 floats (123 to 491 MB) are never one file read or written at once. Each shard is
// raw float32 (row-major) written atomically, so a killed extraction keeps its finished shards
// and resumes at the first missing one; reading fills one preallocated array shard by shard.
import { join } from 'node:path';
import { openInput } from '@fmnist/core/node';

/** Rows per shard: 5,000 rows of 2,048 floats are 41 MB. */
export const SHARD_ROWS = 5000;

export interface FeatureShard {
  which: 'train' | 'test';
  /** rows [start, end) of the (subset) split */
  start: number;
  end: number;
  file: string;
}

/** The shards of `n` rows of a split, in order. */
export function featureShards(dir: string, which: 'train' | 'test', n: number, rows = SHARD_ROWS): FeatureShard[] {
  const out: FeatureShard[] = [];
  for (let start = 0; start < n; start += rows) {
    const end = Math.min(n, start + rows);
    out.push({ which, start, end, file: join(dir, `${which}-${start}-${end}.f32`) });
  }
  return out;
}

/**
 * Reads a shard into rows [start, end) of `out` (dim floats a row), in place. False when the
 * shard is missing or not exactly that size (a torn or foreign file is extracted again); only a
 * regular file is read.
 */
export async function readShardInto(shard: FeatureShard, out: Float32Array, dim: number): Promise<boolean> {
  const bytes = (shard.end - shard.start) * dim * 4;
  let input;
  try {
    input = await openInput(shard.file, 'feature cache shard');
  } catch {
    return false;
  }
  try {
    if (input.size !== bytes) return false;
    const view = new Uint8Array(out.buffer, out.byteOffset + shard.start * dim * 4, bytes);
    let done = 0;
    while (done < bytes) {
      const { bytesRead } = await input.fh.read(view, done, bytes - done, done);
      if (bytesRead === 0) return false;
      done += bytesRead;
    }
    return true;
  } finally {
    await input.fh.close();
  }
}

/** The cached features of `n` rows (one array) and the shards still to extract. */
export async function readFeatures(dir: string, which: 'train' | 'test', n: number, dim: number, rows = SHARD_ROWS): Promise<{ x: Float32Array; missing: FeatureShard[] }> {
  const x = new Float32Array(n * dim);
  const missing: FeatureShard[] = [];
  for (const shard of featureShards(dir, which, n, rows)) if (!(await readShardInto(shard, x, dim))) missing.push(shard);
  return { x, missing };
}
