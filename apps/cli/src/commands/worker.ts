// Worker entry: the experiments package runs folds and trials in child processes. Inside the
// bundle it forks this same file as `fmnist.mjs __worker`; main.ts routes that here before any
// argument parsing, so the worker protocol (IPC messages) is entirely the experiments package's.
import { loadExperiments } from '../packages';

export const WORKER_COMMAND = '__worker';

/** Starts the worker loop; the process then lives on its IPC channel until the parent closes it. */
export async function runWorkerEntry(): Promise<void> {
  const { runWorker } = await loadExperiments();
  runWorker();
}
