import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { resolveData, type DataRef } from '../data/dataset';
import { createEngine, type Engine } from '../engine';
import { createInlineExecutor, createPoolExecutor, type Executor, type WorkerCommand } from '../scheduling/executor';
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
  /** parallel units (folds/trials) in worker processes; default: cores, or 1 with tfjs-node */
  concurrency?: number;
  /**
   * Training threads per unit (data-parallel steps; results do not depend on it). Default: the
   * cores left to each unit, cores / units running at once (1 with tfjs-node, which threads itself).
   */
  threads?: number;
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
  concurrency: number;
  /** training threads of each unit when `units` independent units run at once (see ExperimentOptions.threads) */
  threadsFor(units: number): number;
  /** the in-process engine (backend initialised) */
  engine: Engine;
  /** an executor for `units` independent tasks: in-process for 1, worker pool otherwise, the queue with `queue` */
  executor(units: number): Executor;
}

export async function createContext(o: ExperimentOptions): Promise<Context> {
  const profile = o.profile ?? 'quick';
  const settings = resolveSettings(profile, o.overrides);
  const data = await resolveData(o.dataDir);
  const backendName = o.backend ?? 'auto';
  const engine = createEngine();
  const inline = createInlineExecutor({ backend: backendName, engine });
  const backend = await inline.backendInfo();
  const queue: QueueUrl | null = o.queue ? parseQueueUrl(o.queue) : null;
  if (queue) await checkQueue(queue);
  const concurrency = Math.max(1, Math.floor(o.concurrency ?? (backend.name === 'tensorflow' ? 1 : availableParallelism())));
  return {
    o,
    profile,
    seed: o.seed ?? 42,
    runsDir: resolve(o.runsDir ?? 'runs'),
    settings,
    data,
    backend,
    concurrency,
    threadsFor(units) {
      if (o.threads !== undefined) return o.threads;
      if (backend.name === 'tensorflow') return 1;
      return Math.max(1, Math.floor(availableParallelism() / Math.max(1, Math.min(concurrency, units))));
    },
    engine,
    executor(units) {
      if (queue) return createQueueExecutor({ queue, runsDir: resolve(o.runsDir ?? 'runs'), backend: backend.name, data, signal: o.signal, log: o.log });
      const n = Math.min(concurrency, units);
      if (n <= 1) return inline;
      return createPoolExecutor({ size: n, backend: backend.name, worker: o.worker, signal: o.signal });
    },
  };
}
