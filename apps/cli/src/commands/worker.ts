// Worker entry: the experiments package runs folds and trials in child processes. Inside the
// bundle it starts this same file as `fmnist.mjs __worker ...`; main.ts routes that here before
// any argument parsing, so the worker protocol is entirely the experiments package's.
import { fn, loadExperiments } from '../packages';

export const WORKER_COMMAND = '__worker';

export async function runWorkerEntry(args: string[]): Promise<void> {
  const exp = await loadExperiments();
  const runWorker = fn<(o?: unknown) => Promise<void>>(exp, '@fmnist/experiments', 'The experiments worker', 'runWorker');
  await runWorker({ args });
}
