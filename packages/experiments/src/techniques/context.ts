import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { resolveData, type DataRef } from '../data/dataset';
import { createEngine, type Engine } from '../engine';
import type { Executor, WorkerCommand } from '../scheduling/executor';
import { createCorePool, type CorePool, type PoolStatus } from '../scheduling/core-pool';
import { resolveSettings, type Overrides, type Settings } from '../settings/profiles';
import { checkQueue, parseQueueUrl, type QueueUrl } from '../scheduling/queue/connection';
import { createQueueExecutor } from '../scheduling/queue/queue-executor';
import type { BackendInfoLike, EpochMetricsLike, OnProgress, Technique } from '../types';

export interface EpochEvent {
  technique: Technique;
  /** 'trial' | 'fold' | 'final' | 'head' */
  scope: string;
  id: string;
  /** human label: `fold 2/5`, `trial t-1a2b3c4d (3/8)` */
  unit: string;
  epochs: number;
  metrics: EpochMetricsLike;
  etaSeconds?: number;
}

/** Options every technique takes (the CLI maps its flags onto these). */
export interface ExperimentOptions {
  /** default `runs` (relative to cwd) */
  runsDir?: string;
  /** raw IDX dir or prepared dir; default: FMNIST_DATA_DIR, runs/data, then the Debian dataset */
  dataDir?: string;
  /** 'quick' (default) or 'full' */
  profile?: string;
  /** default 42 */
  seed?: number;
  /** 'auto' (default) | 'tensorflow' | 'wasm' | 'cpu' */
  backend?: string;
  /** cores the units share (worker processes); default: all of them, or 1 with tfjs-node */
  concurrency?: number;
  /**
   * Training threads per unit (data-parallel steps; results do not depend on it). Default: decided
   * by the core pool when the unit starts, the free cores shared by the units waiting (1 with
   * tfjs-node, which threads itself).
   */
  threads?: number;
  /**
   * The core pool to run units on, shared by the techniques of a study (`fmnist run`); the caller
   * closes it. Default: the technique opens its own and closes it when it ends.
   */
  pool?: CorePool;
  /** any profile setting, deep-merged (arrays replace) */
  overrides?: Overrides;
  /** human-readable lines (also written to the run's log.txt) */
  log?: (line: string) => void;
  /** per-batch progress of the unit(s) being trained */
  onProgress?: OnProgress;
  /** one call per finished epoch of any unit */
  onEpoch?: (e: EpochEvent) => void;
  /** stop after the current batch; checkpoints are kept, re-running resumes */
  signal?: AbortSignal;
  /** how to start worker processes (a bundled CLI passes its own `__worker` command) */
  worker?: WorkerCommand;
  /** a Redis URL: units go to `fmnist worker` processes through BullMQ (this run coordinates) */
  queue?: string;
}

export interface Context {
  o: ExperimentOptions;
  profile: string;
  seed: number;
  runsDir: string;
  settings: Settings;
  data: DataRef;
  backend: BackendInfoLike;
  /** the cores of the pool */
  concurrency: number;
  /** training threads the user fixed (1 with tfjs-node); undefined: the pool decides per unit */
  threads: number | undefined;
  /** the in-process engine (backend initialised) */
  engine: Engine;
  /** the core pool (borrowed from ExperimentOptions.pool, or this technique's own) */
  pool: CorePool;
  /** where units run: the core pool, or the queue with `queue` (its close() is a no-op for the pool) */
  executor(): Executor;
  /** closes what this context opened (its own pool; not a borrowed one) */
  close(): Promise<void>;
}

/** The cores a pool gets: --concurrency, else the machine's (1 with tfjs-node, which threads itself). */
function poolCores(o: ExperimentOptions, backend: BackendInfoLike): number {
  return Math.max(1, Math.floor(o.concurrency ?? (backend.name === 'tensorflow' ? 1 : availableParallelism())));
}

/**
 * A core pool for several techniques run at once (`fmnist run`): pass it as ExperimentOptions.pool
 * to each, close it after all of them.
 */
export async function createStudyPool(o: ExperimentOptions & { onStatus?: (s: PoolStatus) => void }): Promise<CorePool> {
  const engine = createEngine();
  const backend = await engine.initBackend(o.backend ?? 'auto');
  return createCorePool({ cores: poolCores(o, backend), backend: backend.name, worker: o.worker, engine, onStatus: o.onStatus });
}

export async function createContext(o: ExperimentOptions): Promise<Context> {
  const profile = o.profile ?? 'quick';
  const settings = resolveSettings(profile, o.overrides);
  const data = await resolveData(o.dataDir);
  const backendName = o.backend ?? 'auto';
  const engine = createEngine();
  const backend = await engine.initBackend(backendName);
  const queue: QueueUrl | null = o.queue ? parseQueueUrl(o.queue) : null;
  if (queue) await checkQueue(queue);
  const pool = o.pool ?? createCorePool({ cores: poolCores(o, backend), backend: backend.name, worker: o.worker, engine });
  // a borrowed pool is closed by its owner, after every technique that shares it
  const shared: Executor = { run: (task, hooks) => pool.run(task, hooks), close: async () => {} };
  return {
    o,
    profile,
    seed: o.seed ?? 42,
    runsDir: resolve(o.runsDir ?? 'runs'),
    settings,
    data,
    backend,
    concurrency: pool.cores,
    threads: o.threads ?? (backend.name === 'tensorflow' ? 1 : undefined),
    engine,
    pool,
    executor() {
      if (queue) return createQueueExecutor({ queue, runsDir: resolve(o.runsDir ?? 'runs'), backend: backend.name, data, signal: o.signal, log: o.log });
      return shared;
    },
    close: async () => {
      if (!o.pool) await pool.close();
    },
  };
}

/** Runs a technique on a fresh context and closes it (its pool, if it opened one) whatever happens. */
export async function withContext<T>(o: ExperimentOptions, run: (c: Context) => Promise<T>): Promise<T> {
  const c = await createContext(o);
  try {
    return await run(c);
  } finally {
    await c.close();
  }
}
