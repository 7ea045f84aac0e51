// The coordinator's side of `--queue`: an Executor whose units run on `fmnist worker` processes
// anywhere, through BullMQ on Redis. The units a technique submits together (the folds, a rung
// of trials, the feature shards) become one BullMQ flow: a parent job in the `runs` queue (never
// processed: it completes the flow's bookkeeping) and one child per unit in the `units` queue.
// Job ids are hashes of what each unit depends on and where its result goes, so a coordinator run
// again with the same command finds the same jobs (re-attaches) instead of enqueueing new ones.
// A result is written once: a unit whose result file exists is not enqueued, and the first
// arrival of a result is the only one written (files first, the result file last, atomically).
import { hostname } from 'node:os';
import { join } from 'node:path';
import { mkdir, rename, rm } from 'node:fs/promises';
import { fromErrorData, isFmnistError, type ErrorData } from '@fmnist/core';
import { writeFileAtomic, writeJsonAtomic } from '../../rundir/atomic';
import { readJsonFile } from '../../rundir/read-json';
import { ExperimentError } from '../../errors';
import type { DataRef } from '../../data/dataset';
import type { TaskHooks, TaskResult } from '../../techniques/train-task';
import type { Executor, Task } from '../executor';
import { blobKey, connect, errorKey, PREFIX, queueError, RUNS_QUEUE, UNITS_QUEUE, type QueueUrl, type Redis } from './connection';
import { checkOutcome, sha256, toPayload, unitJobId, canonicalJson, type BlobRef, type UnitOutcome, type UnitPayload } from './payload';
import { createHash } from 'node:crypto';

export interface QueueExecutorOptions {
  queue: QueueUrl;
  runsDir: string;
  backend: string;
  data: DataRef;
  signal?: AbortSignal;
  log?: (line: string) => void;
  /** tries per unit before the run fails with its error (FMNIST_QUEUE_ATTEMPTS, default 3) */
  attempts?: number;
}

interface Pending {
  task: Task;
  payload: UnitPayload;
  jobId: string;
  hooks: TaskHooks;
  resolve: (r: any) => void;
  reject: (e: unknown) => void;
  settled: boolean;
  /** its job was added (a job missing after that was removed by someone: it is added again) */
  enqueued: boolean;
}

const POLL_MS = 3000;

