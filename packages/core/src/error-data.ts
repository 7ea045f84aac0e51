/**
 * Errors as plain data, to cross a worker thread or a child process. Structured clone (what
 * postMessage and `serialization: 'advanced'` IPC use) keeps only an Error's message and stack,
 * so a FmnistError would arrive without its file, hint, exit code and class: the sender sends
 * `toErrorData(e)` and the receiver throws `fromErrorData(d)`.
 */
import { FmnistError, isFmnistError } from './errors';

export interface ErrorData {
  /** The error was a FmnistError (or subclass) and is rebuilt as one. */
  fmnist: boolean;
  /** The class's name as thrown, e.g. 'ExperimentError'; the rebuilt error carries it. */
  name: string;
  /** The message as thrown (a FmnistError's already ends with its hint). */
  message: string;
  file?: string;
  hint?: string;
  exitCode?: number;
  stack?: string;
  /** Other own properties that survive structured clone: e.g. `searched`, or a system error's code, path, syscall. */
  props?: Record<string, unknown>;
  cause?: ErrorData;
}

const KNOWN = new Set(['name', 'message', 'stack', 'file', 'hint', 'exitCode', 'cause']);

function cloneable(v: unknown): boolean {
  if (typeof v === 'function' || typeof v === 'symbol') return false;
  try {
    structuredClone(v);
    return true;
  } catch {
    return false;
  }
}

/** A plain, structured-clonable (and JSON-able, but for `props`) description of any thrown value. */
export function toErrorData(e: unknown, depth = 0): ErrorData {
  if (!(e instanceof Error) && !isFmnistError(e)) return { fmnist: false, name: 'Error', message: String(e) };
  const err = e as Error & { file?: unknown; hint?: unknown; exitCode?: unknown };
  const d: ErrorData = { fmnist: isFmnistError(e), name: err.name, message: err.message, stack: err.stack };
  if (typeof err.file === 'string') d.file = err.file;
  if (typeof err.hint === 'string') d.hint = err.hint;
  if (typeof err.exitCode === 'number') d.exitCode = err.exitCode;
  const props: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(err)) if (!KNOWN.has(k) && cloneable(v)) props[k] = v;
  if (Object.keys(props).length) d.props = props;
  if (err.cause !== undefined && depth < 4) d.cause = toErrorData(err.cause, depth + 1);
  return d;
}

/**
 * The error `d` describes: a FmnistError (whose `name` is the thrown subclass's, and `file`,
 * `hint` and `exitCode` as thrown) or a plain Error; its stack is the thrower's.
 */
export function fromErrorData(d: ErrorData): Error {
  const cause = d.cause ? fromErrorData(d.cause) : undefined;
  // No hint passed to the constructor: the message already ends with it.
  const e: Error = d.fmnist ? new FmnistError(d.message, { file: d.file, exitCode: d.exitCode, cause }) : new Error(d.message, cause ? { cause } : undefined);
  if (d.fmnist && d.hint !== undefined) (e as { hint?: string }).hint = d.hint;
  if (!d.fmnist) {
    for (const k of ['file', 'hint', 'exitCode'] as const) if (d[k] !== undefined) Object.assign(e, { [k]: d[k] });
  }
  e.name = d.name;
  if (d.props) Object.assign(e, d.props);
  if (d.stack !== undefined) e.stack = d.stack;
  return e;
}
