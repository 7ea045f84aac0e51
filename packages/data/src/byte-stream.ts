import { createGunzip } from 'node:zlib';
import { FmnistError } from './errors';
import { openInput, readInputHead } from './file-checks';

const GZIP_MAGIC = [0x1f, 0x8b];
const isGzipHead = (head: Uint8Array) => head.length >= 2 && head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1];

/** True when the file starts with the gzip magic bytes 1f 8b (only regular files are opened). */
export async function isGzipFile(file: string): Promise<boolean> {
  return isGzipHead(await readInputHead(file, 2));
}

/**
 * The file's (decompressed when gzip) bytes as an async stream of chunks. A truncated or corrupt
 * gzip stream becomes a FmnistError naming the file. `onBytes` reports compressed bytes read.
 * Only a regular file is opened (openInput); a consumer that stops early stops the inflation too,
 * so reading a header never inflates the whole file.
 */
export async function* readBytes(
  file: string,
  o: { onBytes?: (bytesRead: number) => void; highWaterMark?: number } = {},
): AsyncGenerator<Buffer> {
  const { fh } = await openInput(file);
  const head = Buffer.alloc(2);
  const gz = isGzipHead(new Uint8Array(head.buffer, 0, (await fh.read(head, 0, 2, 0)).bytesRead));
  const raw = fh.createReadStream({ start: 0, autoClose: false, highWaterMark: o.highWaterMark ?? 1 << 20 });
  let read = 0;
  if (o.onBytes) {
    const cb = o.onBytes;
    raw.on('data', (c) => {
      read += c.length;
      cb(read);
    });
  }
  const stream = gz ? raw.pipe(createGunzip({ chunkSize: 1 << 18 })) : raw;
  if (gz) raw.on('error', (e) => stream.destroy(e));
  try {
    for await (const chunk of stream) yield chunk as Buffer;
  } catch (e) {
    const msg = (e as Error).message ?? String(e);
    throw new FmnistError(
      gz ? `Cannot decompress ${file}: ${msg} (truncated or corrupt gzip file)` : `Cannot read ${file}: ${msg}`,
      { file, hint: 'Download the file again (`fmnist data fetch`) or reinstall `dataset-fashion-mnist`.', cause: e },
    );
  } finally {
    raw.destroy();
    if (gz) stream.destroy();
    await fh.close().catch(() => undefined);
  }
}

/**
 * The first `n` bytes of the file's content, decompressed when gzip: only as much is read and
 * inflated as those bytes need (a small .gz may inflate to gigabytes). Fewer when it is shorter.
 */
export async function readContentHead(file: string, n: number): Promise<Uint8Array> {
  const out = new Uint8Array(n);
  let filled = 0;
  for await (const chunk of readBytes(file, { highWaterMark: 1 << 16 })) {
    const take = Math.min(n - filled, chunk.length);
    out.set(chunk.subarray(0, take), filled);
    filled += take;
    if (filled === n) break;
  }
  return out.subarray(0, filled);
}
