// Staging directories named after the process that writes them (`<prefix><pid>-<random>`), so a
// later run can tell the leftovers of a killed process from those of a live one and remove only
// the former.
import { randomBytes } from 'node:crypto';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

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
