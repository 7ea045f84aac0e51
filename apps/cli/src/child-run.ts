// Runs a sub-command of this same bundle in a child process. Used for data preparation inside
// the training commands: @fmnist/data's exploration loads danfojs, which carries its own
// TensorFlow.js 3, and two tfjs versions in one process share (and overwrite) one kernel
// registry. In a child process the training process only ever loads tfjs 4.
import { spawn } from 'node:child_process';
import { NO_CONFIG_ENV } from './config-file';
import { CliError } from './errors';

/** The child failed and already printed why; main exits with its code without a second message. */
export class ChildFailedError extends CliError {
  readonly exitCode: number;
  constructor(what: string, exitCode: number) {
    super(`${what} failed (exit ${exitCode}); its error is printed above.`);
    this.name = 'ChildFailedError';
    this.exitCode = exitCode;
  }
}

export function runChild(bundle: string, args: string[], o: { cwd: string; what: string; signal?: AbortSignal }): Promise<void> {
  return new Promise((resolve, reject) => {
    // The parent already applied the config file; the child gets explicit flags only.
    const child = spawn(process.execPath, [bundle, ...args], { cwd: o.cwd, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, [NO_CONFIG_ENV]: '1' } });
    // Ctrl-C in a terminal reaches the child through the process group; a programmatic abort
    // (SIGTERM to the parent only) is forwarded.
    const onAbort = () => child.kill('SIGINT');
    o.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', reject);
    child.on('exit', (code, sig) => {
      o.signal?.removeEventListener('abort', onAbort);
      if (code === 0) resolve();
      else reject(new ChildFailedError(o.what, code ?? (sig === 'SIGINT' ? 130 : 1)));
    });
  });
}
