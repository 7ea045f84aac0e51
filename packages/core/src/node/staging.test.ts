import { spawn, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isProcessAlive, removeDeadStaging, stagingName } from './staging';

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
