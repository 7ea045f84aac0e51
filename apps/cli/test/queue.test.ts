// Scale-out through Redis (issue #12), end to end: a real redis-server with a password, real
// `fmnist worker` processes of the bundle, coordinators started with --queue. A kfold run on 3
// workers gives the numbers of the same run on one machine; a worker killed with SIGKILL while it
// trains a fold loses nothing; a coordinator killed and run again re-attaches without training a
// finished unit again; a wrong password is exit 1 without the password in the message.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDIS_SERVER, startRedis, type TestRedis } from '@fmnist/experiments/testing/redis-server';
import { BUNDLE, readRealSplit, removeTempDirs, runCli, tempDir, writeKaggleCsv } from './helpers';

let redis: TestRedis;
let cwd: string;
let local: KFold;
const workers: Worker[] = [];
// 3 folds of 200 validation rows, 2 short epochs each: seconds per fold
const KFOLD = ['kfold', '--data', 'data', '--folds', '3', '--epochs', '2', '--train-size', '600', '--test-size', '200', '--backend', 'wasm', '--seed', '5', '--json'];

interface KFold { folds: { fold: number; history: Record<string, number>[]; train: unknown; validation: unknown; test: unknown }[]; ensemble: unknown }
interface Worker { child: ChildProcess; log: string; exited: Promise<number | null> }

const env = () => ({ ...process.env, FMNIST_DATA_DIR: undefined, TMPDIR: cwd, FMNIST_QUEUE_LOCK_SECONDS: '2' }) as NodeJS.ProcessEnv;

function startWorker(name: string): Worker {
  const child = spawn(process.execPath, [BUNDLE, 'worker', '--queue', redis.url, '--data', 'data', '--runs-dir', `w-${name}`], { cwd, env: env() });
  const w: Worker = { child, log: '', exited: new Promise((r) => child.on('exit', (code) => r(code))) };
  child.stderr!.on('data', (d) => (w.log += String(d)));
  child.stdout!.resume();
  workers.push(w);
  return w;
}

/** The numbers of a kfold run, without its timings (seconds, images per second). */
function numbers(r: KFold) {
  // how an epoch ran (its seconds, images per second and threads), not what it computed
  const untimed = (h: Record<string, number>) => Object.fromEntries(Object.entries(h).filter(([k]) => !/seconds|PerSecond|^threads$/i.test(k)));
  return { folds: r.folds.map((f) => ({ fold: f.fold, history: f.history.map(untimed), train: f.train, validation: f.validation, test: f.test })), ensemble: r.ensemble };
}

function coordinator(runsDir: string, onStderr?: (all: string, child: ChildProcess) => void): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res) => {
    const child = spawn(process.execPath, [BUNDLE, ...KFOLD, '--runs-dir', runsDir, '--queue', redis.url], { cwd, env: env() });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += String(d)));
    child.stderr.on('data', (d) => {
      stderr += String(d);
      onStderr?.(stderr, child);
    });
    child.on('exit', (code) => res({ code, stdout, stderr }));
  });
}

const count = (s: string, re: RegExp) => (s.match(new RegExp(re, 'g')) ?? []).length;
const allLogs = () => workers.map((w) => w.log).join('\n');

beforeAll(async () => {
  redis = await startRedis();
  cwd = tempDir('fmnist-queue-');
  writeKaggleCsv(join(cwd, 'train.csv'), readRealSplit('train', 1000));
  writeKaggleCsv(join(cwd, 'test.csv'), readRealSplit('t10k', 200));
  const prep = await runCli(['data', 'prepare', '--train-csv', 'train.csv', '--test-csv', 'test.csv', '--out', 'data', '--quiet'], { cwd });
  expect(prep.code, prep.stderr).toBe(0);
  for (const n of ['a', 'b', 'c']) startWorker(n);
  const r = await runCli([...KFOLD, '--runs-dir', 'local', '--concurrency', '1'], { cwd });
  expect(r.code, r.stderr).toBe(0);
  local = JSON.parse(r.stdout).results;
}, 120_000);

afterAll(async () => {
  for (const w of workers) w.child.kill('SIGKILL');
  await Promise.all(workers.map((w) => w.exited));
  await redis?.stop();
  removeTempDirs();
});

