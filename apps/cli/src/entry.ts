// Where this CLI runs from, so that the experiments package can start worker processes from the
// same bundle (`node fmnist.mjs __worker`). Set by main.ts; unset under tsx/vitest (dev), where
// the experiments package starts its own TypeScript worker entry.
import { pathToFileURL } from 'node:url';
import { WORKER_COMMAND } from './commands/worker';

let bundleFilePath: string | undefined;

export function setBundleFile(file: string | undefined): void {
  bundleFilePath = file;
}

/** The `worker` option of @fmnist/experiments: this bundle with `__worker`, or undefined (package default). */
export function workerCommand(): { entry: string; args: string[]; execArgv: string[] } | undefined {
  return bundleFilePath ? { entry: bundleFilePath, args: [WORKER_COMMAND], execArgv: [] } : undefined;
}

/** The bundle's URL, for worker threads (undefined in dev). */
export function bundleFileUrl(): URL | undefined {
  return bundleFilePath ? pathToFileURL(bundleFilePath) : undefined;
}
