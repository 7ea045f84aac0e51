import { fork, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireLock } from './lock';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fmnist-lock-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  await new Promise((r) => child.on('exit', r));
  return child.pid!;
}

const ago = async (p: string, seconds: number) => {
  const t = new Date(Date.now() - seconds * 1000);
  await utimes(p, t, t);
};

describe('locks', () => {
  it('a second holder fails with a message naming the holder', async () => {
    const p = join(dir, 'lock');
    const l = await acquireLock(p);
    await expect(acquireLock(p, { pid: process.pid + 1 })).rejects.toThrow(
      new RegExp(`held by pid ${process.pid} on ${hostname()}`),
    );
    await expect(acquireLock(p)).rejects.toThrow(/already held by this process/);
    await l.release();
    const l2 = await acquireLock(p, { pid: process.pid });
    await l2.release();
  });

  it('a live process in another OS process holds the run dir against us', async () => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
    try {
      const p = join(dir, 'lock');
      await writeFile(p, JSON.stringify({ pid: child.pid, hostname: hostname(), startedAt: 'then' }));
      await ago(p, 3600);
      await expect(acquireLock(p)).rejects.toThrow(`held by pid ${child.pid}`);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('a stale lock (dead pid on this host) is taken over, and says whose it was', async () => {
    const pid = await deadPid();
    const p = join(dir, 'lock');
    await writeFile(p, JSON.stringify({ pid, hostname: hostname(), startedAt: 'then', token: 'old' }));
    const l = await acquireLock(p);
    expect(l.tookOver).toBe(true);
    expect(l.previous).toMatchObject({ pid, token: 'old' });
    expect(JSON.parse(await readFile(p, 'utf8'))).toMatchObject({ pid: process.pid, token: l.info.token });
    await l.release();
    expect(await readdir(dir)).toEqual([]);
  });

  it('a lock naming our own pid that this process does not hold is an earlier process\'s (pid reuse)', async () => {
    const p = join(dir, 'lock');
    await writeFile(p, JSON.stringify({ pid: process.pid, hostname: hostname(), startedAt: 'then', token: 'earlier' }));
    const l = await acquireLock(p);
    expect(l.previous?.token).toBe('earlier');
    await l.release();
  });

  it('an unparsable lock is waited for while it may be mid-write, and taken over once older than a few seconds', async () => {
    const p = join(dir, 'lock');
    await writeFile(p, '');
    await ago(p, 60);
    const l = await acquireLock(p);
    expect(l.tookOver).toBe(true);
    expect(l.previous).toBeNull();
    await l.release();

    // fresh garbage: the acquirer waits; a writer finishing it in time (a live holder) wins
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
    try {
      await writeFile(p, '{"pid": ');
      setTimeout(() => void writeFile(p, JSON.stringify({ pid: child.pid, hostname: hostname(), startedAt: 'now' })), 300);
      await expect(acquireLock(p)).rejects.toThrow(`held by pid ${child.pid}`);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('a FIFO planted as the lock does not block: it is unparsable, and replaced once old', async () => {
    const p = join(dir, 'lock');
    expect(spawnSync('mkfifo', [p]).status).toBe(0);
    await ago(p, 60);
    const l = await acquireLock(p);
    expect(l.tookOver).toBe(true);
    expect((await stat(p)).isFile()).toBe(true);
    await l.release();
  });

  it('a lock from another host is recovered once its heartbeat is older than the timeout, and not before', async () => {
    const p = join(dir, 'lock');
    await writeFile(p, JSON.stringify({ pid: 1, hostname: 'elsewhere.example', startedAt: 'then', token: 'remote' }));
    await ago(p, 50);
    await expect(acquireLock(p, { staleSeconds: 60 })).rejects.toThrow(
      /held by pid 1 on elsewhere.example since then \(last heartbeat 50 s ago; a lock from another host is taken over after 60 s without one\)/,
    );
    // the default is 600 s, and the environment variable sets it
    await ago(p, 599);
    await expect(acquireLock(p, { env: {} })).rejects.toThrow(/after 600 s without one/);
    await expect(acquireLock(p, { env: { FMNIST_LOCK_STALE_SECONDS: 'soon' } })).rejects.toThrow(/FMNIST_LOCK_STALE_SECONDS=soon is not a positive number/);
    const l = await acquireLock(p, { env: { FMNIST_LOCK_STALE_SECONDS: '300' } });
    expect(l.previous).toMatchObject({ hostname: 'elsewhere.example', token: 'remote' });
    await l.release();
  });

  it('the holder refreshes its heartbeat, so another host does not take a long-held lock', async () => {
    const p = join(dir, 'lock');
    const l = await acquireLock(p, { staleSeconds: 0.4 });
    await ago(p, 3600);
    await new Promise((r) => setTimeout(r, 300));
    expect(Date.now() - (await stat(p)).mtimeMs).toBeLessThan(1000);
    await expect(acquireLock(p, { host: 'elsewhere.example', staleSeconds: 0.4 })).rejects.toThrow(/held by pid/);
    await l.release();
  });

  it('release removes only our own lock', async () => {
    const p = join(dir, 'lock');
    const l = await acquireLock(p);
    const theirs = JSON.stringify({ pid: process.pid + 1, hostname: 'elsewhere.example', startedAt: 'now', token: 'theirs' });
    await writeFile(p, theirs);
    await l.release();
    expect(await readFile(p, 'utf8')).toBe(theirs);
  });
});

const RACER = fileURLToPath(new URL('../testing/lock-racer.ts', import.meta.url));

interface Outcome { round: number; won: boolean; overlap: boolean; error?: string }

function startRacer(): Promise<{ child: ChildProcess; ask(m: object): Promise<Outcome> }> {
  const child = fork(RACER, [], { execArgv: ['--import', 'tsx/esm'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let pending: ((o: Outcome) => void) | null = null;
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.on('message', (m) => {
      if (m === 'ready') resolve({ child, ask: (msg) => new Promise((r) => ((pending = r), child.send(msg))) });
      else pending?.(m as Outcome);
    });
  });
}

describe('two processes racing for one lock', () => {
  it('never both hold it, 1,000 times with a free lock and 1,000 times with a stale one to take over', async () => {
    const racers = await Promise.all([startRacer(), startRacer()]);
    try {
      const lock = join(dir, 'lock');
      const inside = join(dir, 'inside');
      const dead = await deadPid();
      const stale = [
        () => writeFile(lock, JSON.stringify({ pid: dead, hostname: hostname(), startedAt: 'then', token: `t${Math.random()}` })),
        () => writeFile(lock, JSON.stringify({ pid: dead, hostname: hostname(), startedAt: 'then' })), // old format
        async () => {
          await writeFile(lock, ''); // old format, crashed mid-write long ago
          await ago(lock, 60);
        },
      ];
      const tally = { free: { wins: 0, overlaps: 0 }, stale: { wins: 0, overlaps: 0 } };
      const errors: string[] = [];
      for (const kind of ['free', 'stale'] as const) {
        for (let round = 0; round < 1000; round++) {
          if (kind === 'stale') await stale[round % 3]();
          const out = await Promise.all(racers.map((r) => r.ask({ round, lock, inside, holdMs: 1 })));
          const wins = out.filter((o) => o.won).length;
          tally[kind].wins += wins;
          tally[kind].overlaps += out.filter((o) => o.overlap).length;
          for (const o of out) if (o.error) errors.push(`${kind} ${round}: ${o.error}`);
          if (wins === 0) errors.push(`${kind} ${round}: nobody took the lock`);
        }
      }
      expect(errors).toEqual([]);
      expect(tally.free.overlaps).toBe(0);
      expect(tally.stale.overlaps).toBe(0);
      // both racers did contend (one lost most rounds), and nothing is left behind
      expect(tally.free.wins).toBeGreaterThanOrEqual(1000);
      expect(tally.free.wins).toBeLessThan(2000);
      expect(tally.stale.wins).toBeLessThan(2000);
      expect(await readdir(dir)).toEqual([]);
    } finally {
      for (const r of racers) r.child.kill('SIGKILL');
    }
  }, 120_000);
});
