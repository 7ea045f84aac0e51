// Entry point of the fmnist CLI (bundled to apps/cli/dist/fmnist.mjs). Maps outcomes to exit
// codes: 0 success, 1 failure, 2 usage error, 130 interrupted.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMainThread } from 'node:worker_threads';
import { hideBin } from 'yargs/helpers';
import { isFmnistError } from '@fmnist/core';
import { buildCli } from './cli';
import { EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_USAGE, formatError, UsageError } from './errors';
import { createSession } from './session';
import { handleStreamErrors } from './output';
import { runWorkerEntry, WORKER_COMMAND } from './commands/worker';
import { setBundleFile } from './entry';

declare const FMNIST_VERSION: string | undefined;

function version(): string {
  return typeof FMNIST_VERSION === 'string' ? FMNIST_VERSION : '0.1.0-dev';
}

/** The bundle ships the tfjs WASM binaries beside itself; tell the models package where. */
function pointAtBundledWasm(): void {
  if (process.env.FMNIST_WASM_DIR) return;
  const here = dirname(fileURLToPath(import.meta.url));
  if (existsSync(join(here, 'tfjs-backend-wasm-simd.wasm'))) process.env.FMNIST_WASM_DIR = here;
}

export async function main(argv: string[]): Promise<number> {
  pointAtBundledWasm();
  const verbose = argv.includes('--verbose') || /(^|,)\s*(fmnist|\*)\s*(,|$)/.test(process.env.DEBUG ?? '');
  // Stack traces point into the TypeScript sources (the bundle ships its source maps).
  if (verbose) process.setSourceMapsEnabled(true);
  const session = createSession({ cwd: process.cwd() });
  session.listen(() => {
    process.stderr.write('interrupted; re-run the same command to resume\n');
    process.exit(EXIT_INTERRUPTED);
  });
  try {
    const cli = buildCli(argv, session, version());
    await cli.parseAsync();
    if (session.interrupted && !session.stoppedCleanly) {
      session.context?.progress.stop();
      process.stderr.write('interrupted; re-run the same command to resume\n');
      return EXIT_INTERRUPTED;
    }
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    session.context?.progress.stop();
    if (session.interrupted) {
      if (verbose) process.stderr.write(`${formatError(e, true)}\n`);
      process.stderr.write('interrupted; re-run the same command to resume\n');
      return EXIT_INTERRUPTED;
    }
    if (e instanceof UsageError || (e instanceof Error && e.name === 'YError')) {
      process.stderr.write(`error: ${e.message}\nRun "fmnist --help" (or "fmnist <command> --help") for usage.\n`);
      return EXIT_USAGE;
    }
    process.stderr.write(`${formatError(e, verbose)}\n`);
    // a package's FmnistError may be a usage error (a bad setting): exit 2
    return isFmnistError(e) && e.exitCode === EXIT_USAGE ? EXIT_USAGE : EXIT_FAILURE;
  } finally {
    session.dispose();
  }
}

const args = hideBin(process.argv);
if (typeof FMNIST_VERSION === 'string') {
  setBundleFile(fileURLToPath(import.meta.url));
  // data-parallel training's worker threads start this bundle (see @fmnist/models' REPLICA_ENTRY_ENV)
  process.env.FMNIST_REPLICA_ENTRY = fileURLToPath(import.meta.url);
}
if (!isMainThread) {
  // A worker thread started from the bundle: a replica of data-parallel training, or a training
  // job of the models benchmark (`fmnist bench`); each talks to its parent through parentPort.
  pointAtBundledWasm();
  if (!(await import('@fmnist/models')).runReplicaWorker()) (await import('@fmnist/models/bench')).runBenchWorker();
} else if (args[0] === WORKER_COMMAND) {
  // A worker process forked by @fmnist/experiments: it lives on its IPC channel. Ctrl-C reaches
  // the whole process group; the parent forwards the abort over IPC so that the worker stops
  // after the current batch with its checkpoint, so the signal itself is ignored here.
  process.on('SIGINT', () => {});
  pointAtBundledWasm();
  await runWorkerEntry();
} else {
  // stdout that cannot be written (`> /dev/full`, a full disk) is a failure; stderr is where it
  // would be said, so a failing stderr only sets the exit code.
  handleStreamErrors((e, stream) => {
    if (stream === 'standard output') {
      const reason = e.message.replace(/^E[A-Z0-9]+: ([^,]+),.*$/s, '$1');
      process.stderr.write(`error: ${reason} while writing standard output: send the output elsewhere (a file on a disk with free space, or a pipe)\n`);
    }
    process.exit(EXIT_FAILURE);
  });
  const code = await main(args);
  // Let stdout drain, then exit: tfjs and worker pools may keep handles open.
  process.exitCode = code;
  await new Promise<void>((r) => process.stdout.write('', () => r()));
  process.exit(code);
}
