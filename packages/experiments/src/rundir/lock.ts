// The run lock: one file per run directory naming the process that works on it. Ownership is
// decided by link(2) of a fully written temp file (the name either appears with its whole content
// or not at all), and a stale lock is replaced by rename(2) under a per-holder takeover lock, so
// two processes can never both believe they hold it.
import { createHash, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { link, open, readdir, rename, stat, unlink, utimes } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { ExperimentError } from '../errors';
import { isProcessAlive } from '@fmnist/core/node';

export interface LockInfo {
  pid: number;
  hostname: string;
  startedAt: string;
  /** random id of this holding; absent in locks written before it existed */
  token?: string;
}

export interface Lock {
  path: string;
  info: LockInfo;
  /** true when a stale lock was replaced (its holder is `previous`; null if it was unreadable) */
  tookOver: boolean;
  previous: LockInfo | null;
  /** removes the lock file if it is still ours (never someone else's) */
  release(): Promise<void>;
}

export interface LockOptions {
  pid?: number;
  host?: string;
  /**
   * A lock held on another host is stale once its heartbeat (the file's mtime, refreshed by the
   * holder) is older than this. Default: FMNIST_LOCK_STALE_SECONDS, else 600.
   */
  staleSeconds?: number;
  env?: Record<string, string | undefined>;
}

export const DEFAULT_LOCK_STALE_SECONDS = 600;
export const LOCK_STALE_ENV = 'FMNIST_LOCK_STALE_SECONDS';
/** An unparsable lock younger than this may be an old-format lock being written: wait for it. */
const UNREADABLE_GRACE_MS = 5000;
/** How long to keep retrying while others release or take over the lock (never while it is held live). */
const RACE_BUDGET_MS = 10_000;

/** Tokens of the locks this process holds (a lock naming our pid but not listed is an earlier process's). */
const heldHere = new Set<string>();

interface Holder { raw: string; token: string; info: LockInfo | null; mtimeMs: number }
interface Judge { host: string; staleMs: number }
type Verdict = { kind: 'live'; why: string } | { kind: 'stale'; why: string } | { kind: 'wait' };

export function lockStaleSeconds(o: LockOptions = {}): number {
  if (o.staleSeconds !== undefined) return o.staleSeconds;
  const raw = (o.env ?? process.env)[LOCK_STALE_ENV];
  if (raw === undefined || raw === '') return DEFAULT_LOCK_STALE_SECONDS;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) {
    throw new ExperimentError(`${LOCK_STALE_ENV}=${raw} is not a positive number of seconds`, {
      hint: `unset it (default ${DEFAULT_LOCK_STALE_SECONDS}) or set e.g. ${LOCK_STALE_ENV}=600`,
    });
  }
  return n;
}

const newToken = () => randomBytes(8).toString('hex');

/**
 * Writes `info` to a unique temp file beside `path`, returning its name. Not synced: after a
 * system crash every holder is gone anyway, and an empty leftover counts as stale.
 */
async function writeTemp(path: string, info: LockInfo): Promise<string> {
  const tmp = `${path}.tmp-${info.pid}-${newToken()}`;
  const fh = await open(tmp, 'wx');
  try {
    await fh.writeFile(JSON.stringify(info) + '\n');
  } finally {
    await fh.close();
  }
  return tmp;
}