describe.skipIf(!REDIS_SERVER)('fmnist kfold --queue with fmnist worker processes', () => {
  it('a wrong password is exit 1 naming the URL with the password masked', async () => {
    const url = redis.url.replace(redis.password, 'not-the-password');
    const r = await runCli(['kfold', '--data', 'data', '--queue', url], { cwd });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`cannot log in to the Redis queue at redis://:***@127.0.0.1:${redis.port}`);
    expect(r.stderr + r.stdout).not.toContain('not-the-password');
  });

  it('3 workers give the fold numbers of the same run on one machine, and leave nothing in Redis', async () => {
    const r = await coordinator('q1');
    expect(r.code, r.stderr).toBe(0);
    expect(numbers(JSON.parse(r.stdout).results)).toEqual(numbers(local));
    // the units were shared out: more than one worker trained
    expect(workers.filter((w) => /fold-\d: done/.test(w.log)).length).toBeGreaterThan(1);
    expect(r.stderr).toMatch(/fold 1\/3 epoch 1\/2/);
  }, 60_000);

  it('a worker killed with SIGKILL while it trains a fold: the unit is retried elsewhere, same numbers', async () => {
    let killed: Worker | undefined;
    const offsets = new Map(workers.map((w) => [w, w.log.length]));
    const r = await coordinator('q2', () => {
      // the first worker to finish an epoch of this run is in the middle of its fold
      killed ??= workers.find((w) => w.child.exitCode === null && /fold-\d: epoch 1 done/.test(w.log.slice(offsets.get(w))));
      if (killed && killed.child.exitCode === null && killed.child.signalCode === null) killed.child.kill('SIGKILL');
    });
    expect(killed).toBeDefined();
    expect(await killed!.exited).toBe(null);
    expect(r.code, r.stderr).toBe(0);
    expect(numbers(JSON.parse(r.stdout).results)).toEqual(numbers(local));
    // the killed worker's fold was started again by another worker (once its lock expired)
    const since = workers.map((w) => w.log.slice(offsets.get(w))).join('\n');
    expect(count(since, /started, attempt/)).toBe(4);
    startWorker('d');
  }, 60_000);

  it('a coordinator killed with SIGKILL and run again re-attaches: no unit is trained twice', async () => {
    const startsBefore = count(allLogs(), /started, attempt/);
    const doneBefore = count(allLogs(), /fold-\d: done/);
    const first = await coordinator('q3', (stderr, child) => {
      if (/result from/.test(stderr)) child.kill('SIGKILL');
    });
    expect(first.code).toBe(null);
    // the workers finish the other units while no coordinator is there
    const deadline = Date.now() + 40_000;
    while (count(allLogs(), /fold-\d: done/) < doneBefore + 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    const again = await coordinator('q3');
    expect(again.code, again.stderr).toBe(0);
    expect(numbers(JSON.parse(again.stdout).results)).toEqual(numbers(local));
    // 3 units started once each (no retries): the re-run trained nothing again
    expect(count(allLogs(), /started, attempt/) - startsBefore).toBe(3);
    // the results the first coordinator did not write were collected by the second
    expect(count(first.stderr, /result from/)).toBeGreaterThan(0);
    expect(count(first.stderr, /result from/) + count(again.stderr, /result from/)).toBe(3);
  }, 90_000);

  it('Ctrl-C on a worker finishes its unit, then exits 0', async () => {
    let stopped: Worker | undefined;
    let unit = '';
    const offsets = new Map(workers.map((w) => [w, w.log.length]));
    const r = await coordinator('q4', () => {
      if (stopped) return;
      stopped = workers.find((w) => w.child.exitCode === null && w.child.signalCode === null && /fold-\d \(/.test(w.log.slice(offsets.get(w))));
      if (!stopped) return;
      unit = /(fold-\d) \(/.exec(stopped.log.slice(offsets.get(stopped)))![1];
      stopped.child.kill('SIGINT');
    });
    expect(r.code, r.stderr).toBe(0);
    expect(numbers(JSON.parse(r.stdout).results)).toEqual(numbers(local));
    expect(await stopped!.exited).toBe(0);
    const after = stopped!.log.slice(offsets.get(stopped!));
    expect(after).toMatch(new RegExp(`finishing the current unit[^]*${unit}: done`));
  }, 60_000);
});
