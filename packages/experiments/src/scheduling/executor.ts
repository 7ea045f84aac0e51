import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { fromErrorData, toErrorData, type ErrorData } from '@fmnist/core';
import { createDataCache } from '../data/dataset';
import { createEngine, type Engine } from '../engine';
import { runTrainTask, type TaskHooks, type TaskResult, type TrainTask } from '../techniques/train-task';
import { createBaseCache, runFeatureTask, type FeatureResult, type FeatureTask } from '../techniques/feature-task';
import type { BackendInfoLike, EpochMetricsLike, OnProgress } from '../types';

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
type ResultOf<T> = T extends FeatureTask ? FeatureResult : TaskResult | null;

export interface Executor {
  run<T extends Task>(task: T, hooks?: TaskHooks): Promise<ResultOf<T>>;
  close(): Promise<void>;
}

/** Runs one task of either kind in this process. */
export function createTaskRunner(engine: Engine) {
  const load = createDataCache();
  const bases = createBaseCache(engine);
  return (task: Task, hooks: TaskHooks = {}): Promise<TaskResult | FeatureResult | null> =>
    task.kind === 'features' ? runFeatureTask(engine, load, bases, task, hooks) : runTrainTask(engine, load, task, hooks);
}

/** Runs tasks one at a time in this process. */
export function createInlineExecutor(o: { backend: string; engine?: Engine }): Executor & { backendInfo(): Promise<BackendInfoLike> } {
  const engine = o.engine ?? createEngine();
  const runTask = createTaskRunner(engine);
  let ready: Promise<BackendInfoLike> | null = null;
  const init = () => (ready ??= engine.initBackend(o.backend));
  let chain: Promise<unknown> = Promise.resolve();
  return {
    backendInfo: init,
    run<T extends Task>(task: T, hooks?: TaskHooks) {
      const p = chain.then(async () => {
        await init();
        return (await runTask(task, hooks)) as ResultOf<T>;
      });
      chain = p.catch(() => {});
      return p;
    },
    close: async () => {},
  };
}

type ToChild = { type: 'task'; taskId: number; task: Task; backend: string } | { type: 'abort'; taskId: number };
export type FromChild =
  | { type: 'epoch'; taskId: number; metrics: EpochMetricsLike }
  | { type: 'progress'; taskId: number; p: Parameters<OnProgress>[0] }
  | { type: 'done'; taskId: number; result: TaskResult | FeatureResult | null }
  // the task's error as data: IPC's structured clone would drop a FmnistError's file, hint, exit code and class
  | { type: 'error'; taskId: number; error: ErrorData };

interface Pending { task: Task; hooks: TaskHooks; resolve: (r: any) => void; reject: (e: unknown) => void }

/**
 * Runs up to `size` tasks at once, each worker process taking the next queued task. Results do
 * not depend on which worker runs what: every task carries its own seed and data selection.
 */
export function createPoolExecutor(o: { size: number; backend: string; worker?: WorkerCommand; signal?: AbortSignal }): Executor {
  const cmd = o.worker ?? defaultWorkerCommand();
  const queue: { id: number; p: Pending }[] = [];
  const idle: ChildProcess[] = [];
  const all = new Set<ChildProcess>();
  const busy = new Map<ChildProcess, { id: number; p: Pending }>();
  let nextId = 0;
  let closed = false;

  const spawnWorker = () => {
    const child = fork(cmd.entry, cmd.args ?? [], { execArgv: cmd.execArgv ?? [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' });
    all.add(child);
    child.on('message', (msg: FromChild) => {
      const cur = busy.get(child);
      if (!cur || cur.id !== msg.taskId) return;
      if (msg.type === 'epoch') cur.p.hooks.onEpoch?.(msg.metrics);
      else if (msg.type === 'progress') cur.p.hooks.onProgress?.(msg.p);
      else {
        busy.delete(child);
        if (msg.type === 'done') cur.p.resolve(msg.result);
        else cur.p.reject(fromErrorData(msg.error));
        idle.push(child);
        pump();
      }
    });
    child.on('exit', (code, sig) => {
      all.delete(child);
      const i = idle.indexOf(child);
      if (i >= 0) idle.splice(i, 1);
      const cur = busy.get(child);
      if (cur) {
        busy.delete(child);
        if (o.signal?.aborted || closed) cur.p.resolve(null);
        else cur.p.reject(new Error(`worker process for ${cur.p.task.id} exited (${sig ?? code}); re-run to resume from its last checkpoint`));
      }
      pump();
    });
    return child;
  };

  const pump = () => {
    while (queue.length && !closed) {
      let child = idle.pop();
      if (!child) {
        if (all.size >= o.size) return;
        child = spawnWorker();
      }
      const job = queue.shift()!;
      busy.set(child, job);
      const msg: ToChild = { type: 'task', taskId: job.id, task: job.p.task, backend: o.backend };
      child.send(msg);
    }
  };

  o.signal?.addEventListener('abort', () => {
    for (const [child, job] of busy) child.send({ type: 'abort', taskId: job.id } satisfies ToChild);
    for (const q of queue.splice(0)) q.p.resolve(null);
  });

  return {
    run<T extends Task>(task: T, hooks: TaskHooks = {}): Promise<ResultOf<T>> {
      if (o.signal?.aborted) return Promise.reject(Object.assign(new Error('interrupted'), { name: 'AbortError' }));
      return new Promise((resolve, reject) => {
        queue.push({ id: nextId++, p: { task, hooks, resolve, reject } });
        pump();
      });
    },
    async close() {
      closed = true;
      const exits = [...all].map((c) => new Promise((r) => (c.exitCode !== null || c.signalCode !== null ? r(null) : c.once('exit', r))));
      for (const c of all) c.disconnect?.();
      const timer = setTimeout(() => {
        for (const c of all) c.kill('SIGKILL');
      }, 5000);
      await Promise.all(exits);
      clearTimeout(timer);
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
    const ac = new AbortController();
    controllers.set(msg.taskId, ac);
    try {
      await (ready ??= engine.initBackend(msg.backend));
      let last = 0;
      const result = await runTask(msg.task, {
        signal: ac.signal,
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
    }
  });
  // Ctrl-C reaches the whole process group: the parent decides (it sends 'abort' so the unit
  // stops after its batch with its checkpoint kept); a worker whose parent is gone exits.
  process.on('SIGINT', () => {});
  process.on('disconnect', () => process.exit(0));
}
