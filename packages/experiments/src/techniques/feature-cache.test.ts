import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFloat32Atomic } from '../rundir/atomic';
import { featureShards, readFeatures, readShardInto, SHARD_ROWS } from './feature-cache';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fmnist-feature-cache-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the sharded feature cache', () => {
  it('splits 60,000 rows into shards of SHARD_ROWS, the last one shorter for other counts', () => {
    const s = featureShards(dir, 'train', 60_000);
    expect(s).toHaveLength(60_000 / SHARD_ROWS);
    expect(s[0]).toEqual({ which: 'train', start: 0, end: SHARD_ROWS, file: join(dir, `train-0-${SHARD_ROWS}.f32`) });
    expect(s.at(-1)?.end).toBe(60_000);
    expect(featureShards(dir, 'test', 7, 3).map((x) => [x.start, x.end])).toEqual([[0, 3], [3, 6], [6, 7]]);
    expect(featureShards(dir, 'test', 0)).toEqual([]);
  });

  it('reads shards into one array in place and lists the missing and torn ones', async () => {
    const d = join(dir, 'a');
    await mkdir(d);
    const dim = 3;
    const shards = featureShards(d, 'train', 7, 3);
    const rows = (start: number, end: number) => Float32Array.from({ length: (end - start) * dim }, (_, i) => start * dim + i + 0.5);
    await writeFloat32Atomic(shards[0].file, rows(0, 3));
    await writeFloat32Atomic(shards[2].file, rows(6, 7));
    const out = new Float32Array(7 * dim);
    expect(await readShardInto(shards[0], out, dim)).toBe(true);
    expect(Array.from(out.subarray(0, 9))).toEqual(Array.from(rows(0, 3)));
    expect(await readShardInto(shards[1], out, dim)).toBe(false);
    // a shard of the wrong size (torn, or of another feature size) is not used
    await writeFile(shards[1].file, new Uint8Array(3 * dim * 4 - 4));
    expect(await readShardInto(shards[1], out, dim)).toBe(false);
    expect(await readShardInto(shards[2], out, 4)).toBe(false);
    const r = await readFeatures(d, 'train', 7, dim, 3);
    expect(r.missing.map((m) => m.file)).toEqual([shards[1].file]);
    expect(Array.from(r.x.subarray(18))).toEqual(Array.from(rows(6, 7)));
  });

  it('never reads a FIFO where a shard should be (it is extracted again instead)', async () => {
    const d = join(dir, 'fifo');
    await mkdir(d);
    const [shard] = featureShards(d, 'test', 2);
    execFileSync('mkfifo', [shard.file]);
    expect(await readShardInto(shard, new Float32Array(2 * 4), 4)).toBe(false);
  });
});
