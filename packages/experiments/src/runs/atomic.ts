import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

const tempName = (path: string) => `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;

/** A write through a file descriptor fails without a path (ENOSPC): name the file it was writing. */
function withPath(e: unknown, path: string): unknown {
  if (e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string' && (e as NodeJS.ErrnoException).path === undefined) {
    (e as NodeJS.ErrnoException).path = path;
  }
  return e;
}

/** Write a file so readers see either the old content or the new one, never a partial file. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = tempName(path);
  try {
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (e) {
    // A partial temp file (a full disk) is removed, not left to take the space.
    await rm(tmp, { force: true });
    throw withPath(e, path);
  }
}

export const writeJsonAtomic = (path: string, value: unknown) =>
  writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n');

export async function writeFloat32Atomic(path: string, a: Float32Array): Promise<void> {
  await writeFileAtomic(path, new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
}

