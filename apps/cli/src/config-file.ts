// fmnist.config.json: keys match the flags (kebab-case or camelCase), flags win. Read from
// `--config FILE`, else from ./fmnist.config.json when it exists.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { CliError, UsageError } from './errors';
import { closest } from './suggest';

export const CONFIG_FILE_NAME = 'fmnist.config.json';
/** Set in child processes the CLI starts itself: they get explicit flags and read no config file. */

export interface LoadedConfig {
  /** Absolute path of the file read, undefined when there is none. */
  path?: string;
  /** Values keyed by the kebab-case flag name. */
  values: Record<string, unknown>;
  /** The key as written in the file (`batchSize`), by kebab-case flag name. */
  keys?: Record<string, string>;
}

/** The value of `--config` in raw argv (`--config F` or `--config=F`), if any. */
export function configPathFromArgv(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') break;
    if (a === '--config') return argv[i + 1];
    if (a.startsWith('--config=')) return a.slice('--config='.length);
  }
  return undefined;
}

export function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/**
 * Reads and validates the config file. `knownKeys` are every flag name of every command: a key
 * outside that set is a usage error naming the file and the closest flag.
 */
/** Larger files are refused before reading (a config holds a few flag values). */
const MAX_CONFIG_BYTES = 1024 * 1024;

export function loadConfig(o: { argv: readonly string[]; cwd: string; knownKeys: ReadonlySet<string> }): LoadedConfig {
  const explicit = configPathFromArgv(o.argv);
  if (explicit === '' || (explicit !== undefined && explicit.startsWith('-'))) {
    throw new UsageError('--config needs a file name, e.g. --config fmnist.config.json');
  }
  const path = resolve(o.cwd, explicit ?? CONFIG_FILE_NAME);
  if (!existsSync(path)) {
    if (explicit === undefined) return { values: {} };
    throw new CliError(`config file ${path} not found. Check the path given to --config.`, { file: path });
  }
  // Only a regular file of a sane size is read: a FIFO or a device would block or never end.
  const st = statSync(path);
  if (!st.isFile()) {
    const kind = st.isDirectory() ? 'a directory' : st.isFIFO() ? 'a named pipe (FIFO)' : 'a special file';
    throw new CliError(`config file ${path} is ${kind}; --config expects a JSON file such as ${CONFIG_FILE_NAME}.`, { file: path });
  }
  if (st.size > MAX_CONFIG_BYTES) {
    throw new CliError(`config file ${path} is ${st.size} bytes; a config file of flag values is at most ${MAX_CONFIG_BYTES}. Pass the right file to --config.`, { file: path });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    // JSON.parse quotes the text it failed on, newlines and all: keep the message to one line
    const why = (e as Error).message.replace(/\s+/g, ' ').slice(0, 200);
    throw new CliError(`config file ${path} is not valid JSON (${why}). Fix the file or remove it.`, { file: path });
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new CliError(`config file ${path} must hold a JSON object whose keys are flag names, e.g. {"seed": 1, "backend": "wasm"}.`, { file: path });
  }
  const values: Record<string, unknown> = {};
  const keys: Record<string, string> = {};
  for (const [rawKey, value] of Object.entries(parsed as Record<string, unknown>)) {
    const key = kebab(rawKey);
    if (key === 'config') throw new UsageError(`config file ${path}: the key "config" cannot be set inside a config file.`);
    if (!o.knownKeys.has(key)) {
      const guess = closest(key, [...o.knownKeys]);
      throw new UsageError(`config file ${path}: unknown key "${rawKey}".${guess ? ` Did you mean "${guess}"?` : ''} Keys are the command-line flag names (see fmnist --help).`);
    }
    if (value !== undefined && value !== null) {
      values[key] = value;
      keys[key] = rawKey;
    }
  }
  return { path, values, keys };
}

/** The subset of the config's values that a command (or the root) declares. */
export function configFor(config: LoadedConfig, keys: Iterable<string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys) if (k in config.values) out[k] = config.values[k];
  return out;
}

/** Whether `flag` (kebab-case, or one of its aliases) is written in raw argv, before any `--`. */
export function onCommandLine(argv: readonly string[], flag: string, aliases: readonly string[] = []): boolean {
  const names = new Set([flag, flag.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase()), ...aliases]);
  for (const a of argv) {
    if (a === '--') break;
    const m = /^--?(?:no-)?([^=]+)/.exec(a);
    if (m && names.has(m[1])) return true;
  }
  return false;
}

/**
 * Where a flag's value came from, for messages about it: the command line, else the config file
 * (yargs merges the file's values in as flag values; flags win).
 */
export function flagOrigin(flag: string, o: { argv: readonly string[]; config: LoadedConfig; aliases?: readonly string[] }): string {
  if (o.config.path && flag in o.config.values && !onCommandLine(o.argv, flag, o.aliases)) return `${o.config.path} key "${o.config.keys?.[flag] ?? flag}"`;
  return `flag --${flag}`;
}
