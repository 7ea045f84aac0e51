// One forked worker process running one task at a time over IPC: the part the FIFO pool
// (createPoolExecutor) and the core pool (createCorePool) share. Which task goes to which process
// and when is theirs to decide.
import { fork, type ChildProcess } from 'node:child_process';
import { fromErrorData } from '@fmnist/core';
import type { FromChild, Task, ToChild, WorkerCommand } from './executor';
import type { TaskHooks, TaskResult } from '../techniques/train-task';
import type { FeatureResult } from '../techniques/feature-task';

export interface WorkerProcess {
  /** runs `task`; null when the process exits after the task's signal aborted or the pool closed */
  run(task: Task, hooks: TaskHooks): Promise<TaskResult | FeatureResult | null>;
  readonly busy: boolean;
  /** the task (if any) stops after its batch, with its checkpoint */
  abort(): void;
  /** the running training task (if any) trains on this many threads from its next step */
  setThreads(threads: number): void;
  readonly child: ChildProcess;
}

let nextTaskId = 0;

/**
 * Forks a worker process. `onFree` is called when it can take the next task (after a task settles,
 * or when it exits: `exited` then says so); `closing()` tells an exit the pool asked for from a crash.
 */
export function forkWorker(cmd: WorkerCommand, backend: string, o: { onFree: (w: WorkerProcess, exited: boolean) => void; closing: () => boolean }): WorkerProcess {
  const child = fork(cmd.entry, cmd.args ?? [], { execArgv: cmd.execArgv ?? [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' });
  let cur: { id: number; task: Task; hooks: TaskHooks; resolve: (r: any) => void; reject: (e: unknown) => void; unlisten: () => void } | null = null;
  const send = (m: ToChild) => {
    if (child.connected) child.send(m, undefined, undefined, () => {});
  };
  const settle = () => {
    const c = cur!;
    cur = null;
    c.unlisten();
    return c;
  };
  const w: WorkerProcess = {
    child,
    get busy() {
      return cur !== null;
    },
    run(task, hooks) {
      if (cur) throw new Error(`worker process ${child.pid} is busy with ${cur.task.id}`);
      return new Promise((resolve, reject) => {
        const id = nextTaskId++;
        const onAbort = () => send({ type: 'abort', taskId: id });
        hooks.signal?.addEventListener('abort', onAbort);
        cur = { id, task, hooks, resolve, reject, unlisten: () => hooks.signal?.removeEventListener('abort', onAbort) };
        send({ type: 'task', taskId: id, task, backend });
        if (hooks.signal?.aborted) onAbort();
      });
    },
    abort() {
      if (cur) send({ type: 'abort', taskId: cur.id });
    },
    setThreads(threads) {
      if (cur) send({ type: 'threads', taskId: cur.id, threads });
    },
  };
  child.on('message', (msg: FromChild) => {
    if (!cur || cur.id !== msg.taskId) return;
    if (msg.type === 'epoch') cur.hooks.onEpoch?.(msg.metrics);
    else if (msg.type === 'progress') cur.hooks.onProgress?.(msg.p);
    else {
      const c = settle();
      if (msg.type === 'done') c.resolve(msg.result);
      else c.reject(fromErrorData(msg.error));
      o.onFree(w, false);
    }
  });
  child.on('exit', (code, sig) => {
    if (cur) {
      const c = settle();
      if (c.hooks.signal?.aborted || o.closing()) c.resolve(null);
      else c.reject(new Error(`worker process for ${c.task.id} exited (${sig ?? code}); re-run to resume from its last checkpoint`));
    }
    o.onFree(w, true);
  });
  return w;
}

/** Disconnects the processes (they exit when idle) and waits for them, killing any left after 5 s. */
export async function closeWorkers(all: Iterable<WorkerProcess>): Promise<void> {
  const children = [...all].map((w) => w.child);
  const exits = children.map((c) => new Promise((r) => (c.exitCode !== null || c.signalCode !== null ? r(null) : c.once('exit', r))));
  for (const c of children) if (c.connected) c.disconnect();
  const timer = setTimeout(() => {
    for (const c of children) c.kill('SIGKILL');
  }, 5000);
  await Promise.all(exits);
  clearTimeout(timer);
}