export function createQueueExecutor(o: QueueExecutorOptions): Executor {
  const attempts = o.attempts ?? Math.max(1, Number(process.env.FMNIST_QUEUE_ATTEMPTS) || 3);
  const byJob = new Map<string, Pending>();
  const parents: string[] = [];
  let batch: Pending[] = [];
  let failed = false;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;

  // one set of connections per executor, opened on first use
  type Bull = typeof import('bullmq');
  let ready: Promise<{ bull: Bull; queue: import('bullmq').Queue; flows: import('bullmq').FlowProducer; events: import('bullmq').QueueEvents; redis: Redis; conns: Redis[] }> | null = null;
  const open = () =>
    (ready ??= (async () => {
      const bull = await import('bullmq');
      const conns = await Promise.all([connect(o.queue), connect(o.queue), connect(o.queue), connect(o.queue)]);
      const [redis, qc, fc, ec] = conns;
      const queue = new bull.Queue(UNITS_QUEUE, { connection: qc, prefix: PREFIX });
      const flows = new bull.FlowProducer({ connection: fc, prefix: PREFIX });
      const events = new bull.QueueEvents(UNITS_QUEUE, { connection: ec, prefix: PREFIX });
      queue.on('error', () => {});
      flows.on('error', () => {});
      events.on('error', () => {});
      events.on('completed', ({ jobId }) => void settle(jobId));
      events.on('failed', ({ jobId }) => void settle(jobId));
      events.on('progress', ({ jobId, data }) => progress(jobId, data));
      await events.waitUntilReady();
      timer = setInterval(() => {
        for (const id of byJob.keys()) void settle(id);
      }, POLL_MS);
      timer.unref();
      return { bull, queue, flows, events, redis, conns };
    })());

  const fail = (p: Pending, e: unknown) => {
    if (p.settled) return;
    p.settled = true;
    byJob.delete(p.jobId);
    failed = true;
    p.reject(e);
  };
  const done = (p: Pending, r: unknown) => {
    if (p.settled) return;
    p.settled = true;
    byJob.delete(p.jobId);
    p.resolve(r);
  };

  /** Per-epoch lines and batch progress of a unit, as a local run shows them. */
  const progress = (jobId: string, data: unknown) => {
    const p = byJob.get(jobId);
    if (!p || typeof data !== 'object' || data === null) return;
    const d = data as { epoch?: unknown; progress?: unknown };
    if (isNumbers(d.epoch) && typeof (d.epoch as { epoch?: unknown }).epoch === 'number') p.hooks.onEpoch?.(d.epoch as any);
    else if (isNumbers(d.progress)) p.hooks.onProgress?.(d.progress as any);
  };

  const settling = new Set<string>();
  const again = new Set<string>();
  /** Looks at a unit's job: completed → verified and written; failed for good → the run fails. */
  const settle = async (jobId: string) => {
    const p = byJob.get(jobId);
    if (!p) return;
    // an event while the job is being looked at: look again after (the state may have changed)
    if (settling.has(jobId)) return void again.add(jobId);
    settling.add(jobId);
    try {
      const { bull, queue, redis } = await open();
      // the state first: a job read before it completes would hold no return value
      const state = await queue.getJobState(jobId);
      const job = state === 'unknown' ? undefined : await bull.Job.fromId(queue, jobId);
      if (!job) {
        // removed by someone else after it was enqueued: enqueue it again
        if (p.enqueued) {
          p.enqueued = false;
          batch.push(p);
          if (batch.length === 1) setImmediate(() => void flush());
        }
        return;
      }
      if (state === 'completed') {
        let r;
        let outcome: UnitOutcome;
        try {
          outcome = checkOutcome(job.returnvalue, jobId, p.payload.unit);
          r = await writeOutcome(redis, p, outcome);
        } catch (e) {
          // a result that cannot be used is not kept: a re-run enqueues the unit afresh
          if (isFmnistError(e)) await job.remove().catch(() => {});
          throw e;
        }
        o.log?.(`${p.payload.unit.id}: result from ${outcome.worker}`);
        done(p, r);
      } else if (state === 'failed') {
        fail(p, await jobError(redis, jobId, job.failedReason, job.attemptsMade));
      }
    } catch (e) {
      fail(p, redisFailure(e) ? queueError(o.queue, e) : e);
    } finally {
      settling.delete(jobId);
      if (again.delete(jobId)) void settle(jobId);
    }
  };

  /** The unit's files, fetched from Redis and checked against their hashes, then its result. */
  const writeOutcome = async (redis: Redis, p: Pending, out: UnitOutcome) => {
    const t = p.task;
    const fetch = async (b: BlobRef, what: string) => {
      const buf = await redis.getBuffer(blobKey(b.sha256));
      // either way settle() removes the job: the same command run again trains the unit again
      if (!buf) throw new ExperimentError(`queue: ${what} of ${t.id} is no longer in Redis (key ${blobKey(b.sha256)})`, { hint: 're-run the same command: the unit is trained again' });
      if (buf.length !== b.bytes || sha256(buf) !== b.sha256) throw new ExperimentError(`queue: ${what} of ${t.id} does not match its SHA-256 ${b.sha256}`, { hint: 'something else writes to this Redis database; re-run the same command to train the unit again' });
      return buf;
    };
    const keys: string[] = [];
    if (t.kind === 'features') {
      await writeFileAtomic(t.outFile, await fetch(out.files.features!, 'the feature shard'));
      keys.push(blobKey(out.files.features!.sha256));
      await redis.del(...keys);
      return out.result;
    }
    // written once: a result file already there (an earlier coordinator wrote it) wins
    const already = await readJsonFile<TaskResult>(t.resultFile);
    if (already) return already;
    if (t.testProbabilitiesFile && out.files.testProbabilities) {
      await writeFileAtomic(t.testProbabilitiesFile, await fetch(out.files.testProbabilities, 'the test probabilities'));
      keys.push(blobKey(out.files.testProbabilities.sha256));
    }
    if (t.modelDir && out.files.model) {
      // the model folder appears whole: written beside, then renamed into place
      const staging = `${t.modelDir}.incoming-${process.pid}`;
      await rm(staging, { recursive: true, force: true });
      await mkdir(staging, { recursive: true });
      for (const [name, b] of Object.entries(out.files.model)) {
        await writeFileAtomic(join(staging, name), await fetch(b, `model file ${name}`));
        keys.push(blobKey(b.sha256));
      }
      await rm(t.modelDir, { recursive: true, force: true });
      await rename(staging, t.modelDir);
    }
    const result = { ...(out.result as TaskResult), id: t.id };
    await writeJsonAtomic(t.resultFile, result);
    if (keys.length) await redis.del(...keys);
    return result;
  };

  /** Enqueue what was submitted in this tick as one flow (or re-attach to it). */
  const flush = async () => {
    const submitted = batch;
    batch = [];
    const units: Pending[] = [];
    try {
      // a unit whose result is committed is done (as runTrainTask does locally): never enqueued
      for (const p of submitted) {
        const t = p.task;
        const existing = t.kind === 'features' ? null : await readJsonFile<TaskResult>(t.resultFile, { hint: `delete ${t.resultFile} to train that unit again` });
        if (existing) done(p, existing);
        else units.push(p);
      }
      if (!units.length) return;
      const { flows } = await open();
      const children = units.map((p) => ({
        name: p.payload.unit.id,
        queueName: UNITS_QUEUE,
        data: p.payload,
        opts: { jobId: p.jobId, attempts, backoff: { type: 'fixed', delay: 1000 }, removeOnComplete: false, removeOnFail: false },
      }));
      const parentId = `r-${createHash('sha256').update(canonicalJson(units.map((p) => p.jobId).sort())).digest('hex').slice(0, 40)}`;
      await flows.add({ name: 'run', queueName: RUNS_QUEUE, data: { units: units.length, where: units[0].payload.where, coordinator: `${hostname()}:${process.pid}` }, opts: { jobId: parentId }, children });
      parents.push(parentId);
      for (const p of units) p.enqueued = true;
      o.log?.(`queue: ${units.length} unit${units.length === 1 ? '' : 's'} in flow ${parentId} on ${o.queue.masked}`);
      // a re-attached unit may be finished already: look now rather than wait for an event
      for (const p of units) void settle(p.jobId);
    } catch (e) {
      for (const p of submitted) fail(p, redisFailure(e) ? queueError(o.queue, e) : e);
    }
  };

  o.signal?.addEventListener('abort', () => {
    // the jobs stay in the queue: the same command run again re-attaches to them
    for (const p of [...byJob.values()]) done(p, null);
  });

  return {
    run<T extends Task>(task: T, hooks: TaskHooks = {}): Promise<any> {
      if (o.signal?.aborted) return Promise.reject(Object.assign(new Error('interrupted'), { name: 'AbortError' }));
      const payload = toPayload(task, { runsDir: o.runsDir, backend: o.backend, data: o.data });
      const jobId = unitJobId(payload, `${hostname()}:${o.runsDir}`);
      return new Promise((resolve, reject) => {
        const p: Pending = { task, payload, jobId, hooks, resolve, reject, settled: false, enqueued: false };
        byJob.set(jobId, p);
        // the units submitted together (in this tick) become one flow
        batch.push(p);
        if (batch.length === 1) setImmediate(() => void flush());
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      if (timer) clearInterval(timer);
      if (!ready) return;
      const { queue, flows, events, conns, bull } = await ready;
      // a run that got all its results leaves nothing behind; otherwise the jobs stay for a re-run
      if (!failed && !byJob.size && !o.signal?.aborted) {
        const runs = new bull.Queue(RUNS_QUEUE, { connection: conns[0], prefix: PREFIX });
        for (const id of parents) await (await bull.Job.fromId(runs, id))?.remove({ removeChildren: true }).catch(() => {});
        await runs.close();
      }
      await Promise.allSettled([events.close(), flows.close(), queue.close()]);
      for (const c of conns) c.disconnect();
    },
  };
}

/** The error a worker recorded for a unit that failed for good (checked: it came out of Redis). */
async function jobError(redis: Redis, jobId: string, reason: string | undefined, tries: number): Promise<Error> {
  let d: ErrorData | null = null;
  try {
    const raw = await redis.get(errorKey(jobId));
    const v = raw && raw.length < 64_000 ? (JSON.parse(raw) as Record<string, unknown>) : null;
    if (v && typeof v.message === 'string' && typeof v.name === 'string') {
      d = { fmnist: v.fmnist === true, name: v.name.slice(0, 100), message: v.message.slice(0, 4000) };
      if (typeof v.file === 'string') d.file = v.file.slice(0, 1000);
      if (typeof v.hint === 'string') d.hint = v.hint.slice(0, 1000);
    }
  } catch {
    // an unreadable error record: the job's failedReason below
  }
  const e = d ? fromErrorData(d) : new ExperimentError(`a queue worker failed: ${String(reason ?? 'unknown error').slice(0, 500)}`);
  e.message = `queue job ${jobId} failed ${tries} time${tries === 1 ? '' : 's'}: ${e.message.replace(/^queue job \S+: /, '')}`;
  return e;
}

/** An error of the Redis connection (said with the masked URL), not of the files or of a check. */
const redisFailure = (e: unknown) =>
  !isFmnistError(e) && e instanceof Error && (/Redis|Reply|MaxRetries|Connection/.test(e.name) || /ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND/.test(String((e as { code?: unknown }).code)));

const isNumbers = (v: unknown) =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length <= 40 && Object.values(v).every((x) => typeof x === 'number' || typeof x === 'string' && x.length < 200 || typeof x === 'boolean' || x === null);

