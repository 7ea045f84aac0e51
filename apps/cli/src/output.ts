// Where things are printed: results on stdout (text, or one JSON document with --json),
// logs and progress on stderr so that `--json` output can be piped.

export interface OutputOptions {
  json: boolean;
  quiet: boolean;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Called before a line goes to stderr (the progress bar clears its line). */
  beforeStderr?: () => void;
}

export interface Output {
  readonly json: boolean;
  readonly quiet: boolean;
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  /** A human log line on stderr (suppressed by --quiet). */
  log(message: string): void;
  /** A warning on stderr (shown even with --quiet). */
  warn(message: string): void;
  /** The command's result: `text` for humans, `data` as JSON with --json. */
  result(text: string, data: unknown): void;
  /** One JSON line on stdout in --json mode (streamed results such as benchmark lines). */
  jsonLine(data: unknown): void;
}

export function createOutput(o: OutputOptions): Output {
  const stdout = o.stdout ?? process.stdout;
  const stderr = o.stderr ?? process.stderr;
  return {
    json: o.json,
    quiet: o.quiet,
    stderr,
    log(message) {
      if (o.quiet) return;
      o.beforeStderr?.();
      stderr.write(`${message}\n`);
    },
    warn(message) {
      o.beforeStderr?.();
      stderr.write(`warning: ${message}\n`);
    },
    result(text, data) {
      if (o.json) stdout.write(`${JSON.stringify(data, jsonReplacer, 2)}\n`);
      else if (text) stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    },
    jsonLine(data) {
      stdout.write(`${JSON.stringify(data, jsonReplacer)}\n`);
    },
  };
}

/** JSON for typed arrays and non-finite numbers (NaN correlations are legitimate). */
function jsonReplacer(_key: string, value: unknown): unknown {
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return Array.from(value as unknown as ArrayLike<number>);
  if (typeof value === 'number' && !Number.isFinite(value)) return null;
  if (typeof value === 'bigint') return Number(value);
  return value;
}

/**
 * Errors of the process's own stdout/stderr, which Node would otherwise throw as an uncaught
 * exception with a stack trace. A reader that went away (`fmnist predict … | head -1`) is not a
 * failure: the command stops at once with exit 0 and no message, as `yes | head` does (an
 * interrupted training run resumes from its checkpoint). Any other write error (a full disk
 * under `> file`) goes to `onError` with the stream's name.
 */
export function handleStreamErrors(onError: (e: Error, stream: 'standard output' | 'standard error') => void): void {
  for (const [stream, name] of [
    [process.stdout, 'standard output'],
    [process.stderr, 'standard error'],
  ] as const) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(0);
      onError(e, name);
    });
  }
}
