import { spawn, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FmnistError } from '../errors';
import { checkOutputPlace, isProcessAlive, removeDeadStaging, stagingName } from './staging';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

describe('staging directories', () => {
  it('removes only the leftovers of processes that are gone', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'fmnist-staging-'));
    dirs.push(parent);
    const dead = spawnSync(process.execPath, ['-e', '']).pid!; // a real process that has exited
    const live = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      expect(isProcessAlive(dead)).toBe(false);
      expect(isProcessAlive(live.pid!)).toBe(true);
      const names = [`.out.tmp-${dead}-1a2b`, `.out.tmp-${live.pid}-3c4d`, stagingName('.out.tmp-'), '.out.tmp-notes', 'user-folder', `.other.tmp-${dead}-5e6f`];
      for (const n of names) await mkdir(join(parent, n));
      await removeDeadStaging(parent, '.out.tmp-');
      expect((await readdir(parent)).sort()).toEqual(names.slice(1).sort());
    } finally {
      live.kill();
    }
  });

  it('does nothing when the parent does not exist yet', async () => {
    await expect(removeDeadStaging(join(tmpdir(), 'fmnist-no-such-parent', 'x'), '.x-')).resolves.toBeUndefined();
  });
});

describe('checkOutputPlace', () => {
  it('accepts a place that can be created, refuses one below a file, naming both', async () => {
    const root = await mkdtemp(join(tmpdir(), 'fmnist-out-place-'));
    dirs.push(root);
    await checkOutputPlace(join(root, 'a', 'b', 'out'));
    await writeFile(join(root, 'file'), 'x');
    const out = join(root, 'file', 'a', 'out');
    const err = await checkOutputPlace(out, '--runs-dir').catch((e) => e);
    expect(err).toBeInstanceOf(FmnistError);
    expect(err.message).toBe(`Output ${out} cannot be created: ${join(root, 'file')} is a file; choose another --runs-dir, or move the file away`);
    expect(await readdir(root)).toEqual(['file']);
  });

  // a real read-only file system: a small tmpfs mounted read-only (root only, as in CI)
  it.skipIf(process.getuid?.() !== 0)('names a read-only file system as such (mkdir -p would say ENOENT)', async () => {
    const mnt = await mkdtemp(join(tmpdir(), 'fmnist-ro-'));
    dirs.push(mnt);
    expect(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k,ro', 'tmpfs', mnt]).status).toBe(0);
    try {
      const out = join(mnt, 'report', 'x');
      await expect(checkOutputPlace(out)).rejects.toThrow(`Output ${out} cannot be created: ${mnt} is on a read-only file system; choose another --out in a directory you can write to`);
    } finally {
      spawnSync('umount', [mnt]);
    }
  });
});
