import { createHash } from 'node:crypto';
import { openInput } from './file-checks';

/** MD5 of a file's bytes, streamed (a regular file only: see openInput). */
export async function md5File(file: string): Promise<string> {
  const h = createHash('md5');
  const { fh } = await openInput(file);
  try {
    for await (const chunk of fh.createReadStream({ autoClose: false, highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  } finally {
    await fh.close();
  }
  return h.digest('hex');
}
