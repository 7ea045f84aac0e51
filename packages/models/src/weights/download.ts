// Download with hash verification into a cache: streamed to a temp file, verified, then renamed,
// so the cache never holds a partial or corrupted file.
import { openInput } from '@fmnist/core/node';
import { createHash } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { ModelsError } from '../errors';
import type { OnProgress } from '../train';

/** The user cache dir: FMNIST_CACHE_DIR, else the platform's cache location + /fmnist. */
export function userCacheDir(env: Record<string, string | undefined> = process.env): string {
  if (env.FMNIST_CACHE_DIR) return env.FMNIST_CACHE_DIR;
  if (process.platform === 'win32') return join(env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local'), 'fmnist', 'cache');
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Caches', 'fmnist');
  return join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'fmnist');
}

export interface FileHashes {
  md5: string;
  sha256: string;
  bytes: number;
}

/** MD5 and SHA-256 of a file, streamed (a regular file only: openInput). */
export async function hashFile(path: string): Promise<FileHashes> {
  const md5 = createHash('md5');
  const sha = createHash('sha256');
  let bytes = 0;
  const { fh } = await openInput(path, 'Weights file');
  try {
    for await (const chunk of fh.createReadStream({ autoClose: false, highWaterMark: 1 << 20 })) {
      md5.update(chunk as Buffer);
      sha.update(chunk as Buffer);
      bytes += (chunk as Buffer).length;
    }
  } finally {
    await fh.close();
  }
  return { md5: md5.digest('hex'), sha256: sha.digest('hex'), bytes };
}

/**
 * Downloads `url` to `dest`, verifying the published MD5 (keras.utils.get_file's file_hash for
 * these files). A mismatch deletes the download and throws; `dest` only ever appears complete.
 */
export async function downloadVerified(
  url: string,
  dest: string,
  o: { md5?: string; onProgress?: OnProgress; fetchImpl?: typeof fetch } = {},
): Promise<FileHashes> {
  await mkdir(dirname(dest), { recursive: true });
  const tmp = `${dest}.part-${process.pid}`;
  const md5 = createHash('md5');
  const sha = createHash('sha256');
  let bytes = 0;
  try {
    const res = await (o.fetchImpl ?? fetch)(url);
    if (!res.ok || !res.body) throw new Error(`HTTP ${res.status} ${res.statusText}`);
    const total = Number(res.headers.get('content-length')) || 0;
    const fh = await open(tmp, 'w');
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        md5.update(chunk);
        sha.update(chunk);
        bytes += chunk.length;
        await fh.write(chunk);
        o.onProgress?.({ done: bytes, total: total || bytes, unit: 'bytes', label: `download ${url.slice(url.lastIndexOf('/') + 1)}` });
      }
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch (e) {
    await rm(tmp, { force: true });
    throw new ModelsError(`Download of ${url} failed: ${(e as Error).message}.`, { file: dest });
  }
  const got = { md5: md5.digest('hex'), sha256: sha.digest('hex'), bytes };
  if (o.md5 && got.md5 !== o.md5.toLowerCase()) {
    await rm(tmp, { force: true });
    throw new ModelsError(`Downloaded ${url} (${bytes} bytes) has MD5 ${got.md5}, the published hash is ${o.md5}; the file was deleted.`, {
      file: dest,
      hint: 'Retry the download; if it keeps failing, download the file yourself and pass its path.',
    });
  }
  await rename(tmp, dest);
  return got;
}
