import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

const tempName = (path: string) => `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;

/** Write a file so readers see either the old content or the new one, never a partial file. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = tempName(path);
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

export const writeJsonAtomic = (path: string, value: unknown) =>
  writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n');

/**
 * Build a directory under a temporary name, then move it into place (replacing an old one).
 * A crash leaves at most a `*.tmp-*` directory beside it, never a half-written `path`.
 */
export async function writeDirAtomic(path: string, fill: (tmpDir: string) => Promise<void>): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = tempName(path);
  await mkdir(tmp, { recursive: true });
  try {
    await fill(tmp);
    await rm(path, { recursive: true, force: true });
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
}

export async function writeFloat32Atomic(path: string, a: Float32Array): Promise<void> {
  await writeFileAtomic(path, new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
}

