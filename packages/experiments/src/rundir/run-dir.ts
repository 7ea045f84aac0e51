import { constants } from 'node:fs';
import { mkdir, open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from './atomic';
import { ExperimentError } from '../errors';
import { acquireLock, type Lock } from './lock';
import { runIdFor } from './config-hash';
import { readJsonFile, readJsonLines } from './read-json';
import { gitRevision } from './git-revision';
import type { MetricLine, RunManifest, RunStatus } from '@fmnist/core';
import type { BackendInfoLike, Technique } from '../types';
import pkg from '../../package.json' with { type: 'json' };

// manifest.json and metrics.jsonl lines: shapes of docs/contracts.md, in @fmnist/core.
export type { RunStatus, MetricLine };
export type Manifest = RunManifest;

export interface OpenRunOptions {
  runsDir: string;
  technique: Technique;
  profile: string;
  config: unknown;
  seed: number;
  backend: BackendInfoLike | null;
  data: { dir: string; inputKey: string };
  log?: (line: string) => void;
  /** whether a completed run's results are final (default yes); no: the run is reopened and continued */
  isFinal?: (results: unknown) => boolean;
}

export interface Run {
  readonly dir: string;
  readonly runId: string;
  readonly technique: Technique;
  /** results.json of a run that already completed (nothing is recomputed), else null. */
  readonly completedResults: unknown | null;
  /** true when this run directory existed before (an interrupted run being resumed). */
  readonly resumed: boolean;
  log(line: string): Promise<void>;
  metric(line: MetricLine): Promise<void>;
  path(...parts: string[]): string;
  readJson<T>(rel: string): Promise<T | null>;
  writeJson(rel: string, value: unknown): Promise<void>;
  /** results.json, then the manifest's status: `complete`, or `partial` with `o.partial` saying what failed (a re-run reopens it) */
  complete(results: unknown, o?: { partial?: string }): Promise<void>;
  fail(error: unknown, status?: 'failed' | 'interrupted'): Promise<void>;
  release(): Promise<void>;
}

const exists = (p: string) => stat(p).then(() => true, () => false);

/** manifest.json of a run directory, checked to be one (null when there is none yet). */
export async function readManifest(path: string): Promise<Manifest | null> {
  const m = await readJsonFile<Manifest>(path);
  if (m === null) return null;
  if (typeof m !== 'object' || Array.isArray(m) || (m.attempts !== undefined && !Array.isArray(m.attempts))) {
    throw new ExperimentError(`${path} is not a run manifest (expected an object with an attempts list)`, {
      file: path,
      hint: `delete ${join(path, '..')} to start that run over, or restore the file`,
    });
  }
  return m;
}

/**
 * Attempts still marked running when a process has just taken the run's lock were killed (their
 * lock was released without a finish, or was stale and taken over): they become interrupted,
 * their end time unknown.
 */
export function closeDeadAttempts(attempts: Manifest['attempts']): { attempts: Manifest['attempts']; closed: Manifest['attempts'] } {
  const closed = attempts.filter((a) => a.status === 'running');
  return { attempts: attempts.map((a) => (a.status === 'running' ? { ...a, status: 'interrupted' as const, endedAt: null } : a)), closed };
}

/**
 * Append a line to `path` without following a symbolic link (or writing into a file with other
 * hard links) that someone put there: the run log must never write into a file outside the run.
 */
export async function appendLine(path: string, line: string): Promise<void> {
  let fh;
  try {
    // O_NONBLOCK: a FIFO under the name fails (ENXIO) instead of blocking
    fh = await open(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK, 0o644);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') {
      throw new ExperimentError(`${path} is a symbolic link; the run log is not written through it`, {
        file: path,
        hint: `delete the link ${path} (its target is left alone) and re-run`,
        cause: e,
      });
    }
    throw new ExperimentError(`cannot write ${path} (${code ?? (e as Error).message})`, { file: path, hint: `delete ${path} and re-run`, cause: e });
  }
  try {
    const st = await fh.stat();
    if (!st.isFile() || st.nlink > 1) {
      throw new ExperimentError(`${path} is ${st.isFile() ? 'a hard link to another file' : 'not a regular file'}; the run log is not written into it`, {
        file: path,
        hint: `delete ${path} and re-run`,
      });
    }
    await fh.write(line);
  } finally {
    await fh.close();
  }
}

/**
 * Open (create or resume) `<runsDir>/<technique>/<runId>/`, holding its lock until complete,
 * fail or release. A completed run is opened read-only: completedResults is set, no lock kept.
 */
export async function openRun(o: OpenRunOptions): Promise<Run> {
  const runId = runIdFor(o.profile, o.config);
  const dir = join(o.runsDir, o.technique, runId);
  const done = await completedRun(dir, runId, o);
  if (done) return done;
  const resumed = await exists(dir);
  await mkdir(dir, { recursive: true });
  const lock: Lock = await acquireLock(join(dir, 'lock'));
  try {
    // read again under the lock: another process may have finished the run meanwhile
    const again = await completedRun(dir, runId, o);
    if (again) {
      await lock.release();
      return again;
    }
    return await openLocked(o, dir, runId, resumed, lock);
  } catch (e) {
    await lock.release();
    throw e;
  }
}

