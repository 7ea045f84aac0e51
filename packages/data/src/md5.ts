import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** MD5 of a file's bytes, streamed. */
export async function md5File(file: string): Promise<string> {
  const h = createHash('md5');
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  return h.digest('hex');
}
