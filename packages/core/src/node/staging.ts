// Staging directories named after the process that writes them (`<prefix><pid>-<random>`), so a
// later run can tell the leftovers of a killed process from those of a live one and remove only
// the former.
import { randomBytes } from 'node:crypto';
import { access, constants, readdir, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { FmnistError } from '../errors';

/** True while a process with this pid exists on this host (EPERM: it exists, owned by another user). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A fresh staging name for this process: `<prefix><pid>-<8 hex>`. */
export const stagingName = (prefix: string): string => `${prefix}${process.pid}-${randomBytes(4).toString('hex')}`;

/** Removes the entries of `parent` named `<prefix><pid>-<suffix>` whose process is gone (never this one's). */
export async function removeDeadStaging(parent: string, prefix: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(parent);
  } catch {
    return; // no parent yet: nothing left behind
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const m = /^(\d+)-[0-9a-z]+$/.exec(name.slice(prefix.length));
    if (!m || Number(m[1]) === process.pid || isProcessAlive(Number(m[1]))) continue;
    await rm(join(parent, name), { recursive: true, force: true });
  }
}

/**
 * Refuses, before any work, an output that does not exist yet and cannot be created: its nearest
 * existing ancestor is a file, or cannot be written (a read-only file system, no permission).
 * Outputs are created only at the end, after the work, and `mkdir -p` on a read-only file
 * system reports a misleading ENOENT.
 */
export async function checkOutputPlace(out: string, option = '--out'): Promise<void> {
  for (let dir = dirname(out); ; dir = dirname(dir)) {
    const s = await stat(dir).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return null;
      throw e;
    });
    if (s) {
      if (!s.isDirectory()) {
        throw new FmnistError(`Output ${out} cannot be created: ${dir} is a file; choose another ${option}, or move the file away`, { file: dir });
      }
      const denied = await access(dir, constants.W_OK).then(() => undefined, (e: NodeJS.ErrnoException) => e.code);
      if (denied) {
        const why = denied === 'EROFS' ? 'is on a read-only file system' : 'is not writable';
        throw new FmnistError(`Output ${out} cannot be created: ${dir} ${why}; choose another ${option} in a directory you can write to`, { file: dir });
      }
      return;
    }
    if (dirname(dir) === dir) return;
  }
}
