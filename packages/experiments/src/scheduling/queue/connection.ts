// The Redis URL of `--queue` / FMNIST_QUEUE: checked, shown with its password masked, and opened
// once up front so that a wrong password or an unreachable server is one clear error (exit 1)
// before anything is enqueued. bullmq and ioredis are imported here lazily: nothing loads them
// unless a queue is used.
import { FmnistError } from '@fmnist/core';
import { ExperimentError } from '../../errors';

export type Redis = import('ioredis').Redis;

/** Key prefix of every BullMQ queue and fmnist key in the database. */
export const PREFIX = 'fmnist';
/** The queue of units (workers take from it) and the queue of run parents (never processed). */
export const UNITS_QUEUE = 'units';
export const RUNS_QUEUE = 'runs';
/** How long shipped files and errors stay in Redis when nobody collects them. */
export const BLOB_TTL_SECONDS = 7 * 24 * 3600;
export const blobKey = (sha256: string) => `${PREFIX}:blob:${sha256}`;
export const errorKey = (jobId: string) => `${PREFIX}:error:${jobId}`;

/** The URL as it may be printed: the password (and nothing else) replaced by `***`. */
export function maskUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    // not a URL: hide anything between "://" and "@" that could be credentials
    return url.replace(/(\/\/)[^@/]*@/, '$1***@');
  }
}

export interface QueueUrl { url: string; masked: string; tls: boolean }

/** A redis:// or rediss:// URL, else a usage error (exit 2) naming the flag. */
export function parseQueueUrl(url: string): QueueUrl {
  const masked = maskUrl(url);
  const usage = (why: string, fix = 'pass redis://[user:password@]host:port[/db], or rediss://… for TLS (also FMNIST_QUEUE)') =>
    new FmnistError(`--queue ${masked}: ${why}`, { hint: `fix: ${fix}`, exitCode: 2 });
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw usage('not a URL');
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw usage(`${u.protocol.replace(/:$/, '')} is not a Redis URL`);
  if (!/^\/?\d*$/.test(u.pathname)) throw usage('the path must be a database number (/0 … /15)', 'drop the path or give a number');
  return { url, masked, tls: u.protocol === 'rediss:' };
}

/**
 * ioredis options for BullMQ: reconnect forever once connected (a Redis restart must not kill a
 * long run), never queue commands without limit. `rediss://` turns TLS on by itself;
 * FMNIST_QUEUE_CA names a CA file for a server whose certificate is not in Node's store.
 */
async function options(q: QueueUrl) {
  const { readFileSync } = await import('node:fs');
  const ca = process.env.FMNIST_QUEUE_CA;
  return {
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    ...(q.tls ? { tls: ca ? { ca: readFileSync(ca) } : {} } : {}),
  };
}

// ioredis is CommonJS: its class is the module's default export (a bundle keeps only that one)
const loadRedis = async () => (await import('ioredis')).default;

/** A connection for BullMQ (one per Queue/Worker/QueueEvents: blocking commands need their own). */
export async function connect(q: QueueUrl): Promise<Redis> {
  const Redis = await loadRedis();
  const r = new Redis(q.url, await options(q));
  // ioredis retries on its own; errors after the first check are reported where they matter
  r.on('error', () => {});
  return r;
}

/** Opens the URL once: the server answers, the password is right, it is a Redis. */
export async function checkQueue(queue: QueueUrl | string): Promise<void> {
  const q = typeof queue === 'string' ? parseQueueUrl(queue) : queue;
  const Redis = await loadRedis();
  const r = new Redis(q.url, { ...(await options(q)), lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null, connectTimeout: 10_000 });
  let last: unknown;
  r.on('error', (e) => (last = e));
  try {
    await r.connect();
    await r.ping();
  } catch (e) {
    throw queueError(q, last ?? e);
  } finally {
    r.disconnect();
  }
}

/** A Redis failure as a user error naming the masked URL and the fix. */
export function queueError(q: QueueUrl, e: unknown): ExperimentError {
  const msg = e instanceof Error ? e.message : String(e);
  const code = (e as { code?: string }).code ?? '';
  if (/WRONGPASS|NOAUTH|invalid password|invalid username-password/i.test(msg)) {
    return new ExperimentError(`cannot log in to the Redis queue at ${q.masked}: ${/NOAUTH/.test(msg) ? 'it needs a password' : 'wrong user or password'}`, {
      hint: 'put the user and password of the Redis ACL in the URL: redis://user:password@host:port (also FMNIST_QUEUE)',
    });
  }
  if (/ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|connect/i.test(`${code} ${msg}`)) {
    return new ExperimentError(`cannot reach the Redis queue at ${q.masked} (${code || msg.split('\n')[0]})`, { hint: 'start redis-server there, or check the host, port and firewall' });
  }
  return new ExperimentError(`the Redis queue at ${q.masked} failed: ${msg.split('\n')[0]}`, { hint: q.tls ? 'for rediss:// check the server certificate (FMNIST_QUEUE_CA=ca.pem)' : 'check the URL' });
}
