import { appendFile, mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from './atomic';
import { acquireLock, type Lock } from './lock';
import { runIdFor } from './config-hash';
import { gitRevision } from './git-revision';
import type { MetricLine, RunManifest, RunStatus } from '@fmnist/core';
import type { BackendInfoLike, Technique } from './types';
import pkg from '../package.json' with { type: 'json' };

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
  complete(results: unknown): Promise<void>;
  fail(error: unknown, status?: 'failed' | 'interrupted'): Promise<void>;
  release(): Promise<void>;
}

export async function readJsonFile<T>(path: string): Promise<T | null> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

const exists = (p: string) => stat(p).then(() => true, () => false);

/**
 * Open (create or resume) `<runsDir>/<technique>/<runId>/`, holding its lock until complete,
 * fail or release. A completed run is opened read-only: completedResults is set, no lock kept.
 */
export async function openRun(o: OpenRunOptions): Promise<Run> {
  const runId = runIdFor(o.profile, o.config);
  const dir = join(o.runsDir, o.technique, runId);
  const manifestPath = join(dir, 'manifest.json');
  const old = await readJsonFile<Manifest>(manifestPath);
  if (old?.status === 'complete') {
    const results = await readJsonFile<unknown>(join(dir, 'results.json'));
    if (results && (o.isFinal?.(results) ?? true)) return finishedRun(dir, runId, o.technique, results);
  }
  const resumed = await exists(dir);
  await mkdir(dir, { recursive: true });
  const lock: Lock = await acquireLock(join(dir, 'lock'));
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
    attempts: [...(old?.attempts ?? []), { pid: process.pid, startedAt: now, endedAt: null, status: 'running' }],
  };
  await writeJsonAtomic(manifestPath, manifest);

  // metrics.jsonl is rewritten atomically from this map; an epoch re-run after a crash replaces
  // its old line instead of duplicating it.
  const metrics = new Map<string, MetricLine>();
  const metricsPath = join(dir, 'metrics.jsonl');
  try {
    for (const l of (await readFile(metricsPath, 'utf8')).split('\n')) {
      if (!l.trim()) continue;
      const m = JSON.parse(l) as MetricLine;
      metrics.set(`${m.scope}\0${m.id}\0${m.epoch}`, m);
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  let metricsWrite = Promise.resolve();
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
      await appendFile(join(dir, 'log.txt'), stamped + '\n');
    },
    metric(line) {
      metrics.set(`${line.scope}\0${line.id}\0${line.epoch}`, line);
      metricsWrite = metricsWrite.then(() =>
        writeFileAtomic(metricsPath, [...metrics.values()].map((m) => JSON.stringify(m) + '\n').join('')),
      );
      return metricsWrite;
    },
    path: (...parts) => join(dir, ...parts),
    readJson: (rel) => readJsonFile(join(dir, rel)),
    writeJson: (rel, value) => writeJsonAtomic(join(dir, rel), value),
    async complete(results) {
      await metricsWrite;
      await writeJsonAtomic(join(dir, 'results.json'), results);
      await finish('complete');
      await writeJsonAtomic(join(o.runsDir, o.technique, 'latest.json'), { runId });
      await run.release();
    },
    async fail(error, status = 'failed') {
      const msg = error instanceof Error ? error.message : String(error);
      await run.log(`${status}: ${msg}`).catch(() => {});
      await finish(status, msg);
      await run.release();
    },
    async release() {
      if (released) return;
      released = true;
      await lock.release();
    },
  };
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
