import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import { OFFICIAL_FILES, OFFICIAL_MIRROR } from './constants';
import { cacheDir, findDatasetIn, type DatasetLocation, type Env } from './discovery';
import { ChecksumError, FmnistError } from './errors';
import { md5File } from './md5';
import type { OnProgress } from './types';

export interface FetchOptions {
  /** Target directory; default the user cache dir. */
  dir?: string;
  /** Mirror base URL; default FMNIST_MIRROR_URL, then the official mirror. */
  baseUrl?: string;
  env?: Env;
  /** Expected MD5 per file name; default the sums published in the Fashion-MNIST README. */
  checksums?: Record<string, string>;
  onProgress?: OnProgress;
  /** Aborts the current download; its partial file is deleted. */
  signal?: AbortSignal;
}

/**
 * Downloads the four official .gz files into the cache dir (or `dir`), verifying each against
 * its published MD5 sum. A file already there with the right sum is kept. Each download goes to
 * a temporary name first; a mismatch deletes it (never a file already at the destination) and
 * throws ChecksumError.
 */
export async function fetchDataset(o: FetchOptions = {}): Promise<DatasetLocation> {
  const env = o.env ?? process.env;
  const dir = o.dir ?? cacheDir(env);
  const base = (o.baseUrl ?? env.FMNIST_MIRROR_URL ?? OFFICIAL_MIRROR).replace(/\/?$/, '/');
  await mkdir(dir, { recursive: true });
  for (const f of OFFICIAL_FILES) {
    const expected = (o.checksums?.[f.name] ?? f.md5).toLowerCase();
    const dest = join(dir, f.name);
    try {
      if ((await md5File(dest)) === expected) {
        o.onProgress?.({ done: 1, total: 1, unit: 'file', label: `${f.name} (already verified)` });
        continue;
      }
    } catch {
      // not there yet
    }
    await download(new URL(f.name, base).toString(), dest, expected, f.name, o.onProgress, o.signal);
  }
  const r = await findDatasetIn(dir, o.dir ? 'option' : 'cache');
  if (!('location' in r)) throw new FmnistError(`Downloaded files missing from ${dir}: ${r.missing.join(', ')}`, { file: dir });
  return r.location;
}

async function download(
  url: string,
  dest: string,
  expected: string,
  name: string,
  onProgress?: OnProgress,
  signal?: AbortSignal,
): Promise<void> {
  const part = `${dest}.part-${process.pid}`;
  const hint = 'Check the network or the mirror (FMNIST_MIRROR_URL), or install the data with `apt-get install dataset-fashion-mnist` and use --data-dir.';
  let res: Response;
  try {
    res = await fetch(url, { signal });
  } catch (e) {
    throw new FmnistError(`Cannot download ${url}: ${(e as Error).message}${(e as { cause?: Error }).cause ? ` (${(e as { cause: Error }).cause.message})` : ''}`, { file: dest, hint, cause: e });
  }
  if (!res.ok || !res.body) {
    throw new FmnistError(`Cannot download ${url}: HTTP ${res.status} ${res.statusText}`, { file: dest, hint });
  }
  const total = Number(res.headers.get('content-length') ?? 0);
  const hash = createHash('md5');
  const out = createWriteStream(part);
  let done = 0;
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      hash.update(chunk);
      done += chunk.length;
      if (!out.write(chunk)) await once(out, 'drain');
      onProgress?.({ done, total: total || done, unit: 'B', label: name });
    }
    out.end();
    await once(out, 'close');
  } catch (e) {
    out.destroy();
    await rm(part, { force: true });
    throw new FmnistError(`Download of ${url} failed after ${done} bytes: ${(e as Error).message}`, { file: dest, hint, cause: e });
  }
  const actual = hash.digest('hex');
  if (actual !== expected) {
    // Only the bad download goes: a file already at `dest` is replaced by a verified one or kept.
    await rm(part, { force: true });
    throw new ChecksumError(dest, expected, actual);
  }
  await rename(part, dest);
}
