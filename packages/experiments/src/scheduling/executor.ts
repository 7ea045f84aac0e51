import { fileURLToPath } from 'node:url';
import { toErrorData, type ErrorData } from '@fmnist/core';
import { closeWorkers, forkWorker, type WorkerProcess } from './worker-process';
import { createDataCache } from '../data/dataset';
import { createEngine, type Engine } from '../engine';
import { runTrainTask, type TaskHooks, type TaskResult, type TrainTask } from '../techniques/train-task';
import { createBaseCache, runFeatureTask, type FeatureResult, type FeatureTask } from '../techniques/feature-task';
import type { EpochMetricsLike, OnProgress } from '../types';
import type { UnitClaim } from './core-pool';

/**
 * How to start a worker process. Default (dev): this package's worker-entry.ts under
 * `node --import tsx/esm`. A bundled CLI passes its own script with a `__worker` subcommand that
 * calls runWorker().
 */
export interface WorkerCommand { entry: string; args?: string[]; execArgv?: string[] }

export function defaultWorkerCommand(): WorkerCommand {
  return { entry: fileURLToPath(new URL('./worker-entry.ts', import.meta.url)), args: [], execArgv: ['--import', 'tsx/esm'] };
}

export type Task = TrainTask | FeatureTask;
export type ResultOf<T> = T extends FeatureTask ? FeatureResult : TaskResult | null;

/** A task's hooks, and what a core pool needs to know of its unit (other executors ignore both). */
export interface RunHooks extends TaskHooks {
  unit?: UnitClaim;
  /** the unit starts now, on this many training threads */
  onStart?: (threads: number) => void;
  /** the pool lent the running unit free cores, or took them back: it trains on this many threads from its next step */
  onThreads?: (threads: number) => void;
}

export interface Executor {
  run<T extends Task>(task: T, hooks?: RunHooks): Promise<ResultOf<T>>;
  close(): Promise<void>;
}

/** Runs one task of either kind in this process. */
export function createTaskRunner(engine: Engine) {
  const load = createDataCache();
  const bases = createBaseCache(engine);
  return (task: Task, hooks: TaskHooks = {}): Promise<TaskResult | FeatureResult | null> =>
    task.kind === 'features' ? runFeatureTask(engine, load, bases, task, hooks) : runTrainTask(engine, load, task, hooks);
}

export type ToChild =
  | { type: 'task'; taskId: number; task: Task; backend: string }
  | { type: 'abort'; taskId: number }
  // the threads the running training unit is to train on from its next step
  | { type: 'threads'; taskId: number; threads: number };
export type FromChild =
  | { type: 'epoch'; taskId: number; metrics: EpochMetricsLike }
  | { type: 'progress'; taskId: number; p: Parameters<OnProgress>[0] }
  | { type: 'done'; taskId: number; result: TaskResult | FeatureResult | null }
  // the task's error as data: IPC's structured clone would drop a FmnistError's file, hint, exit code and class
  | { type: 'error'; taskId: number; error: ErrorData };

interface Pending { task: Task; hooks: TaskHooks; resolve: (r: any) => void; reject: (e: unknown) => void }

/**
 * Runs up to `size` tasks at once, each worker process taking the next queued task (first in,
 * first out; the threads each task carries). Results do not depend on which worker runs what:
 * every task carries its own seed and data selection. `fmnist worker` runs its units on this; a
 * study's techniques share a core pool (core-pool.ts) instead.
 */
export function createPoolExecutor(o: { size: number; backend: string; worker?: WorkerCommand; signal?: AbortSignal }): Executor {
  const cmd = o.worker ?? defaultWorkerCommand();
  const queue: Pending[] = [];
  const idle: WorkerProcess[] = [];
  const all = new Set<WorkerProcess>();
  let closed = false;

  const onFree = (w: WorkerProcess, exited: boolean) => {
    if (exited) {
      all.delete(w);
      const i = idle.indexOf(w);
      if (i >= 0) idle.splice(i, 1);
    } else idle.push(w);
    pump();
  };
  const pump = () => {
    while (queue.length && !closed) {
      let w = idle.pop();
      if (!w) {
        if (all.size >= o.size) return;
        w = forkWorker(cmd, o.backend, { onFree, closing: () => closed });
        all.add(w);
      }
      const job = queue.shift()!;
      w.run(job.task, { ...job.hooks, signal: job.hooks.signal ?? o.signal }).then(job.resolve, job.reject);
    }
  };

  o.signal?.addEventListener('abort', () => {
    for (const w of all) w.abort();
    for (const q of queue.splice(0)) q.resolve(null);
  });

  return {
    run<T extends Task>(task: T, hooks: TaskHooks = {}): Promise<ResultOf<T>> {
      if (o.signal?.aborted) return Promise.reject(Object.assign(new Error('interrupted'), { name: 'AbortError' }));
      return new Promise((resolve, reject) => {
        queue.push({ task, hooks, resolve, reject });
        pump();
      });
    },
    async close() {
      closed = true;
      await closeWorkers(all);
    },
  };
}

/**
 * The worker side: run tasks the parent sends until the IPC channel closes. A bundled CLI calls
 * this for its `__worker` subcommand; in dev, worker-entry.ts does.
 */
export function runWorker(): void {
  if (!process.send) throw new Error('runWorker() must run in a process started with child_process.fork');
  const engine = createEngine();
  const runTask = createTaskRunner(engine);
  let ready: Promise<unknown> | null = null;
  const controllers = new Map<number, AbortController>();
  const threads = new Map<number, number>();
  // The parent may have closed the pool already (another task failed first): a message it can no
  // longer receive is dropped, instead of crashing this process with EPIPE on stderr.
  const send = (m: FromChild) => {
    if (process.connected) process.send!(m, undefined, undefined, () => {});
  };
  process.on('message', async (msg: ToChild) => {
    if (msg.type === 'abort') {
      controllers.get(msg.taskId)?.abort();
      return;
    }
    if (msg.type === 'threads') {
      if (controllers.has(msg.taskId)) threads.set(msg.taskId, msg.threads);
      return;
    }
    const ac = new AbortController();
    controllers.set(msg.taskId, ac);
    try {
      await (ready ??= engine.initBackend(msg.backend));
      let last = 0;
      const result = await runTask(msg.task, {
        signal: ac.signal,
        threads: () => threads.get(msg.taskId),
        onEpoch: (metrics) => send({ type: 'epoch', taskId: msg.taskId, metrics }),
        onProgress: (p) => {
          const now = Date.now();
          if (now - last < 250 && p.done < p.total) return;
          last = now;
          send({ type: 'progress', taskId: msg.taskId, p });
        },
      });
      send({ type: 'done', taskId: msg.taskId, result });
    } catch (e) {
      send({ type: 'error', taskId: msg.taskId, error: toErrorData(e) });
    } finally {
      controllers.delete(msg.taskId);
      threads.delete(msg.taskId);
    }
  });
  // Ctrl-C reaches the whole process group: the parent decides (it sends 'abort' so the unit
  // stops after its batch with its checkpoint kept); a worker whose parent is gone exits.
  process.on('SIGINT', () => {});
  process.on('disconnect', () => process.exit(0));
}
