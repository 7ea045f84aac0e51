import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FmnistError } from '../errors';
import { isPlainName, resolveInside } from './confined-path';

let root: string;
let dir: string;
let listedIn: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'fmnist-confined-'));
  dir = join(root, 'model');
  mkdirSync(join(dir, 'sub'), { recursive: true });
  listedIn = join(dir, 'model.json');
  writeFileSync(join(dir, 'sub', 'a.bin'), 'a');
  writeFileSync(join(root, 'secret'), 's');
  symlinkSync(join(root, 'secret'), join(dir, 'link-out'));
  symlinkSync(join(dir, 'sub', 'a.bin'), join(dir, 'link-in'));
  symlinkSync(root, join(dir, 'dir-out'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('resolveInside', () => {
  it('resolves paths inside the folder, through symlinks that stay inside, and missing files', async () => {
    expect(await resolveInside(dir, 'sub/a.bin', listedIn)).toBe(join(dir, 'sub', 'a.bin'));
    expect(await resolveInside(dir, './sub/../sub/a.bin', listedIn)).toBe(join(dir, 'sub', 'a.bin'));
    expect(await resolveInside(dir, 'link-in', listedIn)).toBe(join(dir, 'sub', 'a.bin'));
    expect(await resolveInside(dir, 'sub/missing.bin', listedIn)).toBe(join(dir, 'sub', 'missing.bin'));
  });

  it('refuses "..", absolute paths and symlinks out, naming the file that lists them', async () => {
    const cases: [unknown, RegExp][] = [
      ['../secret', /leads outside that folder/],
      ['sub/../../secret', /leads outside that folder/],
      [join(root, 'secret'), /is absolute/],
      ['C:\\secret', /is absolute/],
      ['link-out', /goes through a symbolic link to .*secret, outside that folder/],
      ['dir-out/secret', /goes through a symbolic link/],
      ['dir-out/not-there', /goes through a symbolic link/],
      ['', /is not a file name/],
      [42, /is not a file name/],
      ['a\0b', /is not a file name/],
    ];
    for (const [p, why] of cases) {
      const err = await resolveInside(dir, p, listedIn).catch((e) => e);
      expect(err, String(p)).toBeInstanceOf(FmnistError);
      expect(err.file).toBe(listedIn);
      expect(err.message.split('\n')[0]).toMatch(new RegExp(`^${listedIn} lists the path .*`));
      expect(err.message.split('\n')[0]).toMatch(why);
    }
  });
});

describe('isPlainName', () => {
  it('accepts one path component and nothing else', () => {
    expect(['quick-1a2b3c4d', 'a.b', '..x'].every(isPlainName)).toBe(true);
    expect(['', '.', '..', 'a/b', '../x', 'a\\b', '/abs', 'a\0', 3, null].some(isPlainName)).toBe(false);
  });
});
