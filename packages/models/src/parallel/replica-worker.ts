// The worker-thread side of data-parallel training: build a replica, then compute this thread's
// shards each time the main thread starts a step, until it is terminated.
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { toErrorData } from '@fmnist/core';
import { initBackend, type BackendName } from '../backend/init-backend';
import { buildReplica, CONTROL, ShardWorker, sharedViews, type ReplicaSpec, type SharedBuffers } from './replica';

export interface ReplicaJob {
  spec: ReplicaSpec;
  buffers: SharedBuffers;
  thread: number;
  /** the threads when this one started (each step's count is in the control block) */
  threads: number;
  backend: string;
}

/**
 * Test-only: a thread given FMNIST_TEST_THREAD_EXIT_AT_STEP=N (global step, from 0) calls
 * process.exit at that step, as a thread killed mid-step would leave the main thread.
 */
const EXIT_HOOK = 'FMNIST_TEST_THREAD_EXIT_AT_STEP';

type WaitAsync = (a: Int32Array, i: number, v: number) => { async: boolean; value: Promise<string> | string };
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;

async function serve(job: ReplicaJob, port: NonNullable<typeof parentPort>): Promise<void> {
  await initBackend(job.backend as BackendName);
  const views = sharedViews(job.buffers);
  const shards = new ShardWorker(buildReplica(job.spec), job.spec, views);
  const exitAt = process.env[EXIT_HOOK] ? Number(process.env[EXIT_HOOK]) : undefined;
  // a 'message' listener keeps this thread's event loop alive between steps
  port.on('message', () => {});
  let seen = Atomics.load(views.control, CONTROL.generation);
  port.postMessage({ ready: true });
  for (;;) {
    const r = waitAsync(views.control, CONTROL.generation, seen);
    if (r.async) await r.value;
    seen = Atomics.load(views.control, CONTROL.generation);
    if (exitAt === Atomics.load(views.control, CONTROL.step)) process.exit(3);
    // the step's thread count: a thread started for more threads than the step has sits it out
    const threads = Atomics.load(views.control, CONTROL.threads);
    if (job.thread >= threads) continue;
    shards.runStep(job.thread, threads);
    Atomics.add(views.control, CONTROL.done, 1);
    Atomics.notify(views.control, CONTROL.done);
  }
}

/** Runs the replica loop in a worker thread started by data-parallel training; false (nothing done) anywhere else. */
export function runReplicaWorker(): boolean {
  const job = (workerData as { fmnistReplica?: ReplicaJob } | null)?.fmnistReplica;
  if (isMainThread || !job || !parentPort) return false;
  const port = parentPort;
  serve(job, port).catch((e: unknown) => {
    port.postMessage({ error: toErrorData(e) });
    process.exit(1);
  });
  return true;
}
