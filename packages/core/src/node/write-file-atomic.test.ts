import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeFileAtomic } from './write-file-atomic';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

describe('writeFileAtomic', () => {
  it('replaces a file whole and creates its folder', async () => {
    const root = await mkdtemp(join(tmpdir(), 'fmnist-atomic-'));
    dirs.push(root);
    const file = join(root, 'a', 'b.json');
    await writeFileAtomic(file, 'one');
    await writeFileAtomic(file, new TextEncoder().encode('two'));
    expect(await readFile(file, 'utf8')).toBe('two');
    expect(await readdir(join(root, 'a'))).toEqual(['b.json']);
  });

  it('keeps the old file and removes its temp file when the write fails after the temp file was opened', async () => {
    const root = await mkdtemp(join(tmpdir(), 'fmnist-atomic-'));
    dirs.push(root);
    const path = join(root, 'results.json');
    await writeFile(path, 'old');
    // Not bytes: the real write call throws once the temp file exists.
    const err = await writeFileAtomic(path, { not: 'bytes' } as unknown as string).catch((e) => e);
    expect(err).toBeInstanceOf(Error);
    expect(await readFile(path, 'utf8')).toBe('old');
    expect(await readdir(root)).toEqual(['results.json']);
  });
});