/** Creates `path` as a second name of `tmp`: true, or false when `path` exists. */
async function tryLink(tmp: string, path: string): Promise<boolean> {
  try {
    await link(tmp, path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
}

async function readHolder(path: string): Promise<Holder | 'gone'> {
  let raw: string;
  let mtimeMs: number;
  try {
    // O_NONBLOCK: a FIFO planted as the lock must not block us; it is read as unparsable
    const fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      const st = await fh.stat();
      mtimeMs = st.mtimeMs;
      raw = st.isFile() && st.size < 64 * 1024 ? await fh.readFile('utf8') : '';
    } finally {
      await fh.close();
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw e;
  }
  let info: LockInfo | null = null;
  try {
    const v = JSON.parse(raw);
    if (typeof v?.pid === 'number' && typeof v?.hostname === 'string') info = v as LockInfo;
  } catch {
    // unparsable: judged by age below
  }
  // Old-format (tokenless) and unparsable locks are identified by their content.
  const token = typeof info?.token === 'string' ? info.token : `c${createHash('sha256').update(raw).digest('hex').slice(0, 16)}`;
  return { raw, token, info, mtimeMs };
}

function judge(h: Holder, j: Judge): Verdict {
  const ageMs = Date.now() - h.mtimeMs;
  if (!h.info) {
    return ageMs > UNREADABLE_GRACE_MS ? { kind: 'stale', why: 'unreadable lock' } : { kind: 'wait' };
  }
  if (h.info.hostname === j.host) {
    if (h.info.pid === process.pid) {
      return heldHere.has(h.token) ? { kind: 'live', why: 'this process' } : { kind: 'stale', why: 'left by an earlier process with this pid' };
    }
    return isProcessAlive(h.info.pid) ? { kind: 'live', why: 'running' } : { kind: 'stale', why: `pid ${h.info.pid} is gone` };
  }
  return ageMs > j.staleMs
    ? { kind: 'stale', why: `no heartbeat for ${Math.round(ageMs / 1000)} s` }
    : { kind: 'live', why: `heartbeat ${Math.round(ageMs / 1000)} s ago` };
}

type Claim = { ok: true; tookOver: Holder | null } | { ok: false; holder: Holder | null; verdict: Verdict | null };

/**
 * One attempt to own `path` with `info`: link it into place, or, when the present holder is
 * stale, replace it. Never waits; the caller retries.
 */
async function claim(path: string, info: LockInfo, j: Judge, depth: number): Promise<Claim> {
  // listed before it can appear under `path`, so a concurrent claim in this process sees it live
  heldHere.add(info.token!);
  let ok = false;
  try {
    const c = await claimOnce(path, info, j, depth);
    ok = c.ok;
    return c;
  } finally {
    if (!ok) heldHere.delete(info.token!);
  }
}

async function claimOnce(path: string, info: LockInfo, j: Judge, depth: number): Promise<Claim> {
  const tmp = await writeTemp(path, info);
  try {
    if (await tryLink(tmp, path)) return { ok: true, tookOver: null };
  } finally {
    await unlink(tmp).catch(() => {});
  }
  const h = await readHolder(path);
  if (h === 'gone') return { ok: false, holder: null, verdict: null };
  const verdict = judge(h, j);
  if (verdict.kind !== 'stale') return { ok: false, holder: h, verdict };
  return (await replaceStale(path, h.token, info, j, depth)) ? { ok: true, tookOver: h } : { ok: false, holder: h, verdict: null };
}

/**
 * Replace `path`, judged stale while it held `staleToken`, by `info`. Only the owner of
 * `<path>.takeover-<staleToken>` (itself a lock, taken the same way) may do it, and only after
 * checking that `path` still holds `staleToken`: a token never comes back once replaced, so a
 * slow process that judged the same stale lock finds it gone and backs off. The rename
 * replaces the file in one step; `path` is never absent, so nobody can link into a gap.
 */
async function replaceStale(path: string, staleToken: string, info: LockInfo, j: Judge, depth: number): Promise<boolean> {
  if (depth > 4) return false;
  const mutex = `${path}.takeover-${staleToken}`;
  const mutexToken = newToken();
  const m = await claim(mutex, { ...info, token: mutexToken }, j, depth + 1);
  if (!m.ok) return false;
  try {
    const cur = await readHolder(path);
    if (cur === 'gone' || cur.token !== staleToken) return false;
    const tmp = await writeTemp(path, info);
    try {
      await rename(tmp, path);
    } catch (e) {
      await unlink(tmp).catch(() => {});
      throw e;
    }
    return true;
  } finally {
    await unlink(mutex).catch(() => {});
    heldHere.delete(mutexToken);
  }
}

/**
 * Removes takeover locks and temp files that crashed processes left beside `path`. Called by the
 * holder: every takeover lock then names a token no longer in `path`, so none of them guards
 * anything (one naming our own token would be someone taking us over: kept).
 */
async function sweep(path: string, ours: string, oldTempMs: number): Promise<void> {
  const dir = dirname(path);
  const base = basename(path);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  for (const n of names) {
    const p = join(dir, n);
    if (n.includes('.tmp-')) {
      // another process's lock or takeover lock being written: only very old ones are litter
      if (!n.startsWith(`${base}.`)) continue;
      const st = await stat(p).catch(() => null);
      if (st && Date.now() - st.mtimeMs > oldTempMs) await unlink(p).catch(() => {});
    } else if (n.startsWith(`${base}.takeover-`) && !n.startsWith(`${base}.takeover-${ours}`)) {
      await unlink(p).catch(() => {});
    }
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function inUse(path: string, h: Holder, j: Judge, me: LockInfo): ExperimentError {
  const i = h.info!;
  const since = `since ${i.startedAt}`;
  if (i.hostname === j.host && i.pid === me.pid && heldHere.has(h.token)) {
    return new ExperimentError(`run directory is in use: ${path} is already held by this process (pid ${i.pid})`, { file: path });
  }
  if (i.hostname === j.host) {
    return new ExperimentError(`run directory is in use: ${path} is held by pid ${i.pid} on ${i.hostname} ${since}`, {
      file: path,
      hint: 'wait for that process to finish, or stop it (the lock is taken over once that pid is gone)',
    });
  }
  const beat = Math.round((Date.now() - h.mtimeMs) / 1000);
  const timeout = j.staleMs / 1000;
  return new ExperimentError(
    `run directory is in use: ${path} is held by pid ${i.pid} on ${i.hostname} ${since} (last heartbeat ${beat} s ago; a lock from another host is taken over after ${timeout} s without one)`,
    {
      file: path,
      hint: `wait for that process to finish, or retry after the ${timeout} s timeout (${LOCK_STALE_ENV} sets it); if you are sure it is gone, delete ${path}`,
    },
  );
}

/**
 * Take the lock file `path`. A lock held by a live process on this host, or by a process on
 * another host that refreshed the lock's mtime (its heartbeat) within the stale timeout, is a
 * clear error naming the holder; any other lock is stale and taken over. While held, the lock's
 * mtime is refreshed every timeout/4 (at most 60 s).
 */
export async function acquireLock(path: string, o: LockOptions = {}): Promise<Lock> {
  const staleSeconds = lockStaleSeconds(o);
  const j: Judge = { host: o.host ?? hostname(), staleMs: staleSeconds * 1000 };
  const info: LockInfo = { pid: o.pid ?? process.pid, hostname: j.host, startedAt: new Date().toISOString(), token: newToken() };
  const started = Date.now();
  while (Date.now() - started < RACE_BUDGET_MS) {
    const c = await claim(path, info, j, 0);
    if (c.ok) {
      // while we hold the lock (never after: a takeover lock could then guard a live token)
      await sweep(path, info.token!, Math.max(j.staleMs, 60_000));
      return held(path, info, c.tookOver, j);
    }
    if (c.verdict?.kind === 'live') throw inUse(path, c.holder!, j, info);
    // lost a race (the lock was released, or another process is taking over a stale lock): look again
    if (c.holder) await sleep(c.verdict?.kind === 'wait' ? 100 : 2 + Math.random() * 10);
  }
  throw new ExperimentError(`could not take the lock ${path}`, { file: path, hint: 'another process keeps taking it; retry' });
}

function held(path: string, info: LockInfo, tookOver: Holder | null, j: Judge): Lock {
  const token = info.token!;
  const beatMs = Math.max(50, Math.min(60_000, j.staleMs / 4));
  const timer = setInterval(() => {
    const now = new Date();
    readHolder(path)
      .then((h) => (h !== 'gone' && h.token === token ? utimes(path, now, now) : clearInterval(timer)))
      .catch(() => {});
  }, beatMs);
  timer.unref();
  let released = false;
  return {
    path,
    info,
    tookOver: tookOver !== null,
    previous: tookOver?.info ?? null,
    release: async () => {
      if (released) return;
      released = true;
      clearInterval(timer);
      heldHere.delete(token);
      const cur = await readHolder(path);
      // check-then-unlink: only a takeover could change the file in between, and nobody takes
      // over a live holder (or one whose heartbeat is fresh)
      if (cur !== 'gone' && cur.token === token) await unlink(path).catch(() => {});
    },
  };
}

/** The current holder of a lock file, or null when there is none (or it is unreadable). */
export async function readLock(path: string): Promise<LockInfo | null> {
  const s = await readHolder(path).catch(() => 'gone' as const);
  return s === 'gone' ? null : s.info;
}