async function completedRun(dir: string, runId: string, o: OpenRunOptions): Promise<Run | null> {
  const old = await readManifest(join(dir, 'manifest.json'));
  // a partial run is reopened: its failed parts are retried, its finished ones kept
  if (old?.status !== 'complete') return null;
  const results = await readJsonFile<unknown>(join(dir, 'results.json'));
  return results && (o.isFinal?.(results) ?? true) ? finishedRun(dir, runId, o.technique, results) : null;
}

async function openLocked(o: OpenRunOptions, dir: string, runId: string, resumed: boolean, lock: Lock): Promise<Run> {
  const manifestPath = join(dir, 'manifest.json');
  const old = await readManifest(manifestPath);
  const { attempts, closed } = closeDeadAttempts(old?.attempts ?? []);
  const t0 = Date.now();
  const now = new Date(t0).toISOString();
  const manifest: Manifest = {
    technique: o.technique,
    runId,
    status: 'running',
    profile: o.profile,
    config: o.config,
    seed: o.seed,
    backend: o.backend,
    versions: { node: process.version, fmnist: pkg.version, tfjs: o.backend?.version ?? null },
    gitRevision: await gitRevision(),
    data: o.data,
    startedAt: old?.startedAt ?? now,
    endedAt: null,
    durationSeconds: old?.durationSeconds ?? 0,
    attempts: [...attempts, { pid: process.pid, startedAt: now, endedAt: null, status: 'running' }],
  };
  // metrics.jsonl is rewritten atomically from this map; an epoch re-run after a crash replaces
  // its old line instead of duplicating it.
  const metrics = new Map<string, MetricLine>();
  const metricsPath = join(dir, 'metrics.jsonl');
  for (const m of (await readJsonLines<MetricLine>(metricsPath, { warn: o.log })) ?? []) {
    metrics.set(`${m.scope}\0${m.id}\0${m.epoch}`, m);
  }
  await writeJsonAtomic(manifestPath, manifest);

  let metricsWrite = Promise.resolve();
  let metricsQueued = false;
  let released = false;

  const finish = async (status: RunStatus, error?: string) => {
    const end = new Date();
    manifest.status = status;
    manifest.endedAt = end.toISOString();
    manifest.durationSeconds = Math.round(((old?.durationSeconds ?? 0) + (end.getTime() - t0) / 1000) * 1000) / 1000;
    const a = manifest.attempts[manifest.attempts.length - 1];
    a.endedAt = manifest.endedAt;
    a.status = status;
    if (error) a.error = error;
    await metricsWrite;
    await writeJsonAtomic(manifestPath, manifest);
  };

  const run: Run = {
    dir,
    runId,
    technique: o.technique,
    completedResults: null,
    resumed,
    async log(line) {
      const stamped = `${new Date().toISOString()} ${line}`;
      o.log?.(line);
      await appendLine(join(dir, 'log.txt'), stamped + '\n');
    },
    metric(line) {
      metrics.set(`${line.scope}\0${line.id}\0${line.epoch}`, line);
      // Lines that arrive before the queued write starts go out with it: a technique's closing
      // pass over its history (125 lines for 5 folds) is one synced rewrite, not 125.
      if (!metricsQueued) {
        metricsQueued = true;
        metricsWrite = metricsWrite.then(() => {
          metricsQueued = false;
          return writeFileAtomic(metricsPath, [...metrics.values()].map((m) => JSON.stringify(m) + '\n').join(''));
        });
      }
      return metricsWrite;
    },
    path: (...parts) => join(dir, ...parts),
    readJson: (rel) => readJsonFile(join(dir, rel)),
    writeJson: (rel, value) => writeJsonAtomic(join(dir, rel), value),
    async complete(results, co) {
      await metricsWrite;
      await writeJsonAtomic(join(dir, 'results.json'), results);
      if (co?.partial) await run.log(`partial: ${co.partial}`);
      await finish(co?.partial ? 'partial' : 'complete', co?.partial);
      await writeJsonAtomic(join(o.runsDir, o.technique, 'latest.json'), { runId });
      await run.release();
    },
    async fail(error, status = 'failed') {
      const msg = error instanceof Error ? error.message : String(error);
      try {
        await run.log(`${status}: ${msg}`).catch(() => {});
        // the caller rethrows the original error, which says more than a failed manifest write;
        // an attempt left 'running' is marked interrupted by the next process
        await finish(status, msg).catch(() => {});
      } finally {
        await run.release();
      }
    },
    async release() {
      if (released) return;
      released = true;
      await lock.release();
    },
  };
  for (const a of closed) {
    const how = lock.tookOver ? `its lock was stale: ${lock.previous ? `pid ${lock.previous.pid} on ${lock.previous.hostname}` : 'unreadable'}` : 'its lock was gone';
    await run.log(`${runId}: the attempt of pid ${a.pid} started ${a.startedAt} ended without finishing (${how}); marked interrupted`);
  }
  return run;
}

function finishedRun(dir: string, runId: string, technique: Technique, results: unknown): Run {
  const done = async () => {};
  return {
    dir,
    runId,
    technique,
    completedResults: results,
    resumed: true,
    log: done,
    metric: done,
    path: (...parts) => join(dir, ...parts),
    readJson: (rel) => readJsonFile(join(dir, rel)),
    writeJson: async () => {
      throw new Error(`run ${dir} is complete and read-only`);
    },
    complete: done,
    fail: done,
    release: done,
  };
}
