import { hostname } from 'node:os';
import { open, readFile, rm } from 'node:fs/promises';
import { ExperimentError } from './errors';

export interface LockInfo { pid: number; hostname: string; startedAt: string }
export interface Lock { path: string; info: LockInfo; release(): Promise<void> }

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Take the lock file `path` (created exclusively). A lock held by a live process, or by any
 * process on another host, is a clear error naming the holder; a lock left by a dead process on
 * this host is stale and taken over.
 */
export async function acquireLock(path: string, o: { pid?: number; host?: string } = {}): Promise<Lock> {
  const info: LockInfo = { pid: o.pid ?? process.pid, hostname: o.host ?? hostname(), startedAt: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fh = await open(path, 'wx');
      await fh.writeFile(JSON.stringify(info) + '\n');
      await fh.sync();
      await fh.close();
      return {
        path,
        info,
        release: async () => {
          const cur = await readLock(path);
          if (cur && cur.pid === info.pid && cur.hostname === info.hostname) await rm(path, { force: true });
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const holder = await readLockState(path);
    if (holder === 'gone') continue;
    if (holder && holder.hostname === info.hostname && holder.pid === info.pid) {
      throw new ExperimentError(`run directory is in use: ${path} is already held by this process (pid ${holder.pid})`, { file: path });
    }
    const stale = holder === null || (holder.hostname === info.hostname && !isAlive(holder.pid));
    if (!stale) {
      throw new ExperimentError(
        `run directory is in use: ${path} is held by pid ${holder!.pid} on ${holder!.hostname} since ${holder!.startedAt}`,
        {
          file: path,
          hint: `wait for that process to finish, or stop it; if it is gone (e.g. another host crashed), delete ${path}`,
        },
      );
    }
    // Stale (dead pid on this host, or unreadable/half-written lock): remove and retry.
    await rm(path, { force: true });
  }
  throw new ExperimentError(`could not take the lock ${path}`, { file: path, hint: 'another process keeps taking it; retry' });
}

async function readLockState(path: string): Promise<LockInfo | null | 'gone'> {
  try {
    const v = JSON.parse(await readFile(path, 'utf8'));
    if (typeof v?.pid === 'number' && typeof v?.hostname === 'string') return v as LockInfo;
    return null;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'gone' : null;
  }
}

/** The current holder of a lock file, or null when there is none (or it is unreadable). */
export async function readLock(path: string): Promise<LockInfo | null> {
  const s = await readLockState(path);
  return s === 'gone' ? null : s;
}
