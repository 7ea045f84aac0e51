import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { FmnistError } from './errors.js';

/** True when the file starts with the gzip magic bytes 1f 8b. */
export async function isGzipFile(file: string): Promise<boolean> {
  const fh = await open(file, 'r');
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await fh.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

/**
 * The file's (decompressed when gzip) bytes as an async stream of chunks. A truncated or corrupt
 * gzip stream becomes a FmnistError naming the file. `onBytes` reports compressed bytes read.
 */
export async function* readBytes(
  file: string,
  o: { onBytes?: (bytesRead: number) => void; highWaterMark?: number } = {},
): AsyncGenerator<Buffer> {
  const gz = await isGzipFile(file);
  const raw = createReadStream(file, { highWaterMark: o.highWaterMark ?? 1 << 20 });
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
  }
}
