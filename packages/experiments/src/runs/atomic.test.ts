// Atomic writes on a real file system: a failed write leaves neither a partial file nor its temp
// file.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileAtomic } from './atomic';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fmnist-atomic-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('writeFileAtomic', () => {
  it('keeps the old file and removes its temp file when the write fails after the temp file was opened', async () => {
    const path = join(dir, 'results.json');
    await writeFile(path, 'old');
    // Not bytes: the real write call throws once the temp file exists.
    const err = await writeFileAtomic(path, { not: 'bytes' } as unknown as string).catch((e) => e);
    expect(err).toBeInstanceOf(Error);
    expect(await readFile(path, 'utf8')).toBe('old');
    expect(await readdir(dir)).toEqual(['results.json']);
  });
});
