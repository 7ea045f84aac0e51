// Worker entry: the experiments package runs folds and trials in child processes. Inside the
// bundle it forks this same file as `fmnist.mjs __worker`; main.ts routes that here before any
// argument parsing, so the worker protocol (IPC messages) is entirely the experiments package's.
// Also the public `fmnist worker --queue URL` (scale-out over Redis, docs/scale-out.md).
import { loadExperiments } from '../packages';
import type { CommandSpec } from '../command';
import { workerCommand } from '../entry';
import { UsageError } from '../errors';
import { intIn, TRAINING_OPTIONS } from '../options';
import { ensureData } from './techniques';

export const WORKER_COMMAND = '__worker';

/** Starts the worker loop; the process then lives on its IPC channel until the parent closes it. */
export async function runWorkerEntry(): Promise<void> {
  const { runWorker } = await loadExperiments();
  runWorker();
}

/**
 * `fmnist worker --queue URL`: a long-running queue worker (any number, on any machine) that
 * trains the units coordinators enqueue with `--queue`. Its data is found as the training
 * commands find theirs, and a unit for other data is refused.
 */
export const queueWorkerCommand: CommandSpec = {
  command: 'worker',
  describe: 'Train units (folds, trials, feature shards) from a Redis queue for coordinators started with --queue',
  options: {
    queue: { type: 'string', describe: 'Redis URL: redis://[user:password@]host:port[/db], rediss:// for TLS ($FMNIST_QUEUE)', requiresArg: true },
    data: TRAINING_OPTIONS.data,
    concurrency: { type: 'number', describe: 'Units trained at once, each in its own process (default 1)', coerce: intIn('concurrency', 1, 256), requiresArg: true },
    threads: TRAINING_OPTIONS.threads,
  },
  examples: [
    ['$0 worker --queue redis://:secret@queue-host:6379', 'one unit at a time from the queue on queue-host'],
    ['FMNIST_QUEUE=rediss://fmnist:secret@queue-host:6380 $0 worker --concurrency 2', 'two units at a time, over TLS'],
  ],
  epilogue:
    'Runs until Ctrl-C, which finishes the unit(s) in training and exits 0 (a second Ctrl-C quits at once; the unit is then retried elsewhere). A worker killed outright loses only its unit in flight: another worker takes it once its lock expires (FMNIST_QUEUE_LOCK_SECONDS, 30 s). See docs/scale-out.md.',
  async run(ctx, argv) {
    const url = (argv.queue as string | undefined) ?? process.env.FMNIST_QUEUE;
    if (!url) throw new UsageError('fmnist worker needs --queue URL (or FMNIST_QUEUE): the Redis server the coordinators enqueue to.');
    const exp = await loadExperiments();
    const queue = exp.parseQueueUrl(url);
    await exp.checkQueue(queue);
    const dataDir = await ensureData(ctx, argv);
    const data = await exp.resolveData(dataDir);
    const r = await ctx.abortable(() =>
      exp.runQueueWorker({ queue, data, concurrency: argv.concurrency ?? 1, threads: argv.threads as number | undefined, worker: workerCommand(), signal: ctx.signal, log: (m) => ctx.out.log(m) }),
    );
    ctx.stoppedCleanly();
    ctx.out.result(`worker stopped after ${r.units} unit${r.units === 1 ? '' : 's'}`, { units: r.units });
  },
};
