// The worker's side of `--queue` (`fmnist worker --queue URL`): takes units from the `units`
// queue, trains them in its own worker processes (the process pool of executor.ts, so that this
// process keeps renewing BullMQ's job locks while a unit trains), and ships the result and its
// files back through Redis, each file under a key named by its SHA-256. A worker killed mid-unit
// stops renewing the lock: after it expires another worker's stalled-job check puts the unit back
// in the queue. A unit retried on the same machine resumes from its local checkpoint.
import { createHash } from 'node:crypto';
import { availableParallelism, hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { lstat, readdir, readFile, rm } from 'node:fs/promises';
import { toErrorData } from '@fmnist/core';
import { createPoolExecutor, type Executor, type WorkerCommand } from '../executor';
import { ExperimentError } from '../../errors';
import type { DataRef } from '../../data/dataset';
import type { FeatureTask } from '../../techniques/feature-task';
import type { TrainTask } from '../../techniques/train-task';
import { BLOB_TTL_SECONDS, blobKey, checkQueue, connect, errorKey, PREFIX, UNITS_QUEUE, type QueueUrl, type Redis } from './connection';
import { checkPayload, MAX_BLOB_BYTES, PAYLOAD_VERSION, sha256, type BlobRef, type UnitOutcome, type UnitPayload } from './payload';

export interface QueueWorkerOptions {
  queue: QueueUrl;
  /** this machine's dataset (the CLI's discovery); a unit for other data is refused */
  data: DataRef;
  /** units at once (each in its own process) */
  concurrency: number;
  /**
   * Training threads per unit (data-parallel steps; results do not depend on it, so a unit gives
   * the numbers a local run gives). Default: the cores / concurrency, at least 1.
   */
  threads?: number;
  worker?: WorkerCommand;
  /** local work folder (default <tmp>/fmnist-queue) */
  workDir?: string;
  /** first abort: finish the current units, then return */
  signal?: AbortSignal;
  log?: (line: string) => void;
  /** BullMQ lock of a unit; a killed worker's unit is retried this long after (FMNIST_QUEUE_LOCK_SECONDS, default 30) */
  lockSeconds?: number;
}

export async function runQueueWorker(o: QueueWorkerOptions): Promise<{ units: number }> {
  await checkQueue(o.queue);
  const { Worker } = await import('bullmq');
  const lockMs = 1000 * (o.lockSeconds ?? (Number(process.env.FMNIST_QUEUE_LOCK_SECONDS) || 30));
  const workDir = o.workDir ?? join(tmpdir(), 'fmnist-queue');
  const me = `${hostname()}:${process.pid}`;
  const [redis, wc] = await Promise.all([connect(o.queue), connect(o.queue)]);
  const pools = new Map<string, Executor>();
  const pool = (backend: string) => {
    let p = pools.get(backend);
    if (!p) pools.set(backend, (p = createPoolExecutor({ size: o.concurrency, backend, worker: o.worker })));
    return p;
  };
  const threads = o.threads ?? Math.max(1, Math.floor(availableParallelism() / o.concurrency));
  let units = 0;

  const worker = new Worker(
    UNITS_QUEUE,
    async (job) => {
      const jobId = job.id!;
      try {
        const payload = checkPayload(job.data, jobId);
        checkData(payload, o.data, me);
        o.log?.(`${payload.unit.id} (${payload.where}): started, attempt ${job.attemptsMade + 1}`);
        const local = localPaths(workDir, jobId, payload);
        let last = 0;
        const r = await pool(payload.backend).run(toTask(payload, o.data, local, threads), {
          onEpoch: (m) => {
            o.log?.(`${payload.unit.id}: epoch ${m.epoch} done`);
            void job.updateProgress({ epoch: m }).catch(() => {});
          },
          onProgress: (p) => {
            const now = Date.now();
            if (now - last < 1000 && p.done < p.total) return;
            last = now;
            void job.updateProgress({ progress: p }).catch(() => {});
          },
        });
        if (r === null) throw new Error(`worker ${me} stopped before ${payload.unit.id} finished`);
        const outcome = await ship(redis, payload, local, r, me);
        await rm(local.dir, { recursive: true, force: true });
        units++;
        o.log?.(`${payload.unit.id}: done`);
        return outcome;
      } catch (e) {
        // the error with its file and hint, for the coordinator (failedReason keeps only the message)
        await redis.set(errorKey(jobId), JSON.stringify(toErrorData(e)), 'EX', BLOB_TTL_SECONDS).catch(() => {});
        o.log?.(`job ${jobId}: ${(e as Error).message}`);
        throw e;
      }
    },
    { connection: wc, prefix: PREFIX, concurrency: o.concurrency, lockDuration: lockMs, stalledInterval: lockMs, maxStalledCount: 3, autorun: false },
  );
  worker.on('error', (e) => o.log?.(`queue: ${(e as Error).message}`));
  o.log?.(`worker ${me}: taking units from ${o.queue.masked} (concurrency ${o.concurrency}, threads ${threads}, data ${o.data.dir} ${o.data.inputKey})`);
  const stopped = new Promise<void>((resolve) => {
    const stop = () => {
      o.log?.(`worker ${me}: finishing the current unit(s), then exiting`);
      void worker.close().then(() => resolve());
    };
    if (o.signal?.aborted) stop();
    else o.signal?.addEventListener('abort', stop, { once: true });
  });
  void worker.run();
  await stopped;
  await Promise.allSettled([...pools.values()].map((p) => p.close()));
  redis.disconnect();
  wc.disconnect();
  return { units };
}

function checkData(p: UnitPayload, d: DataRef, me: string): void {
  if (p.data.inputKey !== d.inputKey || p.data.kind !== d.kind) {
    throw new ExperimentError(
      `unit ${p.unit.id} was enqueued for dataset ${p.data.kind} ${p.data.inputKey}; worker ${me} has ${d.kind} ${d.inputKey} in ${d.dir}`,
      { file: d.dir, hint: 'give the worker the coordinator\'s data: the same raw files (--data-dir) or a copy of its prepared folder (--data)' },
    );
  }
}

interface Local { dir: string; checkpoint: string }

/** The unit's files on this machine: per job, and a checkpoint per unit location (trials continue it). */
function localPaths(workDir: string, jobId: string, p: UnitPayload): Local {
  const where = createHash('sha256').update(`${p.data.inputKey}\0${dirname(p.where)}\0${p.unit.id}`).digest('hex').slice(0, 32);
  return { dir: join(workDir, jobId), checkpoint: join(workDir, `checkpoint-${where}`) };
}

function toTask(p: UnitPayload, data: DataRef, l: Local, threads: number): TrainTask | FeatureTask {
  const u = p.unit;
  if (u.kind === 'features') {
    return { kind: 'features', id: u.id, source: data, which: u.which, rows: u.rows, start: u.start, end: u.end, variant: u.variant, inputSize: u.inputSize, download: u.download, outFile: join(l.dir, 'features.f32') };
  }
  return {
    kind: 'train',
    id: u.id,
    source: data,
    data: u.data,
    split: u.split,
    params: u.params,
    seed: u.seed,
    ...(u.callbacks ? { callbacks: u.callbacks } : {}),
    checkpointDir: l.checkpoint,
    resultFile: join(l.dir, 'result.json'),
    ...(u.model ? { modelDir: join(l.dir, 'model') } : {}),
    ...(u.testProbabilities ? { testProbabilitiesFile: join(l.dir, 'test-probabilities.bin') } : {}),
    evalTrain: u.evalTrain,
    evalTest: u.evalTest,
    dropCheckpoint: u.dropCheckpoint,
    // every local training runs data-parallel steps (whatever the thread count): so does this one
    threads,
  };
}

/** Uploads the unit's files (content-addressed, with a TTL) and returns the job's return value. */
async function ship(redis: Redis, p: UnitPayload, l: Local, result: unknown, me: string): Promise<UnitOutcome> {
  const put = async (file: string): Promise<BlobRef> => {
    const st = await lstat(file);
    if (!st.isFile() || st.size > MAX_BLOB_BYTES) throw new ExperimentError(`${file} is not a regular file of at most ${MAX_BLOB_BYTES} bytes`, { file });
    const buf = await readFile(file);
    const ref = { sha256: sha256(buf), bytes: buf.length };
    await redis.set(blobKey(ref.sha256), buf, 'EX', BLOB_TTL_SECONDS);
    return ref;
  };
  const files: UnitOutcome['files'] = {};
  const u = p.unit;
  if (u.kind === 'features') files.features = await put(join(l.dir, 'features.f32'));
  else {
    if (u.testProbabilities) files.testProbabilities = await put(join(l.dir, 'test-probabilities.bin'));
    if (u.model) {
      files.model = {};
      for (const name of (await readdir(join(l.dir, 'model'))).sort()) files.model[name] = await put(join(l.dir, 'model', name));
    }
  }
  return { v: PAYLOAD_VERSION, result, files, worker: me };
}
