// One CLI invocation: the abort signal wired to Ctrl-C, and the output/progress objects built
// from the parsed global flags.
import { createOutput, type Output } from './output';
import { createProgress, type OnProgress, type ProgressRenderer } from './progress';

export interface GlobalArgs {
  dataDir?: string;
  runsDir: string;
  out?: string;
  backend: 'auto' | 'tensorflow' | 'wasm' | 'cpu';
  seed?: number;
  profile: 'smoke' | 'quick' | 'full';
  concurrency?: number;
  json: boolean;
  quiet: boolean;
  verbose: boolean;
  config?: string;
}

export interface CommandContext {
  args: GlobalArgs;
  out: Output;
  progress: ProgressRenderer;
  onProgress: OnProgress;
  signal: AbortSignal;
  cwd: string;
  /** Path of the config file that was applied, if any. */
  configPath?: string;
  /** Where a flag's value came from: `flag --epochs`, or the config file's key (for messages). */
  flagOrigin(flag: string, aliases?: readonly string[]): string;
  /** Runs `work`, which honours `signal`: Ctrl-C during it stops it cleanly instead of exiting. */
  abortable<T>(work: () => Promise<T>): Promise<T>;
  /** Ctrl-C was this command's way to finish (a queue worker): exit 0, not 130. */
  stoppedCleanly(): void;
}

export interface Session {
  readonly signal: AbortSignal;
  readonly interrupted: boolean;
  /** the command treated Ctrl-C as its normal end (see CommandContext.stoppedCleanly) */
  readonly stoppedCleanly: boolean;
  /**
   * True while a function that honours the abort signal runs (training): Ctrl-C then stops it
   * after the current batch with a checkpoint. Otherwise Ctrl-C exits at once: everything else
   * writes its output atomically, so there is nothing to save.
   */
  abortable: boolean;
  cwd: string;
  configPath?: string;
  flagOrigin?: (flag: string, aliases?: readonly string[]) => string;
  /** Created by the first command handler; kept so that main can finish the progress line. */
  context?: CommandContext;
  makeContext(args: GlobalArgs): CommandContext;
  /** Starts listening for SIGINT/SIGTERM; a second signal exits at once. */
  listen(onForcedExit: () => void): void;
  dispose(): void;
}

export function createSession(o: { cwd: string; stderr?: NodeJS.WriteStream; stdout?: NodeJS.WriteStream }): Session {
  const controller = new AbortController();
  const stderr = o.stderr ?? process.stderr;
  let interrupted = false;
  let stoppedCleanly = false;
  let handler: ((sig: NodeJS.Signals) => void) | undefined;
  const session: Session = {
    get signal() {
      return controller.signal;
    },
    get interrupted() {
      return interrupted;
    },
    get stoppedCleanly() {
      return stoppedCleanly;
    },
    cwd: o.cwd,
    abortable: false,
    makeContext(args) {
      const progress = createProgress({ stream: stderr, tty: Boolean(stderr.isTTY) && !args.json, json: args.json, quiet: args.quiet });
      const out = createOutput({ json: args.json, quiet: args.quiet, stderr, stdout: o.stdout, beforeStderr: () => progress.stop() });
      const ctx: CommandContext = {
        args,
        out,
        progress,
        onProgress: progress.onProgress,
        signal: controller.signal,
        cwd: session.cwd,
        configPath: session.configPath,
        flagOrigin: (flag, aliases) => session.flagOrigin?.(flag, aliases) ?? `flag --${flag}`,
        stoppedCleanly: () => (stoppedCleanly = true),
        async abortable(work) {
          session.abortable = true;
          try {
            return await work();
          } finally {
            session.abortable = false;
          }
        },
      };
      session.context = ctx;
      return ctx;
    },
    listen(onForcedExit) {
      handler = (sig) => {
        if (interrupted) {
          onForcedExit();
          return;
        }
        interrupted = true;
        session.context?.progress.stop();
        if (!session.abortable) {
          stderr.write(`\n${sig === 'SIGINT' ? 'Ctrl-C' : sig}: stopped; nothing was left half-written.\n`);
          onForcedExit();
          return;
        }
        stderr.write(`\n${sig === 'SIGINT' ? 'Ctrl-C' : sig}: stopping after the current step; training keeps its last checkpoint (press Ctrl-C again to quit at once)\n`);
        controller.abort(new Error(`interrupted by ${sig}`));
      };
      process.on('SIGINT', handler);
      process.on('SIGTERM', handler);
    },
    dispose() {
      if (handler) {
        process.off('SIGINT', handler);
        process.off('SIGTERM', handler);
      }
    },
  };
  return session;
}
